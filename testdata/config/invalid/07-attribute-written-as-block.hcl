settings {
  region {
    name = "us-east-1"
  }
}
