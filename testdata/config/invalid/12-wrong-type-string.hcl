replication "a" {
  source_file_system_id = 12345678
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
