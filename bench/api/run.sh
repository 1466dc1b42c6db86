#!/usr/bin/env bash
# API benchmark (issue 3): signed GetSmartHandleJob and SubmitSegmentationJob against `reelcut serve`,
# beside the same load generator against a bare libmicrohttpd server, in one run on this machine.
#
#   bash bench/api/run.sh [BUILD_DIR]     (an optimised build: cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo)
#
# Phases: Submit (DURATION s after WARMUP s; its JobIds feed Get), then bare and Get interleaved in
# SLICES pairs of DURATION/SLICES s each (alternating which goes first), so both see the same share
# of whatever else the shared machine is doing; their figures are the totals over the slices.
# Environment knobs: CONNS (64), DURATION (8), WARMUP (2), SLICES (4), LOADGEN_THREADS (2),
# STYLE (acs3 | rpc). Prints a table and PASS/FAIL per target; exits 1 when a target is missed or any
# request failed (a benchmark with errors is invalid), 2 on setup errors.
set -euo pipefail

BUILD=${1:-build}
CONNS=${CONNS:-64}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
SLICES=${SLICES:-4}
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
BARE_PID=""
SERVE_PID=""
stop() { # stop PID: SIGTERM and wait
    if [[ -n "$1" ]]; then
        kill -TERM "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}
cleanup() {
    stop "$BARE_PID"
    stop "$SERVE_PID"
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

# run_load NAME SERVER_PID SECONDS WARMUP ARGS...: runs the load generator; its result line, plus the
# server's CPU ticks over the run, goes to $WORK/NAME.out, the raw latencies to $WORK/NAME.lat.
run_load() {
    local name=$1 pid=$2 secs=$3 warm=$4
    shift 4
    local rc=0 t0 t1
    t0=$(cpu_ticks "$pid")
    "$BUILD/loadgen" --connections "$CONNS" --threads "$LOADGEN_THREADS" --duration "$secs" \
        --warmup "$warm" --style "$STYLE" --latencies-out "$WORK/$name.lat" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
    t1=$(cpu_ticks "$pid")
    if [[ $rc -ge 2 ]]; then
        echo "run.sh: load generator failed ($name):" >&2
        cat "$WORK/$name.err" >&2
        exit 2
    fi
    sed -i "s/\$/ server_ticks=$((t1 - t0))/" "$WORK/$name.out"
    if [[ -s "$WORK/$name.err" ]]; then
        sed "s/^/  [$name] /" "$WORK/$name.err" >&2
    fi
}

# summarize KIND FILES...: one line of totals over result lines (rps = requests / seconds, server CPU
# per request counted over warm-up requests too) and percentiles over the merged latencies.
summarize() {
    local kind=$1
    shift
    local outs=() lats=()
    for n in "$@"; do
        outs+=("$WORK/$n.out")
        lats+=("$WORK/$n.lat")
    done
    local pct
    pct=$("$BUILD/loadgen" --merge "${lats[@]}")
    awk -v hz="$(getconf CLK_TCK)" -v pct="$pct" '{
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=")
            v[kv[1]] += kv[2]
        }
    } END {
        all = v["requests"] + v["warmup_requests"]
        printf "rps=%.0f errors=%d requests=%d %s server_cpu_us=%.0f\n",
            (v["seconds"] > 0 ? v["requests"] / v["seconds"] : 0), v["errors"], v["requests"], pct,
            (all > 0 ? 1e6 * v["server_ticks"] / hz / all : 0)
    }' "${outs[@]}" >"$WORK/$kind.sum"
}

# field KIND KEY: one key=value of a summary line.
field() {
    tr ' ' '\n' <"$WORK/$1.sum" | sed -n "s/^$2=//p"
}

# --- servers: bare libmicrohttpd (same daemon flags and thread pool as src/api/http.c) and reelcut
# serve (SQLite store, no workers: nothing executes), both up for the whole run.
"$BUILD/bare_server" --listen 127.0.0.1:0 2>"$WORK/bare.log" &
BARE_PID=$!
BARE_PORT=$(wait_port "$WORK/bare.log")
DATA="$WORK/data"
mkdir -p "$DATA/buckets/media-in"
KEY=$("$BUILD/reelcut" keys create --data-dir "$DATA")
KEY_ID=$(sed -n 's/.*"AccessKeyId": *"\([^"]*\)".*/\1/p' <<<"$KEY")
SECRET=$(sed -n 's/.*"AccessKeySecret": *"\([^"]*\)".*/\1/p' <<<"$KEY")
[[ -n "$KEY_ID" && -n "$SECRET" ]] || { echo "run.sh: cannot read the key: $KEY" >&2; exit 2; }
REELCUT_JOBS_MAX_UNFINISHED=10000000 \
    "$BUILD/reelcut" serve --listen 127.0.0.1:0 --data-dir "$DATA" --workers 0 2>"$WORK/serve.log" &
SERVE_PID=$!
PORT=$(wait_port "$WORK/serve.log")

# --- Submit (absolute target), keeping the JobIds for Get
run_load submit "$SERVE_PID" "$DURATION" "$WARMUP" --port "$PORT" --key-id "$KEY_ID" \
    --secret "$SECRET" --action submit --jobids-out "$WORK/jobids"
summarize submit submit

# --- bare and Get interleaved
echo 00000000000000000000000000000000 >"$WORK/dummy_ids"
SLICE=$(awk -v d="$DURATION" -v s="$SLICES" 'BEGIN { printf "%.3f", d / s }')
bare_runs=() get_runs=()
for i in $(seq "$SLICES"); do
    order="bare get"
    if ((i % 2 == 0)); then order="get bare"; fi
    for kind in $order; do
        if [[ $kind == bare ]]; then
            run_load "bare$i" "$BARE_PID" "$SLICE" 0.5 --port "$BARE_PORT" --key-id bench \
                --secret bench --action get --jobids-in "$WORK/dummy_ids" --check-jobid 0
            bare_runs+=("bare$i")
        else
            run_load "get$i" "$SERVE_PID" "$SLICE" 0.5 --port "$PORT" --key-id "$KEY_ID" \
                --secret "$SECRET" --action get --jobids-in "$WORK/jobids"
            get_runs+=("get$i")
        fi
    done
done
summarize bare "${bare_runs[@]}"
summarize get "${get_runs[@]}"
stop "$SERVE_PID"
SERVE_PID=""
stop "$BARE_PID"
BARE_PID=""

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

ratio=$(awk -v a="$(field get rps)" -v b="$(field bare rps)" \
    'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
echo
echo "reelcut API benchmark: $CONNS connections on loopback, $LOADGEN_THREADS load threads," \
    "$STYLE signatures; Submit ${DURATION}s after ${WARMUP}s warm-up, bare and Get interleaved in" \
    "$SLICES x ${SLICE}s each; $(nproc) CPUs shared by servers and load generator"
printf '%-26s %10s %8s %9s %9s %9s %14s\n' "run" "req/s" "errors" "p50 ms" "p99 ms" "max ms" \
    "server CPU/req"
for r in bare get submit; do
    case $r in
    bare) label="bare libmicrohttpd" ;;
    get) label="GetSmartHandleJob" ;;
    submit) label="SubmitSegmentationJob" ;;
    esac
    printf '%-26s %10s %8s %9s %9s %9s %11s us\n' "$label" "$(field $r rps)" "$(field $r errors)" \
        "$(field $r p50_ms)" "$(field $r p99_ms)" "$(field $r max_ms)" "$(field $r server_cpu_us)"
done
echo "(Get read the $(wc -l <"$WORK/jobids") JobIds created by the Submit phase)"
echo
printf '%-48s %-16s %s\n' "target" "measured" "result"
row "GetSmartHandleJob >= 50% of bare throughput" "$ratio%" "$(ge "$ratio" 50)"
row "SubmitSegmentationJob >= 2000 req/s" "$(field submit rps) req/s" "$(ge "$(field submit rps)" 2000)"
row "GetSmartHandleJob p99 < 20 ms" "$(field get p99_ms) ms" "$(lt "$(field get p99_ms)" 20)"
row "SubmitSegmentationJob p99 < 20 ms" "$(field submit p99_ms) ms" \
    "$(lt "$(field submit p99_ms)" 20)"
errs=$(($(field bare errors) + $(field get errors) + $(field submit errors)))
row "no failed request (else the run is invalid)" "$errs errors" \
    "$([[ $errs == 0 ]] && echo 1 || echo 0)"
exit $status
