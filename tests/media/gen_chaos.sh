#!/usr/bin/env bash
# chaos.mp4: 8 s, 960x540 H.264 (a keyframe every second) + AAC, grainy enough (~7 MB) that a
# 7 s clip of it goes to S3 as a multipart upload with 5 MB parts (tests/integration/test_chaos.mjs).
set -euo pipefail
out=$1
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
if [ ! -s "$out/chaos.mp4" ]; then
  ff -f lavfi -i "testsrc2=size=960x540:rate=25:duration=4,noise=alls=20:allf=t" \
     -f lavfi -i "smptebars=size=960x540:rate=25:duration=4,noise=alls=20:allf=t" \
     -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=8" \
     -filter_complex "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]" \
     -map "[v]" -map 2:a -c:v libx264 -preset ultrafast -crf 30 -g 25 -keyint_min 25 \
     -sc_threshold 0 -c:a aac -b:a 96k -movflags +faststart "$out/chaos.tmp.mp4"
  mv "$out/chaos.tmp.mp4" "$out/chaos.mp4"
fi
