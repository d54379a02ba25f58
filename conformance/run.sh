#!/usr/bin/env bash
# Conformance suite of efs-emulator against independent clients (boto3, AWS CLI).
#
# Builds the emulator, starts four instances on ephemeral loopback ports (one
# plain, one with --throttle-rps, one with --throttle-rps and
# --throttle-status 429, one with every other behaviour variant at its
# non-default value), runs pytest on this folder against them and
# exits with pytest's status. The emulators are always stopped on exit. It
# never contacts anything but 127.0.0.1. Extra arguments go to pytest
# (e.g. `conformance/run.sh -k pagination -x`).
#
# Needs: cargo, python3 with `pip install boto3 awscli pytest`.
# EFS_EMULATOR_BIN=path skips the build and runs that binary instead.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

if ! python3 -c 'import boto3, botocore, pytest, awscli' 2>/dev/null; then
    echo "conformance: missing Python packages; run: python3 -m pip install boto3 awscli pytest" >&2
    exit 2
fi

if [[ -z "${EFS_EMULATOR_BIN:-}" ]]; then
    (cd "$ROOT" && cargo build -q -p efs-emulator)
    EFS_EMULATOR_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/efs-emulator"
fi
if [[ ! -x "$EFS_EMULATOR_BIN" ]]; then
    echo "conformance: emulator binary not found at $EFS_EMULATOR_BIN" >&2
    exit 2
fi

# Accounts and keys the tests expect (support.py reads the same variables).
export EFS_CONF_ACCOUNT_A="${EFS_CONF_ACCOUNT_A:-111111111111}"
export EFS_CONF_KEY_A="${EFS_CONF_KEY_A:-AKIDCONFORMANCEA}"
export EFS_CONF_ACCOUNT_B="${EFS_CONF_ACCOUNT_B:-222222222222}"
export EFS_CONF_KEY_B="${EFS_CONF_KEY_B:-AKIDCONFORMANCEB}"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

COMMON=(
    --listen 127.0.0.1:0
    --account-id "$EFS_CONF_ACCOUNT_A"
    --access-key-account "$EFS_CONF_KEY_B=$EFS_CONF_ACCOUNT_B"
    --enable-delay 1s
    --delete-delay 1s
    --initial-sync-delay 1s
    --sync-interval 1s
)
# A short, observable "creating" phase if this build has the flag.
if "$EFS_EMULATOR_BIN" --help 2>/dev/null | grep -q -- '--create-delay'; then
    COMMON+=(--create-delay 300ms)
fi

# start NAME ARGS... : starts an instance in the background (not in a
# subshell, so cleanup can stop it) and sets STARTED_URL to its base URL.
start() {
    local name="$1"
    shift
    "$EFS_EMULATOR_BIN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    local pid=$!
    PIDS+=("$pid")
    local url=""
    for _ in $(seq 1 300); do
        url="$(head -n 1 "$WORK/$name.out" 2>/dev/null | grep -o 'http://127\.0\.0\.1:[0-9]*' || true)"
        [[ -n "$url" ]] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "conformance: $name emulator exited before listening:" >&2
            cat "$WORK/$name.err" >&2
            return 1
        fi
        sleep 0.1
    done
    if [[ -z "$url" ]]; then
        echo "conformance: $name emulator printed no 'listening on http://...' line within 30s" >&2
        cat "$WORK/$name.err" >&2
        return 1
    fi
    STARTED_URL="$url"
}

start main "${COMMON[@]}"
EFS_EMULATOR_URL="$STARTED_URL"
start throttled "${COMMON[@]}" --throttle-rps 2
EFS_EMULATOR_THROTTLED_URL="$STARTED_URL"
start throttled429 "${COMMON[@]}" --throttle-rps 2 --throttle-status 429
EFS_EMULATOR_THROTTLED_429_URL="$STARTED_URL"
start variants "${COMMON[@]}" --listing-scope source --owner-ids cross-account-only \
    --destination-delete-lag 3s --file-system-delete-delay 2s
EFS_EMULATOR_VARIANTS_URL="$STARTED_URL"
export EFS_EMULATOR_URL EFS_EMULATOR_THROTTLED_URL EFS_EMULATOR_THROTTLED_429_URL \
    EFS_EMULATOR_VARIANTS_URL EFS_EMULATOR_BIN
echo "conformance: emulator at $EFS_EMULATOR_URL, throttled at $EFS_EMULATOR_THROTTLED_URL (400) and $EFS_EMULATOR_THROTTLED_429_URL (429), variants at $EFS_EMULATOR_VARIANTS_URL"

set +e
PYTHONDONTWRITEBYTECODE=1 python3 -m pytest "$HERE" -p no:cacheprovider -q "$@"
status=$?
set -e
if [[ $status -ne 0 && -s "$WORK/main.err" ]]; then
    echo "--- emulator stderr (last 40 lines) ---" >&2
    tail -n 40 "$WORK/main.err" >&2
fi
exit $status
