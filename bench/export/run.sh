#!/usr/bin/env bash
# Export benchmark: bench/export/run.sh BUILD_DIR (an optimised build, e.g. `build/`).
# Source: 75 s of 1080p25 H.264 (GOP 2 s, B-frames) + AAC, generated once into BUILD_DIR/bench-media.
# Prints, for a 60 s range:
#   copy       keyframe-aligned range [4, 64): stream copy, x realtime (target >= 100x)
#   smartcut   frame-accurate [5.3, 65.1): ends re-encoded, middle copied
#   reencode   the same range fully decoded + encoded by reelcut (--reencode)
#   ffmpeg     the same range by `ffmpeg -ss -to -c:v libx264 -preset veryfast -c:a aac`
# and the speed-up of the smart cut over both full re-encodes (target >= 5x).
set -euo pipefail
build=${1:?usage: bench/export/run.sh BUILD_DIR}
tool=$build/export_tool
[ -x "$tool" ] || { echo "no $tool: build first (cmake --build $build)" >&2; exit 2; }
media=$build/bench-media
mkdir -p "$media"
src=$media/bench_1080p.mp4
if [ ! -s "$src" ]; then
  echo "generating $src (once)..." >&2
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=75" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=75" -ac 2 \
    -c:v libx264 -preset veryfast -x264-params keyint=50:min-keyint=50:scenecut=0 -pix_fmt yuv420p \
    -c:a aac -b:a 128k -movflags +faststart "$media/tmp.mp4"
  mv "$media/tmp.mp4" "$src"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# timed NAME RUNS CMD...: runs CMD RUNS times (the machine is shared: the best run counts),
# prints its result line and stores the seconds in t_NAME.
timed() {
  local name=$1 runs=$2; shift 2
  local t0 t1 res best=""
  for _ in $(seq "$runs"); do
    t0=$(now)
    res=$("$@" 2>&1 | tail -1)
    t1=$(now)
    t=$(calc "$t1 - $t0")
    if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
  done
  printf -v "t_$name" '%s' "$best"
  printf '%-9s %7.3f s (best of %d)   %s\n' "$name" "$best" "$runs" "$res"
}
export REELCUT_LOG=warn
timed copy 3 "$tool" "$src" 4 64 "$out/copy.mp4"
timed smartcut 3 "$tool" "$src" 5.3 65.1 "$out/smart.mp4"
timed reencode 1 "$tool" --reencode "$src" 5.3 65.1 "$out/full.mp4"
timed ffmpeg 1 ffmpeg -hide_banner -loglevel error -nostdin -y -ss 5.3 -to 65.1 -i "$src" \
  -c:v libx264 -preset veryfast -c:a aac "$out/ffmpeg.mp4"
echo
printf 'copy:      %.0fx realtime for a 60 s range (target >= 100x)\n' "$(calc "60 / $t_copy")"
printf 'smartcut:  %.1fx realtime, %.1fx faster than reelcut full re-encode, %.1fx faster than ffmpeg re-encode (target >= 5x)\n' \
  "$(calc "59.8 / $t_smartcut")" "$(calc "$t_reencode / $t_smartcut")" \
  "$(calc "$t_ffmpeg / $t_smartcut")"
