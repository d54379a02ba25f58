settings {
  regoin = "us-east-1"
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  prevent_destroy       = 1
  destination {
    region     = "us-west-2"
    kms_key_id = "not a key"
  }
}

replication "b" {
  source_file_system_id = "fs-nothex"
  source_region         = "mars-1"
  destination {
  }
}
