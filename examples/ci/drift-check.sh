#!/usr/bin/env bash
# The scheduled drift job: `check` against AWS (credentials from the
# environment, e.g. an OIDC-assumed role), the report as Markdown in the job
# summary, problems as annotations, and the exit code of `check`:
# 0 in sync and healthy, 2 drift or unhealthy, 1 error. A non-zero exit
# fails the job, which is what notifications hang on.
#
#   examples/ci/drift-check.sh CONFIG_DIR
#
# EFS_REPLICATOR names the binary (default: efs-replicator on PATH);
# GITHUB_STEP_SUMMARY receives the Markdown report (default: stdout).
set -uo pipefail
config=${1:?usage: drift-check.sh CONFIG_DIR}
bin=${EFS_REPLICATOR:-efs-replicator}
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
report=$(mktemp)

echo "==> efs-replicator check $config --format markdown"
"$bin" check "$config" --format markdown --out "$report"
rc=$?
if [ -s "$report" ]; then
  cat "$report" >> "$summary"
fi
case $rc in
  0) echo "in sync and healthy" ;;
  2) echo "::error title=efs-replicator drift::drift or unhealthy replications: see the job summary" ;;
  *) echo "::error title=efs-replicator check::check failed (exit $rc): see the log" ;;
esac
exit $rc
