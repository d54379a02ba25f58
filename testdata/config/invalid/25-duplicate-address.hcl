settings {
  region = "us-east-1"
}

replication "home" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "us-west-2"
  }
}

replication "home" {
  source_file_system_id = "fs-0000000b"
  destination {
    region = "us-west-2"
  }
}
