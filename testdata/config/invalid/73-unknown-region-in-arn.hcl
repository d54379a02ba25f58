# issue 10: the Region inside a file system ARN is checked like any other.
replication "a" {
  source_file_system_id = "arn:aws:elasticfilesystem:us-east1:123456789012:file-system/fs-0000000a"
  destination {
    file_system_id = "arn:aws:elasticfilesystem:eu-wset-1:123456789012:file-system/fs-0000000b"
  }
}
