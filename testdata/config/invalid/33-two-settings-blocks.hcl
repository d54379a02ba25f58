settings {
  region = "us-east-1"
}

settings {
  prune = true
}
