#!/usr/bin/env bash
# bench/ui/run.sh [BUILD_DIR]: what the dashboard's job page and its artefacts cost.
#  1. render: the job page of a 2-hour input with 500 shots (thumbnails, boundary markers, 4 signal
#     curves of 14,400 points) in headless Chromium, beside a 4-shot page (render.mjs);
#  2. artefacts: `reelcut segment F` with and without `--report` (the thumbnails it adds) on the
#     240 s 1080p file of bench/highlights, CPU seconds (user + system), best of 3 each, same run.
# Needs the test client's npm packages (scripts/deps.sh test) and Debian's chromium.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
out=$build/bench-ui
mkdir -p "$out"
media=$build/media
[ -f "$media/thumb_key.mp4" ] || bash "$src/tests/media/gen_thumbs.sh" "$media" 2>/dev/null ||
  { mkdir -p "$media" && bash "$src/tests/media/gen_thumbs.sh" "$media"; }
echo "== render (median of 5 loads)"
[ "${SKIP_RENDER:-0}" = 1 ] || nice -n 10 node "$src/bench/ui/render.mjs" "$build/reelcut" "$media" "$out"

file=$build/bench-media/hl_bench_1080p.mp4
if [ ! -f "$file" ]; then
  echo "(no $file: run bench/highlights/run.sh $build once to make it)" >&2
  exit 0
fi
cpu() { # best CPU seconds (user + system) of 3 runs of "$@": steadier than wall time on a shared machine
  local b="" t
  for _ in 1 2 3; do
    /usr/bin/time -f '%U %S' -o "$out/time.txt" "$@" >/dev/null 2>&1
    t=$(awk '{print $1 + $2}' "$out/time.txt")
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
echo "== artefacts: reelcut segment on $(basename "$file") (240 s 1080p), CPU seconds, best of 3"
plain=$(cpu nice -n 10 "$build/reelcut" segment "$file")
report=$(cpu nice -n 10 "$build/reelcut" segment "$file" --report "$out/seg.html")
shots=$(grep -o '"thumb/[0-9]*\.jpg":' "$out/seg.html" | wc -l || true)
printf 'without --report %6.2f s   with --report %6.2f s   (%d thumbnails)   added %+.1f %%\n' \
  "$plain" "$report" "$shots" "$(echo "($report - $plain) * 100 / $plain" | bc -l)"
