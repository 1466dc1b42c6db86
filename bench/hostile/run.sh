#!/usr/bin/env bash
# Hostile-request soak (issue 11): N requests of each hostile kind against `reelcut serve`, on
# loopback, with the server's resident set read after a warm-up (the baseline, same run) and after
# the N. Target: every request answered in the IMS shape where one is due, and < 1 MiB growth per
# kind. With a sanitizer build (bash bench/hostile/run.sh build-test) it also shows that none of
# them makes a sanitizer report: the server's stderr is searched at the end.
#
#   bash bench/hostile/run.sh [BUILD_DIR]      N=10000 WARMUP=1000 by default
set -euo pipefail
BUILD=${1:-build}
N=${N:-10000}
WARMUP=${WARMUP:-1000}
[[ -x "$BUILD/reelcut" ]] || { echo "run.sh: $BUILD/reelcut not found (build it first)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/reelcut-hostile.XXXXXX)
PID=""
cleanup() {
    [[ -n "$PID" ]] && { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT
"$BUILD/reelcut" keys create --data-dir "$WORK" >/dev/null
mkdir -p "$WORK/buckets/media-in" "$WORK/buckets/media-out"
"$BUILD/reelcut" serve --listen 127.0.0.1:0 --data-dir "$WORK" --workers 0 >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 200); do grep -q 'listening on http://' "$WORK/log" && break; sleep 0.05; done
PORT=$(grep -o 'listening on http://[^ ]*' "$WORK/log" | head -1 | sed 's/.*://')
[[ -n "$PORT" ]] || { cat "$WORK/log" >&2; exit 2; }
echo "reelcut serve ($BUILD) on port $PORT, pid $PID; $N of each kind after $WARMUP to warm up"
rc=0
python3 "$(dirname "$0")/hostile.py" "$PORT" "$PID" "$WORK" "$N" "$WARMUP" || rc=1
kill -TERM "$PID"; wait "$PID" || true; PID=""
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK/log"; then
    echo "sanitizer report in the server's log:"; grep -E -A20 'Sanitizer|runtime error:' "$WORK/log" | head -60
    rc=1
else
    echo "sanitizer reports in the server's log: none"
fi
exit $rc
