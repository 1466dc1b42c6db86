#!/usr/bin/env bash
# limits/: inputs of the engine's hardening against what a file can make it allocate or claim
# (issue 11 item 9; tests/unit/engine/test_limits_media.c, tests/integration/test_limits.sh):
#   huge.mp4      8192x8192 H.264, 2 frames of one colour at the lowest quality (~0.3 MB): over the
#                 4096x2176 picture cap; the container header tells the size
#   huge.ts       the same in MPEG-TS, where only the bitstream tells the size
#   grows.ts      8 s of 320x240, then 2 frames of 8192x8192 (the size changes mid-stream, after
#                 FFmpeg's stream analysis window)
#   uhd.mp4       3840x2160 (4K UHD), dci.mp4 4096x2160 (DCI 4K): under the cap
#   over.mp4      4096x2178: the smallest even height just over the cap
#   declared.mp4  2 s of 320x240 H.264 + AAC whose movie header declares 4294967.295 s
#   declared.mkv  the same media in Matroska, Segment Info Duration 4294967.295 s
set -euo pipefail
out=$1/limits
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# one colour at QP 51: a huge picture costs almost nothing to encode or store
flat() { # SIZE FRAMES OUT [extra output options]
  local size=$1 frames=$2 dst=$3
  shift 3
  ff -f lavfi -i "color=c=0x3050a0:size=$size:rate=25" -frames:v "$frames" \
     -c:v libx264 -preset ultrafast -qp 51 -pix_fmt yuv420p "$@" "$dst"
}
[ -s "$out/huge.mp4" ] || { flat 8192x8192 2 "$out/huge.tmp.mp4" && mv "$out/huge.tmp.mp4" "$out/huge.mp4"; }
[ -s "$out/huge.ts" ] || { flat 8192x8192 2 "$out/huge.tmp.ts" && mv "$out/huge.tmp.ts" "$out/huge.ts"; }
if [ ! -s "$out/grows.ts" ]; then
  ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=8" -c:v libx264 -preset ultrafast \
     -pix_fmt yuv420p "$out/grows.small.ts"
  flat 8192x8192 2 "$out/grows.big.ts" -output_ts_offset 8
  cat "$out/grows.small.ts" "$out/grows.big.ts" >"$out/grows.tmp.ts"
  rm -f "$out/grows.small.ts" "$out/grows.big.ts"
  mv "$out/grows.tmp.ts" "$out/grows.ts"
fi
[ -s "$out/uhd.mp4" ] || { flat 3840x2160 2 "$out/uhd.tmp.mp4" && mv "$out/uhd.tmp.mp4" "$out/uhd.mp4"; }
[ -s "$out/dci.mp4" ] || { flat 4096x2160 2 "$out/dci.tmp.mp4" && mv "$out/dci.tmp.mp4" "$out/dci.mp4"; }
[ -s "$out/over.mp4" ] || { flat 4096x2178 2 "$out/over.tmp.mp4" && mv "$out/over.tmp.mp4" "$out/over.mp4"; }
if [ ! -s "$out/declared.mp4" ] || [ ! -s "$out/declared.mkv" ]; then
  ff -f lavfi -i "testsrc2=size=320x240:rate=25:duration=2" \
     -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=2" \
     -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k \
     -movflags +faststart "$out/declared.src.mp4"
  ff -i "$out/declared.src.mp4" -c copy "$out/declared.src.mkv"
  python3 "$here/declare_duration.py" "$out/declared.src.mp4" "$out/declared.tmp.mp4" 4294967.295 >/dev/null
  python3 "$here/declare_duration.py" "$out/declared.src.mkv" "$out/declared.tmp.mkv" 4294967.295 >/dev/null
  rm -f "$out/declared.src.mp4" "$out/declared.src.mkv"
  mv "$out/declared.tmp.mp4" "$out/declared.mp4"
  mv "$out/declared.tmp.mkv" "$out/declared.mkv"
fi
