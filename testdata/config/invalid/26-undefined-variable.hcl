variable "dr_region" {
  default = "us-west-2"
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region = var.dr_regoin
  }
}
