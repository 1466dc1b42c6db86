#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of tests/fuzz (tests/fuzz/README.md).
#   tests/fuzz/run.sh build                      configure + build build-fuzz, media seeds
#   tests/fuzz/run.sh smoke TARGET               every corpus input once, then SMOKE_SECONDS of
#                                                fuzzing (default 10); fails on any finding
#   tests/fuzz/run.sh fuzz [SECONDS] [TARGET...] each target (default all) for SECONDS (default 60),
#                                                one after the other on one core; prints execs/s
#                                                and coverage per target; fails on any finding
# Environment: FUZZ_BUILD (default <repo>/build-fuzz), JOBS (build parallelism, default nproc).
# Crash, timeout and OOM inputs land in tests/fuzz/crashes/TARGET/ (gitignored).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
here=$src/tests/fuzz

# Our own sanitizer settings, whatever the caller's (ctest's are for the unit tests): leaks are
# findings, the first error stops the run, and libFuzzer writes the input that caused it.
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset LSAN_OPTIONS

targets() {
  local t
  for t in "$here"/fuzz_*.c; do basename "$t" .c; done
}

build_all() {
  CC=${FUZZ_CC:-clang} cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DREELCUT_FUZZ=ON >/dev/null
  ninja -C "$build" -j "${JOBS:-$(nproc)}" fuzz_targets
  local seeds=$build/seeds/fuzz_media
  if [ ! -f "$seeds/.done" ] || [ "$here/gen_media_seeds.sh" -nt "$seeds/.done" ]; then
    rm -rf "$seeds"
    "$here/gen_media_seeds.sh" "$seeds"
    touch "$seeds/.done"
  fi
}

# The libFuzzer flags of target: its dictionary, crash directory and tests/fuzz/TARGET.options
# (one -flag=value per line, # comments).
flags() {
  local t=$1
  mkdir -p "$here/crashes/$t"
  echo "-artifact_prefix=$here/crashes/$t/"
  echo "-timeout=30" # (a slow input is a finding too; an .options file may say otherwise)
  [ -f "$here/$t.dict" ] && echo "-dict=$here/$t.dict"
  [ -f "$here/$t.options" ] && grep -v '^\s*\(#\|$\)' "$here/$t.options"
  return 0
}

# The read-only seed directories of target: the committed corpus and generated seeds.
seed_dirs() {
  local t=$1
  [ -d "$here/corpus/$t" ] && echo "$here/corpus/$t"
  [ -d "$build/seeds/$t" ] && echo "$build/seeds/$t"
  return 0
}

# run TARGET SECONDS WORKDIR LOG: the first corpus directory (WORKDIR) receives the new inputs.
run() {
  local t=$1 secs=$2 work=$3 log=$4
  local bin=$build/$t
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (tests/fuzz/run.sh build)" >&2; return 2; }
  mkdir -p "$work"
  local args
  mapfile -t args < <(flags "$t")
  local dirs
  mapfile -t dirs < <(seed_dirs "$t")
  set +e
  "$bin" "${args[@]}" -max_total_time="$secs" -print_final_stats=1 "$work" "${dirs[@]}" \
    >"$log" 2>&1
  local status=$?
  set -e
  return $status
}

# The summary of one run's log: "execs exec/s cov ft corpus".
stats() {
  local log=$1
  local execs rate done_line cov ft corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse)' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$done_line")
  echo "${execs:--} ${rate:--} ${cov:--} ${ft:--} ${corp:--}"
}

finding() { # what the log of a failed run reports
  grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|invariant failed|Test unit written' "$1" || echo "exit status $2"
}

cmd=${1:-}
case $cmd in
build)
  build_all
  ;;
smoke)
  t=${2:?usage: run.sh smoke TARGET}
  work=$build/smoke/$t
  rm -rf "$work"
  log=$build/smoke/$t.log
  mkdir -p "$build/smoke"
  status=0
  run "$t" "${SMOKE_SECONDS:-10}" "$work" "$log" || status=$?
  read -r execs rate cov ft corp < <(stats "$log")
  echo "$t: $execs runs, $rate exec/s, cov $cov, ft $ft, corpus $corp"
  if [ $status -ne 0 ]; then
    echo "$t: FINDING: $(finding "$log" $status)"
    tail -n 60 "$log"
    exit 1
  fi
  rm -rf "$work"
  ;;
fuzz)
  secs=${2:-60}
  shift $(($# >= 2 ? 2 : $#))
  list=("$@")
  [ ${#list[@]} -gt 0 ] || mapfile -t list < <(targets)
  mkdir -p "$build/logs"
  failed=()
  rows=()
  for t in "${list[@]}"; do
    log=$build/logs/$t.log
    echo "== $t: ${secs}s (log: $log)"
    status=0
    run "$t" "$secs" "$build/corpus/$t" "$log" || status=$?
    read -r execs rate cov ft corp < <(stats "$log")
    result=ok
    if [ $status -ne 0 ]; then
      result=FINDING
      failed+=("$t")
      echo "   $(finding "$log" $status)"
    fi
    rows+=("$(printf '%-15s %-8s %12s %8s %7s %7s %12s' "$t" "$result" "$execs" "$rate" "$cov" "$ft" "$corp")")
  done
  echo
  printf '%-15s %-8s %12s %8s %7s %7s %12s\n' target result execs exec/s cov ft corpus
  printf '%s\n' "${rows[@]}"
  if [ ${#failed[@]} -gt 0 ]; then
    echo "findings in: ${failed[*]} (inputs in tests/fuzz/crashes/)"
    exit 1
  fi
  ;;
*)
  sed -n '2,11p' "$0" >&2
  exit 2
  ;;
esac
