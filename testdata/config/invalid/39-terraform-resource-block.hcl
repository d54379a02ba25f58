resource "aws_efs_replication_configuration" "a" {
  source_file_system_id = "fs-0000000a"
}
