#!/bin/sh
# The main job against the bundled EFS emulator, on a fresh clone, with no AWS
# account: plan, apply, then plan again to see `No changes.`. The seed state
# (two source file systems) is copied to a state file that the in-process
# emulator runs on; nothing leaves the machine.
#
#   examples/quickstart/run.sh                      # from anywhere
#   STATE=/tmp/qs.json examples/quickstart/run.sh   # keep the state file
#
# On a terminal, apply asks for `yes` like it would against AWS; without a
# terminal (CI) the script approves with --auto-approve.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
state=${STATE:-$(mktemp -d)/state.json}
[ -f "$state" ] || cp "$here/seed-state.json" "$state"
echo "emulator state: $state" >&2
cd "$here/../.."
# Not quiet: the first build takes minutes, and cargo's progress shows
# that something is happening.
echo "==> building efs-replicator (the first build takes a few minutes)" >&2
cargo build --bin efs-replicator
run() { cargo run -q --bin efs-replicator -- "$@" --emulator "$state"; }

if [ -t 0 ]; then approve=""; else approve="--auto-approve"; fi

echo "==> efs-replicator plan examples/quickstart"
run plan examples/quickstart
echo
echo "==> efs-replicator apply examples/quickstart $approve"
run apply examples/quickstart $approve
echo
echo "==> efs-replicator plan examples/quickstart (again)"
run plan examples/quickstart --detailed-exitcode
