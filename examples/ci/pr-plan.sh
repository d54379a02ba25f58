#!/usr/bin/env bash
# The pull-request job: format check, validation with annotations on the
# diff, and the plan against the bundled EFS emulator as Markdown in the
# job summary. Needs no AWS account, so it runs in forks too.
#
#   examples/ci/pr-plan.sh CONFIG_DIR EMULATOR_SEED_STATE
#
# EFS_REPLICATOR names the binary (default: efs-replicator on PATH).
# GITHUB_STEP_SUMMARY, set by GitHub Actions, receives the Markdown plan
# (default: stdout). The seed state is copied first, so the checked-in file
# is never modified. Exit 0 when every step passes, 1 otherwise.
set -euo pipefail
config=${1:?usage: pr-plan.sh CONFIG_DIR EMULATOR_SEED_STATE}
seed=${2:?usage: pr-plan.sh CONFIG_DIR EMULATOR_SEED_STATE}
bin=${EFS_REPLICATOR:-efs-replicator}
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}

echo "==> efs-replicator fmt --check $config"
"$bin" fmt --check "$config"

echo "==> efs-replicator validate --format github $config"
"$bin" validate --format github "$config"

state=$(mktemp -d)/state.json
cp "$seed" "$state"
echo "==> efs-replicator plan $config --emulator $seed --format markdown >> \$GITHUB_STEP_SUMMARY"
"$bin" plan "$config" --emulator "$state" --format markdown >> "$summary"
