#!/usr/bin/env bash
# sample.mp4: 12 s, 640x360 H.264 + AAC, three visually distinct shots (the `make run` demo clip).
set -euo pipefail
out=$1
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
if [ ! -s "$out/sample.mp4" ]; then
  ff -f lavfi -i "testsrc2=size=640x360:rate=25:duration=4" \
     -f lavfi -i "mandelbrot=size=640x360:rate=25" \
     -f lavfi -i "smptebars=size=640x360:rate=25:duration=4" \
     -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=12" \
     -filter_complex "[1:v]trim=duration=4,setpts=PTS-STARTPTS[m];[0:v][m][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]" \
     -map "[v]" -map 3:a -c:v libx264 -preset veryfast -g 50 -c:a aac -b:a 96k \
     -movflags +faststart "$out/sample.tmp.mp4"
  mv "$out/sample.tmp.mp4" "$out/sample.mp4"
fi
