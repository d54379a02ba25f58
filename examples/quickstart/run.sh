#!/bin/sh
# Plans the quickstart configuration against the bundled EFS emulator, on a
# fresh clone, with no AWS account: the seed state (two source file systems)
# is copied to a temporary state file that the emulator runs on.
#
#   examples/quickstart/run.sh            # from the repository root
#   STATE=/tmp/qs.json examples/quickstart/run.sh   # keep the state file
set -eu
here=$(cd "$(dirname "$0")" && pwd)
state=${STATE:-$(mktemp -d)/state.json}
[ -f "$state" ] || cp "$here/seed-state.json" "$state"
echo "emulator state: $state" >&2
cd "$here/../.."
exec cargo run -q -- plan examples/quickstart --emulator "$state" "$@"
