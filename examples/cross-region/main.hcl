# Basic cross-Region replication: the home file system in us-east-1
# replicates to a new, read-only file system that EFS creates in us-west-2.

settings {
  region = "us-east-1" # default Region of every source below
}

replication "home" {
  source_file_system_id = "fs-0123456789abcdef0"

  destination {
    region     = "us-west-2"
    kms_key_id = "alias/efs-dr" # key of the new destination (default: aws/elasticfilesystem)
  }

  # Refuse any plan that would delete or replace this replication.
  prevent_destroy = true

  # `check` reports this replication as unhealthy beyond this lag.
  max_replication_lag = "30m"
}
