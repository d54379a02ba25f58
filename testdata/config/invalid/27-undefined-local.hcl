locals {
  source = "fs-0000000a"
}

replication "a" {
  source_file_system_id = local.sources
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
