settings {
  region              = "us-east-1"
  max_replication_lag = "soon"
}
