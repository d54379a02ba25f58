replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region         = "us-east-1"
    file_system_id = "fs-0000000a"
  }
}
