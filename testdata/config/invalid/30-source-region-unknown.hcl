replication "a" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "us-west-2"
  }
}
