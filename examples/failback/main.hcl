# Failback after a disaster recovery: replicate the DR copy in us-west-2 back
# onto the original file system in us-east-1, which already exists.
#
# EFS refuses an existing destination while its replication overwrite
# protection is on. allow_overwrite = true is the explicit consent that lets
# the tool turn that protection off. Everything on the destination is then
# replaced by the source's data.

replication "failback" {
  source_file_system_id = "fs-0fedcba9876543210"
  source_region         = "us-west-2"

  destination {
    region          = "us-east-1"
    file_system_id  = "fs-0123456789abcdef0"
    allow_overwrite = true
  }
}
