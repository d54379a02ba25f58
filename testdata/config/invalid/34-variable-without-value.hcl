variable "source" {
  type = string
}

replication "a" {
  source_file_system_id = var.source
  source_region         = "us-east-1"
  destination {
    region = "us-west-2"
  }
}
