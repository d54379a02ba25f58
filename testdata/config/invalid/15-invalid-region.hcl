replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "US East"
  destination {
    region = "us-west-2"
  }
}
