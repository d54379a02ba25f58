# One drift job for an organisation: ten accounts, sources in three
# Regions, each replicated to a second Region of its own account. Every
# account's role is assumed once with the default credentials (one
# sts:AssumeRole per account), and every (account, Region) is listed once.
#
#   efs-replicator check examples/organisation
#
# Against the emulator, with the seed state of this folder:
#
#   cp examples/organisation/seed-state.json /tmp/org.json
#   efs-replicator apply --emulator /tmp/org.json --auto-approve examples/organisation
#   efs-replicator check --emulator /tmp/org.json examples/organisation

variable "role_name" {
  type        = string
  default     = "efs-replicator"
  description = "The role efs-replicator assumes in every account"
}

account "payments" {
  id       = "100000000001"
  role_arn = "arn:aws:iam::100000000001:role/${var.role_name}"
}

account "ledger" {
  id       = "100000000002"
  role_arn = "arn:aws:iam::100000000002:role/${var.role_name}"
}

account "search" {
  id       = "100000000003"
  role_arn = "arn:aws:iam::100000000003:role/${var.role_name}"
}

account "media" {
  id       = "100000000004"
  role_arn = "arn:aws:iam::100000000004:role/${var.role_name}"
}

account "identity" {
  id       = "100000000005"
  role_arn = "arn:aws:iam::100000000005:role/${var.role_name}"
}

account "billing" {
  id       = "100000000006"
  role_arn = "arn:aws:iam::100000000006:role/${var.role_name}"
}

account "analytics" {
  id       = "100000000007"
  role_arn = "arn:aws:iam::100000000007:role/${var.role_name}"
}

account "support" {
  id       = "100000000008"
  role_arn = "arn:aws:iam::100000000008:role/${var.role_name}"
}

account "catalog" {
  id       = "100000000009"
  role_arn = "arn:aws:iam::100000000009:role/${var.role_name}"
}

account "mail" {
  id       = "100000000010"
  role_arn = "arn:aws:iam::100000000010:role/${var.role_name}"
}

locals {
  # Key = address key; account = an account block above.
  file_systems = {
    payments-1  = { account = "payments", id = "fs-00000000000000001", region = "us-east-1", to = "us-west-2" }
    payments-2  = { account = "payments", id = "fs-00000000000000002", region = "eu-west-1", to = "eu-central-1" }
    ledger-1    = { account = "ledger", id = "fs-00000000000000003", region = "eu-west-1", to = "eu-central-1" }
    ledger-2    = { account = "ledger", id = "fs-00000000000000004", region = "ap-southeast-2", to = "ap-northeast-1" }
    search-1    = { account = "search", id = "fs-00000000000000005", region = "ap-southeast-2", to = "ap-northeast-1" }
    search-2    = { account = "search", id = "fs-00000000000000006", region = "us-east-1", to = "us-west-2" }
    media-1     = { account = "media", id = "fs-00000000000000007", region = "us-east-1", to = "us-west-2" }
    media-2     = { account = "media", id = "fs-00000000000000008", region = "eu-west-1", to = "eu-central-1" }
    identity-1  = { account = "identity", id = "fs-00000000000000009", region = "eu-west-1", to = "eu-central-1" }
    identity-2  = { account = "identity", id = "fs-0000000000000000a", region = "ap-southeast-2", to = "ap-northeast-1" }
    billing-1   = { account = "billing", id = "fs-0000000000000000b", region = "ap-southeast-2", to = "ap-northeast-1" }
    billing-2   = { account = "billing", id = "fs-0000000000000000c", region = "us-east-1", to = "us-west-2" }
    analytics-1 = { account = "analytics", id = "fs-0000000000000000d", region = "us-east-1", to = "us-west-2" }
    analytics-2 = { account = "analytics", id = "fs-0000000000000000e", region = "eu-west-1", to = "eu-central-1" }
    support-1   = { account = "support", id = "fs-0000000000000000f", region = "eu-west-1", to = "eu-central-1" }
    support-2   = { account = "support", id = "fs-00000000000000010", region = "ap-southeast-2", to = "ap-northeast-1" }
    catalog-1   = { account = "catalog", id = "fs-00000000000000011", region = "ap-southeast-2", to = "ap-northeast-1" }
    catalog-2   = { account = "catalog", id = "fs-00000000000000012", region = "us-east-1", to = "us-west-2" }
    mail-1      = { account = "mail", id = "fs-00000000000000013", region = "us-east-1", to = "us-west-2" }
    mail-2      = { account = "mail", id = "fs-00000000000000014", region = "eu-west-1", to = "eu-central-1" }
  }
}

replication "org" {
  for_each = local.file_systems

  source_file_system_id = each.value.id
  source_region         = each.value.region
  source_account        = each.value.account
  max_replication_lag   = "1h"

  destination {
    region = each.value.to
  }
}
