#!/usr/bin/env bash
# bench/ui/run.sh [BUILD_DIR]: what the dashboard's job page and its artefacts cost.
#  1. render: the job page of a 2-hour input with 500 shots (thumbnails, boundary markers, 4 signal
#     curves of 14,400 points) in headless Chromium, beside a 4-shot page (render.mjs);
#  2. artefacts: the CPU the segments' thumbnails add to the analysis pass on the 240 s 1080p file
#     of bench/highlights - sampled from the pass's own frames, as the runner does
#     (thumbs_tool --sampled) - beside decoding every segment's picture (engine_thumbs) as the
#     baseline, in the same run. (The signal track is computed from the highlight analysis the
#     runner does anyway: nothing decoded for it.)
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
echo "== artefacts: thumbnails of a segmentation of $(basename "$file") (240 s 1080p), as the runner makes them"
# The segmentation runner samples a picture a second from the frames its analysis pass decodes
# (engine_thumb_sampler) and decodes only the segments no sample fell in (engine_thumbs).
out_s=$(nice -n 10 "$build/thumbs_tool" --sampled "$file")
get() { echo "$out_s" | sed -n "s/^$1\t//p"; }
printf 'segments %d (from samples %d, decoded %d)   analysis %.2f s CPU   samples %.3f s   decoded %.3f s   added %+.2f %%\n' \
  "$(get segments)" "$(get from_samples)" "$(get decoded_for)" "$(echo "$(get analysis_cpu_ms) / 1000" | bc -l)" \
  "$(echo "$(get sampler_cpu_ms) / 1000" | bc -l)" "$(echo "$(get fallback_cpu_ms) / 1000" | bc -l)" \
  "$(echo "($(get sampler_cpu_ms) + $(get fallback_cpu_ms)) * 100 / $(get analysis_cpu_ms)" | bc -l)"
ranges=$("$build/reelcut" segment "$file" 2>/dev/null | python3 -c \
  'import json,sys; print(" ".join("%.3f-%.3f" % (s["In"], s["Out"]) for s in json.load(sys.stdin)["Segments"]))')
# shellcheck disable=SC2086
thumbs=$(cpu nice -n 10 "$build/thumbs_tool" "$file" $ranges)
printf 'baseline (every segment decoded by engine_thumbs, no samples): %.2f s CPU = %+.1f %% of the analysis\n' \
  "$thumbs" "$(echo "$thumbs * 100000 / $(get analysis_cpu_ms)" | bc -l)"
