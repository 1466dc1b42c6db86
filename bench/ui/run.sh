#!/usr/bin/env bash
# bench/ui/run.sh [BUILD_DIR]: what the dashboard's job page and its artefacts cost.
#  1. render: the job page of a 2-hour input with 500 shots (thumbnails, boundary markers, 4 signal
#     curves of 14,400 points) in headless Chromium, beside a 4-shot page (render.mjs);
#  2. artefacts: the CPU seconds (user + system, best of 3) of `reelcut segment F` and of making
#     its segments' thumbnails (bench/tools/thumbs_tool, the code jobs and --report run) on the
#     240 s 1080p file of bench/highlights, in the same run.
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
echo "== artefacts: thumbnails of a segmentation of $(basename "$file") (240 s 1080p), CPU seconds, best of 3"
plain=$(cpu nice -n 10 "$build/reelcut" segment "$file")
ranges=$("$build/reelcut" segment "$file" 2>/dev/null | python3 -c \
  'import json,sys; print(" ".join("%.3f-%.3f" % (s["In"], s["Out"]) for s in json.load(sys.stdin)["Segments"]))')
# shellcheck disable=SC2086
thumbs=$(cpu nice -n 10 "$build/thumbs_tool" "$file" $ranges)
# shellcheck disable=SC2086
"$build/thumbs_tool" "$file" $ranges | sed -n 's/^\(ranges\|seeks\|frames_decoded\)\t/  \1 /p' | tr '\n' ' '
echo
printf 'segmentation %6.2f s   its %d thumbnails %5.2f s   added %+.1f %%\n' \
  "$plain" "$(echo "$ranges" | wc -w)" "$thumbs" "$(echo "$thumbs * 100 / $plain" | bc -l)"
