replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region         = "us-west-2"
    file_system_id = "arn:aws:elasticfilesystem:us-west-2:444455556666:file-system/fs-0000000b"
    role_arn       = "arn:aws:iam::4444:user/bob"
  }
}
