# issue 10: the escape hatch is a boolean; a string does not switch it on,
# so the unknown Region is reported too.
settings {
  region                 = "us-future-1"
  skip_region_validation = "yes"
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "us-west-2"
  }
}
