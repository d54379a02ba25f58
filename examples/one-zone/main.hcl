# One Zone destination: the Region is derived from the Availability Zone.

replication "scratch" {
  source_file_system_id = "fs-0a1b2c3d4e5f60718"
  source_region         = "eu-west-1"

  destination {
    availability_zone_name = "eu-central-1b"
  }
}
