#!/usr/bin/env bash
# The replay-nonce table on a small filesystem (issue 11, item 5): it once died of SIGBUS at start
# with under 32 MiB free, left the table half-written, and died again at every restart. Each case
# runs `reelcut serve` on its own tmpfs of a given size, in a private mount namespace.
set -uo pipefail
: "${REELCUT:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

if ! unshare -m true 2>/dev/null; then
  fail "unshare -m is not permitted here: this test needs root (as CI has) to mount a small tmpfs"
  exit 1
fi

# serve_on SIZE SETUP: runs the server for 3 s on a SIZE tmpfs after the shell code SETUP (run
# inside it, with $d the data dir). Prints the exit status and the log to $work/out.
serve_on() {
  local d="$work/fs"
  mkdir -p "$d"
  unshare -m bash -c '
    set -u
    d=$1; size=$2; setup=$3; bin=$4
    mount -t tmpfs -o "size=$size" tmpfs "$d" || exit 90
    "$bin" keys create --data-dir "$d" >/dev/null 2>&1 || exit 91
    eval "$setup"
    timeout -s TERM 3 "$bin" serve --listen 127.0.0.1:0 --data-dir "$d" --workers 0 >"$d/log" 2>&1
    echo "status=$?"
    cat "$d/log"
    ls -ls "$d"
  ' _ "$d" "$1" "$2" "$REELCUT" >"$work/out" 2>&1
}

# 6 MiB free: the 32 MiB default cannot be had; the table is made smaller and the server runs
# (timeout's 124 = it was still serving when told to stop).
serve_on 6m ':'
if grep -q '^status=124' "$work/out" && grep -q 'listening on' "$work/out" &&
   grep -q 'too little free space for a 32 MiB nonce table' "$work/out"; then
  pass "6 MiB free: a smaller table, and the service starts"
else
  fail "6 MiB free: $(cat "$work/out")"
fi

# 1 MiB: not even the smallest table fits: a clear message and a clean exit, no signal.
serve_on 1m ':'
status=$(sed -n 's/^status=//p' "$work/out")
if [ -n "$status" ] && [ "$status" -ne 124 ] && [ "$status" -lt 128 ] &&
   grep -q 'cannot reserve 1 MiB for the nonce table' "$work/out" &&
   grep -q 'free some space or lower store.nonce_table_mb' "$work/out"; then
  pass "1 MiB free: refused in words (exit $status)"
else
  fail "1 MiB free: $(cat "$work/out")"
fi

# A table left half-written by a process that died building it (no magic, holes): rebuilt.
serve_on 20m 'truncate -s 33558528 "$d/reelcut.db-nonces.table"; printf "junk" | dd of="$d/reelcut.db-nonces.table" bs=1 seek=8192 conv=notrunc status=none'
if grep -q '^status=124' "$work/out" && grep -q 'listening on' "$work/out"; then
  pass "a half-written table is rebuilt and the service starts"
else
  fail "half-written table: $(cat "$work/out")"
fi

echo "$(( 3 - fails )) passed, $fails failed"
[ "$fails" -eq 0 ]
