# issue 10: a Region name missing its last hyphen passes the name pattern
# but is no Region; validate says so and names the closest one.
replication "home" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region = "us-east1"
  }
}
