#!/usr/bin/env bash
# API benchmark (issue 3): signed GetSmartHandleJob and SubmitSegmentationJob against `reelcut serve`,
# beside the same load generator against a bare libmicrohttpd server, in one run on this machine.
#
#   bash bench/api/run.sh [BUILD_DIR]     (an optimised build: cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo)
#
# Environment knobs: CONNS (64), DURATION (8 s measured per phase), WARMUP (2 s), LOADGEN_THREADS (2),
# STYLE (acs3 | rpc). Prints a table and PASS/FAIL per target; exits 1 when a target is missed or any
# request failed (a benchmark with errors is invalid), 2 on setup errors.
set -euo pipefail

BUILD=${1:-build}
CONNS=${CONNS:-64}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
LOADGEN_THREADS=${LOADGEN_THREADS:-2}
STYLE=${STYLE:-acs3}

for bin in reelcut loadgen bare_server; do
    [[ -x "$BUILD/$bin" ]] || { echo "run.sh: $BUILD/$bin not found (build it first)" >&2; exit 2; }
done
if grep -q 'CMAKE_BUILD_TYPE:STRING=Debug' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    echo "run.sh: $BUILD is a Debug build; benchmark an optimised (RelWithDebInfo) build" >&2
    exit 2
fi

WORK=$(mktemp -d /tmp/reelcut-bench.XXXXXX)
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# wait_port LOG: prints the port a server logged as "listening on http://HOST:PORT".
wait_port() {
    local log=$1
    for _ in $(seq 100); do
        if grep -q 'listening on http://' "$log" 2>/dev/null; then
            grep -o 'listening on http://[^ ]*' "$log" | head -1 | sed 's/.*://'
            return 0
        fi
        sleep 0.05
    done
    echo "run.sh: server did not start:" >&2
    cat "$log" >&2
    return 1
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# run_load NAME ARGS...: runs the load generator against $SERVER_PID, keeps its result line in
# $WORK/NAME.out, plus the server's CPU time per request (less noisy than req/s on a shared machine).
run_load() {
    local name=$1
    shift
    local rc=0 t0 t1
    t0=$(cpu_ticks "$SERVER_PID")
    "$BUILD/loadgen" --connections "$CONNS" --threads "$LOADGEN_THREADS" --duration "$DURATION" \
        --warmup "$WARMUP" --style "$STYLE" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
    if [[ $rc -ge 2 ]]; then
        echo "run.sh: load generator failed ($name):" >&2
        cat "$WORK/$name.err" >&2
        exit 2
    fi
    t1=$(cpu_ticks "$SERVER_PID")
    awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '{
        n = 0; w = 0
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=")
            if (kv[1] == "requests") n = kv[2]
            if (kv[1] == "warmup_requests") w = kv[2]
        }
        printf "%s server_cpu_us=%.0f\n", $0, ((n + w) > 0 ? 1e6 * t / hz / (n + w) : 0)
    }' "$WORK/$name.out" >"$WORK/$name.tmp"
    mv "$WORK/$name.tmp" "$WORK/$name.out"
    if [[ -s "$WORK/$name.err" ]]; then
        sed "s/^/  [$name] /" "$WORK/$name.err" >&2
    fi
}

# field NAME KEY: one key=value of a result line.
field() {
    tr ' ' '\n' <"$WORK/$1.out" | sed -n "s/^$2=//p"
}

# --- 1. bare libmicrohttpd server (same daemon flags and thread pool as src/api/http.c)
"$BUILD/bare_server" --listen 127.0.0.1:0 2>"$WORK/bare.log" &
SERVER_PID=$!
PORT=$(wait_port "$WORK/bare.log")
echo 00000000000000000000000000000000 >"$WORK/dummy_ids"
run_load bare --port "$PORT" --key-id bench --secret bench --action get --jobids-in "$WORK/dummy_ids" \
    --check-jobid 0
stop_server

# --- 2. reelcut serve (SQLite store, no workers: nothing executes)
DATA="$WORK/data"
mkdir -p "$DATA/buckets/media-in"
KEY=$("$BUILD/reelcut" keys create --data-dir "$DATA")
KEY_ID=$(sed -n 's/.*"AccessKeyId": *"\([^"]*\)".*/\1/p' <<<"$KEY")
SECRET=$(sed -n 's/.*"AccessKeySecret": *"\([^"]*\)".*/\1/p' <<<"$KEY")
[[ -n "$KEY_ID" && -n "$SECRET" ]] || { echo "run.sh: cannot read the key: $KEY" >&2; exit 2; }
REELCUT_JOBS_MAX_UNFINISHED=10000000 \
    "$BUILD/reelcut" serve --listen 127.0.0.1:0 --data-dir "$DATA" --workers 0 2>"$WORK/serve.log" &
SERVER_PID=$!
PORT=$(wait_port "$WORK/serve.log")
run_load submit --port "$PORT" --key-id "$KEY_ID" --secret "$SECRET" --action submit \
    --jobids-out "$WORK/jobids"
run_load get --port "$PORT" --key-id "$KEY_ID" --secret "$SECRET" --action get \
    --jobids-in "$WORK/jobids"
stop_server

# --- table
status=0
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0) ? 1 : 0 }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0) ? 1 : 0 }'; }
# row TARGET MEASURED OK(1|0): one line of the verdict table; a miss makes the run exit 1.
row() {
    local result=PASS
    if [[ "$3" != 1 ]]; then result=FAIL; status=1; fi
    printf '%-48s %-16s %s\n' "$1" "$2" "$result"
}

bare_rps=$(field bare rps)
get_rps=$(field get rps)
sub_rps=$(field submit rps)
ratio=$(awk -v a="$get_rps" -v b="$bare_rps" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
jobs=$(wc -l <"$WORK/jobids")

echo
echo "reelcut API benchmark: $CONNS connections on loopback, $LOADGEN_THREADS load threads," \
    "$STYLE signatures, ${DURATION}s measured after ${WARMUP}s warm-up; $(nproc) CPUs shared with the server"
printf '%-26s %10s %8s %9s %9s %9s %14s\n' "run" "req/s" "errors" "p50 ms" "p99 ms" "max ms" "server CPU/req"
for r in bare get submit; do
    case $r in
    bare) label="bare libmicrohttpd" ;;
    get) label="GetSmartHandleJob" ;;
    submit) label="SubmitSegmentationJob" ;;
    esac
    printf '%-26s %10s %8s %9s %9s %9s %11s us\n' "$label" "$(field $r rps)" "$(field $r errors)" \
        "$(field $r p50_ms)" "$(field $r p99_ms)" "$(field $r max_ms)" "$(field $r server_cpu_us)"
done
echo "(Get read $jobs JobIds created by the Submit phase)"
echo
printf '%-48s %-16s %s\n' "target" "measured" "result"
row "GetSmartHandleJob >= 50% of bare throughput" "$ratio%" "$(ge "$ratio" 50)"
row "SubmitSegmentationJob >= 2000 req/s" "$sub_rps req/s" "$(ge "$sub_rps" 2000)"
row "GetSmartHandleJob p99 < 20 ms" "$(field get p99_ms) ms" "$(lt "$(field get p99_ms)" 20)"
row "SubmitSegmentationJob p99 < 20 ms" "$(field submit p99_ms) ms" "$(lt "$(field submit p99_ms)" 20)"
errs=$(($(field bare errors) + $(field get errors) + $(field submit errors)))
row "no failed request (else the run is invalid)" "$errs errors" "$([[ $errs == 0 ]] && echo 1 || echo 0)"
exit $status
