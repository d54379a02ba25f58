# Many file systems with one block: for_each over a map. Each element makes
# one replication, addressed replication.team["NAME"].
#
#   efs-replicator validate examples/for-each --var dr_region=us-east-2

variable "dr_region" {
  type        = string
  default     = "us-west-2"
  description = "Where every team's copy lives"
}

variable "lag" {
  type    = string
  default = "1h"
}

locals {
  teams = {
    analytics = { id = "fs-00000000000000a01", one_zone = false }
    builds    = { id = "fs-00000000000000a02", one_zone = false }
    scratch   = { id = "fs-00000000000000a03", one_zone = true }
  }
}

settings {
  region              = "us-east-1"
  max_replication_lag = var.lag
}

replication "team" {
  for_each = local.teams

  source_file_system_id = each.value.id

  destination {
    region                 = var.dr_region
    availability_zone_name = each.value.one_zone ? "${var.dr_region}a" : null
  }
}

# A list of ids works too: the key is the id itself.
replication "archive" {
  for_each = ["fs-00000000000000b01", "fs-00000000000000b02"]

  source_file_system_id = each.key

  destination {
    region = "eu-west-1"
  }
}
