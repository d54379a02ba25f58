settings {
  region = "us-east-1"
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "us-west-2"
  }
}

replication "b" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = "eu-west-1"
  }
}
