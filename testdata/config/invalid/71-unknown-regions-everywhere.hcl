# issue 10: every place a Region is named is checked, once per place, even
# when for_each reads it for several instances; a name that is not even
# shaped like a Region also gets the closest known one.
settings {
  region = "eu-west-4"
}

variable "dr" {
  default = "us-wset-2"
}

replication "apps" {
  for_each              = { a = "fs-0000000a", b = "fs-0000000b" }
  source_file_system_id = each.value
  destination {
    region = var.dr
  }
}

replication "logs" {
  source_file_system_id = "fs-0000000d"
  source_region         = "sa-east1"
  destination {
    region = "us-west-2"
  }
}

removed {
  source_file_system_id = "fs-0000000c"
  source_region         = "uswest-2"
}
