settings {
  region = "us-east-1"
}

replication "first" {
  source_file_system_id = "fs-0000000a"
  destination {
    region         = "us-west-2"
    file_system_id = "fs-0000000b"
  }
}

replication "second" {
  source_file_system_id = "fs-0000000b"
  destination {
    region = "eu-west-1"
  }
}
