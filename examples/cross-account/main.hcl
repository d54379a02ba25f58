# Cross-account replication: the destination file system belongs to the
# backup account and is named by ARN; EFS assumes the role (in the source
# account) to write to it.
# Each account has an account block, so both file systems are described
# with their own account's credentials (protection, encryption, KMS key and
# Availability Zone are checked on both sides).

variable "backup_account" {
  type        = string
  default     = "444455556666"
  description = "Account that owns the destination"
}

# The account the source is in: its role is assumed with the default
# credentials (sts:AssumeRole).
account "prod" {
  id       = "111122223333"
  role_arn = "arn:aws:iam::111122223333:role/efs-replicator"
}

account "backup" {
  id       = var.backup_account
  role_arn = "arn:aws:iam::${var.backup_account}:role/efs-replicator"
}

replication "ledger" {
  # A source ARN names its Region and account; no source_region needed.
  source_file_system_id = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-01234567aaaabbbb0"

  destination {
    region          = "eu-west-2"
    file_system_id  = "arn:aws:elasticfilesystem:eu-west-2:${var.backup_account}:file-system/fs-0bbbbcccc11112222"
    role_arn        = "arn:aws:iam::111122223333:role/efs-replication"
    allow_overwrite = true
  }
}
