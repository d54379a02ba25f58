replication "a" {
  source_file_system_id = "arn:aws:s3:::my-bucket"
  destination {
    region = "us-west-2"
  }
}
