# Deleting replications: a removed block deletes one replication by its
# source; prune = true deletes every replication found in scope that no
# block declares.

settings {
  region = "ap-southeast-2"
  prune  = false
}

replication "keep" {
  source_file_system_id = "fs-0abcdef0123456789"

  destination {
    region = "ap-southeast-4"
  }
}

removed {
  source_file_system_id = "fs-0987654321fedcba0"
  source_region         = "ap-southeast-2"
}
