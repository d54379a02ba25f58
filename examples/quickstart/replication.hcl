# Quickstart: two file systems, each replicated to another Region.
# Run ./run.sh (no AWS account needed: it uses the bundled EFS emulator).

settings {
  region = "us-east-1"
}

# Regional destination in another Region; EFS creates the destination.
replication "home" {
  source_file_system_id = "fs-0a1b2c3d4e5f60001"

  destination {
    region = "us-west-2"
  }
}

# A file system in eu-west-1 replicated to a One Zone destination in eu-central-1.
replication "reports" {
  source_file_system_id = "fs-0a1b2c3d4e5f60002"
  source_region         = "eu-west-1"

  destination {
    availability_zone_name = "eu-central-1a"
  }
}
