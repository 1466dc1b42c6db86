#!/usr/bin/env bash
# bench/scale/run.sh BUILD_DIR: how reelcut scales with worker processes, SQLite and PostgreSQL
# measured in the same run (a throwaway PostgreSQL from tests/unit/store/pg_server.sh):
#   1. job claims per second (store_job_claim + store_job_finish, no media: BUILD_DIR/claim_tool)
#      with 1, 2 and 4 processes draining CLAIMS (default 3000) queued jobs;
#   2. end-to-end throughput of E2E_JOBS (default 20) short segmentation jobs (12 s 640x360, shot
#      detection) submitted through the API to `reelcut serve --workers 0` with 1 vs 2
#      `reelcut worker --workers 1` processes;
#   3. one 20-minute 1080p segmentation (PostgreSQL) with 1 vs 2 worker processes: wall time and
#      the workers' CPU-seconds (user + system).
# Use a Release build: ninja -C build reelcut claim_tool. Needs node and tests/client/node_modules
# (make test installs them). The 20-minute input is made once into BUILD_DIR/bench-scale (a few
# minutes); LONG=0 skips part 3. Figures and what they mean: bench/scale/README.md.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
claims=${CLAIMS:-3000}
e2e_jobs=${E2E_JOBS:-20}
for t in reelcut claim_tool; do
  [ -x "$build/$t" ] || { echo "no $build/$t: ninja -C $build reelcut claim_tool" >&2; exit 1; }
done
[ -d "$src/tests/client/node_modules" ] || { echo "no tests/client/node_modules: cd tests/client && npm ci" >&2; exit 1; }
work=$(mktemp -d /tmp/reelcut-bench-scale.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash "$src/tests/unit/store/pg_server.sh" stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/pg"
bash "$src/tests/unit/store/pg_server.sh" start "$work/pg"
pg_ver=$(psql -X -A -t -h "$work/pg" -U postgres -d postgres -c 'SHOW server_version')
new_store() { # BACKEND: prints a fresh, empty store URL (callable from subshells)
  local id
  id=$(date +%s%N)
  if [ "$1" = sqlite ]; then
    echo "$work/s$id.db"
  else
    psql -X -q -h "$work/pg" -U postgres -d postgres -c "CREATE DATABASE b$id"
    echo "postgresql:///b$id?host=$work/pg&port=5432&user=postgres"
  fi
}
now_ms() { date +%s%3N; }
cpus=$(nproc)
echo "reelcut bench/scale: $(uname -m), $cpus CPUs, PostgreSQL $pg_ver (fsync=off, Unix socket), SQLite WAL"
echo

# ---------------------------------------------------------------- 1. claims per second
echo "== 1. job claims per second: claim + finish of $claims queued jobs, no media (claim_tool)"
printf '%-11s %9s %10s %9s %12s\n' store processes 'claims/s' 'vs 1' 'per process'
# BASELINE_CLAIM_TOOL=PATH (a claim_tool built from an earlier commit) adds its PostgreSQL rows,
# measured in the same run, labelled "pg-baseline".
backends="sqlite postgresql"
[ -z "${BASELINE_CLAIM_TOOL:-}" ] || backends+=" pg-baseline"
for backend in $backends; do
  base=""
  tool=$build/claim_tool
  [ "$backend" != pg-baseline ] || tool=$BASELINE_CLAIM_TOOL
  for p in 1 2 4; do
    url=$(new_store "${backend/pg-baseline/postgresql}")
    "$tool" fill "$url" "$claims" 2>"$work/fill.err" || { cat "$work/fill.err" >&2; exit 1; }
    start=$(( $(now_ms) + 1500 ))
    for i in $(seq "$p"); do
      "$tool" drain "$url" "$start" >"$work/drain$i" 2>>"$work/drain.err" &
    done
    wait
    read -r total t0 t1 < <(cat $(seq -f "$work/drain%g" 1 "$p") |
      awk 'NR==1{a=$2;b=$3} {n+=$1; if($2<a)a=$2; if($3>b)b=$3} END{print n, a, b}')
    [ "$total" -eq "$claims" ] || { echo "claimed $total of $claims" >&2; cat "$work/drain.err" >&2; exit 1; }
    rate=$(awk -v n="$total" -v ms=$((t1 - t0)) 'BEGIN{printf "%.0f", n * 1000 / ms}')
    [ -n "$base" ] || base=$rate
    printf '%-11s %9d %10d %8.2fx %12.0f\n' "$backend" "$p" "$rate" \
      "$(awk -v r="$rate" -v b="$base" 'BEGIN{print r/b}')" "$(awk -v r="$rate" -v p="$p" 'BEGIN{print r/p}')"
  done
done
echo

# ---------------------------------------------------------------- helpers for 2 and 3
# start_api DATA_DIR URL: `reelcut serve --workers 0` on a free port; sets api_port
start_api() {
  REELCUT_STORE_URL=$2 REELCUT_LOG=info "$build/reelcut" serve --workers 0 --listen 127.0.0.1:0 \
    --data-dir "$1" >"$1/api.log" 2>&1 &
  pids+=($!)
  api_pid=$!
  for _ in $(seq 200); do
    api_port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1/api.log" | head -1)
    [ -n "$api_port" ] && return 0
    sleep 0.1
  done
  cat "$1/api.log" >&2
  exit 1
}
# start_workers DATA_DIR URL P: P `reelcut worker --workers 1`; sets worker_pids
start_workers() {
  worker_pids=()
  for i in $(seq "$3"); do
    REELCUT_STORE_URL=$2 REELCUT_LOG=warn "$build/reelcut" worker --workers 1 \
      --data-dir "$1" >"$1/worker$i.log" 2>&1 &
    pids+=($!)
    worker_pids+=($!)
  done
}
cpu_s() { # PIDS...: user + system CPU seconds so far
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", t/hz}'
}
stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
# run_jobs BACKEND P N MEDIA_FILE: prints "<wall s> <worker CPU s>" of N jobs on MEDIA_FILE
run_jobs() {
  trap - EXIT # runs in a subshell: the cleanup is the main shell's
  local dir url
  dir=$(mktemp -d "$work/e2e-$1-$2.XXXXXX")
  url=$(new_store "$1")
  mkdir -p "$dir/buckets/media-in"
  ln "$4" "$dir/buckets/media-in/in.mp4" 2>/dev/null || cp "$4" "$dir/buckets/media-in/in.mp4"
  local key
  key=$("$build/reelcut" keys create --data-dir "$dir")
  start_api "$dir" "$url"
  start_workers "$dir" "$url" "$2"
  local out
  out=$(node "$here/e2e.mjs" "127.0.0.1:$api_port" "$key" "$3" oss://media-in/in.mp4)
  local cpu
  cpu=$(cpu_s "${worker_pids[@]}")
  stop "${worker_pids[@]}" "$api_pid"
  read -r fin failed secs <<<"$out"
  [ "$fin" -eq "$3" ] || { echo "$failed of $3 jobs failed ($dir)" >&2; exit 1; }
  echo "$secs $cpu"
}

# ---------------------------------------------------------------- 2. short jobs end to end
mkdir -p "$build/bench-scale"
bash "$src/tests/media/gen_sample.sh" "$build/bench-scale"
sample=$build/bench-scale/sample.mp4
echo "== 2. end to end: $e2e_jobs segmentation jobs (12 s 640x360, shot detection) through the API, worker processes of 1 thread"
printf '%-11s %9s %9s %10s %9s %12s\n' store processes 'wall s' 'jobs/s' 'vs 1' 'worker CPU s'
for backend in sqlite postgresql; do
  base=""
  for p in 1 2; do
    read -r secs cpu < <(run_jobs "$backend" "$p" "$e2e_jobs" "$sample")
    rate=$(awk -v n="$e2e_jobs" -v s="$secs" 'BEGIN{printf "%.2f", n / s}')
    [ -n "$base" ] || base=$rate
    printf '%-11s %9d %9.1f %10.2f %8.2fx %12.1f\n' "$backend" "$p" "$secs" "$rate" \
      "$(awk -v r="$rate" -v b="$base" 'BEGIN{print r/b}')" "$cpu"
  done
done
echo

# ---------------------------------------------------------------- 3. one long job
if [ "${LONG:-1}" = 0 ]; then
  echo "== 3. skipped (LONG=0)"
  exit 0
fi
long=$build/bench-scale/long1080.mp4
if [ ! -s "$long" ]; then
  echo "(making the 20-minute 1080p input once: $long)" >&2
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=1200" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=1200" \
    -c:v libx264 -preset ultrafast -crf 28 -g 50 -c:a aac -b:a 64k -movflags +faststart \
    "$long.tmp.mp4"
  mv "$long.tmp.mp4" "$long"
fi
echo "== 3. one 20-minute 1080p segmentation (shot detection), PostgreSQL, worker processes of 1 thread"
printf '%9s %9s %9s %14s\n' processes 'wall s' 'vs 1' 'worker CPU s'
base=""
for p in 1 2; do
  read -r secs cpu < <(run_jobs postgresql "$p" 1 "$long")
  [ -n "$base" ] || base=$secs
  printf '%9d %9.1f %8.2fx %14.1f\n' "$p" "$secs" "$(awk -v s="$secs" -v b="$base" 'BEGIN{print b/s}')" "$cpu"
done
echo "(the job is split into parts of jobs.split_seconds that both processes run, docs/DESIGN.md; one"
echo " worker already keeps CPU-seconds / wall cores busy, so on 2 cores a second one adds little)"
