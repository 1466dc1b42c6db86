#!/usr/bin/env bash
# bench/analysis/run.sh BUILD_DIR: speed of the analysis pass (`reelcut segment FILE`, no export)
# against a plain FFmpeg full decode (`ffmpeg -i FILE -an -f null -`, same automatic threading) on
# a generated 1080p H.264 file of 60 s (target ratio <= 1.15), and peak RSS on a 10-minute 1080p
# file (target <= 150 MB). Inputs are generated once and cached under BUILD_DIR/bench-media.
# Use the optimised build (build/, RelWithDebInfo), not the sanitizer one.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cache=$build/bench-media
mkdir -p "$cache"
reelcut=$build/reelcut
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

speed=$cache/1080p_60s.mp4
if [ ! -s "$speed" ]; then
  echo "generating $speed (once)..." >&2
  ff -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=60" -c:v libx264 -preset ultrafast \
    -crf 23 -g 100 -pix_fmt yuv420p "$speed.tmp.mp4"
  mv "$speed.tmp.mp4" "$speed"
fi
long=$cache/1080p_10min.mp4
if [ ! -s "$long" ]; then
  echo "generating $long (once, low detail)..." >&2
  ff -f lavfi -i "smptehdbars=size=1920x1080:rate=25:duration=600" \
    -vf "drawbox=x='mod(t*200,1700)':y=400:w=200:h=200:color=white:t=fill" \
    -c:v libx264 -preset ultrafast -g 250 -pix_fmt yuv420p "$long.tmp.mp4"
  mv "$long.tmp.mp4" "$long"
fi

wall() { # prints the elapsed seconds of "$@"
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
best_of() { # best of 3 runs
  local best="" t
  for _ in 1 2 3; do
    t=$(wall "$@")
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

t_ff=$(best_of ffmpeg -hide_banner -nostdin -i "$speed" -an -f null -)
t_rc=$(best_of "$reelcut" segment "$speed")
ratio=$(echo "scale=3; $t_rc / $t_ff" | bc -l)
printf 'speed: 1080p H.264 60 s: ffmpeg full decode %.2f s, reelcut segment %.2f s, ratio %s (target <= 1.15)\n' \
  "$t_ff" "$t_rc" "$ratio"

rss_kb=$(/usr/bin/time -v "$reelcut" segment "$long" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p')
printf 'memory: 1080p H.264 10 min: reelcut segment peak RSS %d MB (target <= 150)\n' $((rss_kb / 1024))
