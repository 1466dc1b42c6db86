#!/usr/bin/env bash
# bench/shots/sweep.sh BUILD_DIR RANGE HARD,HARD... GRADUAL,GRADUAL...: scores every pair of model
# thresholds on the generated cases of RANGE (FROM-TO, tuning-side seeds only: below 100000) with
# one analysis per case (shots_detect --sweep), one summary per pair. What the shipped thresholds
# are chosen with: see README.md ("Thresholds").
set -euo pipefail
build=$(cd "$1" && pwd)
range=$2 hard=$3 gradual=$4
here=$(cd "$(dirname "$0")" && pwd)
lo=${range%-*} hi=${range#*-}
[ "$hi" -lt 100000 ] || { echo "refusing to sweep held-out seeds (>= 100000)" >&2; exit 2; }
version=$(sed -n 's/^GENERATOR_VERSION = \([0-9]*\).*/\1/p' "$here/gen_cases.py")
cases=$build/bench-shots-cases/v$version
work=$build/bench-shots-sweep
nice -n 10 python3 "$here/gen_cases.py" "$cases" "$range" >/dev/null
rm -rf "$work" && mkdir -p "$work/raw"
export cases work build
seq "$lo" "$hi" | xargs -P "$(nproc)" -I{} sh -c '
    f=$(ls "$cases"/{}.* | grep -v "\.truth$" | head -1)
    "$build/shots_detect" "$f" --sweep '"$hard $gradual"' > "$work/raw/{}" 2>/dev/null'
# split each case's output into one folder of .cuts per threshold pair
for f in "$work"/raw/*; do
    awk -v dir="$work" -v seed="$(basename "$f")" '
        /^= / { out = dir "/" $2 "_" $3 "/" seed ".cuts"; system("mkdir -p " dir "/" $2 "_" $3);
                printf "" > out; next }
        { print >> out }' "$f"
done
for d in "$work"/*_*; do
    pair=$(basename "$d")
    python3 "$here/evaluate.py" --label "hard ${pair%_*} gradual ${pair#*_}" "$cases" "$d" \
        $(seq "$lo" "$hi")
done
