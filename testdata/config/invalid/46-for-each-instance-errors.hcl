locals {
  sources = {
    good = "fs-0000000a"
    bad  = "fs-?"
  }
}

replication "team" {
  for_each              = local.sources
  source_file_system_id = each.value
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
