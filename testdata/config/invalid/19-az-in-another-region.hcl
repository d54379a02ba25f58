replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region                 = "us-west-2"
    availability_zone_name = "us-east-1a"
  }
}
