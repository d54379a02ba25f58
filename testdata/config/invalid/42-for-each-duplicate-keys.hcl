replication "a" {
  for_each              = ["fs-0000000a", "fs-0000000a"]
  source_file_system_id = each.key
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
