replication "a" {
  source_region = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
