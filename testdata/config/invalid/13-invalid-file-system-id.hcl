replication "a" {
  source_file_system_id = "fs-XYZ"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
