replication "a" {
  source_file_system_id = lowercase("FS-0000000A")
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
