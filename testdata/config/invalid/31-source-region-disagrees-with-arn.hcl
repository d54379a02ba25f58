replication "a" {
  source_file_system_id = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
