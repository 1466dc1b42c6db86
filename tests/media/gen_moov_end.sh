#!/usr/bin/env bash
# moov_end.mp4: 20 s, 640x360 25 fps H.264 (~4 Mbit/s of noisy test pattern, two shots) + AAC, with
# the moov index at the END (FFmpeg's default, no faststart): what the S3 ranged reader must seek
# across (tests/unit/blob/test_blob_reader_media.c).
set -euo pipefail
out=$1
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
if [ ! -s "$out/moov_end.mp4" ]; then
  ff -f lavfi -i "testsrc2=size=640x360:rate=25:duration=10" \
     -f lavfi -i "smptebars=size=640x360:rate=25:duration=10" \
     -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" \
     -filter_complex "[0:v][1:v]concat=n=2:v=1:a=0,noise=alls=30:allf=t,format=yuv420p[v]" \
     -map "[v]" -map 2:a -c:v libx264 -preset ultrafast -b:v 4M -g 50 -c:a aac -b:a 96k \
     "$out/moov_end.tmp.mp4"
  mv "$out/moov_end.tmp.mp4" "$out/moov_end.mp4"
fi
