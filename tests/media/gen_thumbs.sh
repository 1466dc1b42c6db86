#!/usr/bin/env bash
# Thumbnail test media (idempotent): four shots of 2 s in plain colours - red, green, blue, white -
# each with a small grey square moving over it, 320x180 25 fps H.264 with 2 B-frames.
#   thumb_nokey.mp4   one keyframe at 0 s (GOP 250, no scene-cut keyframes): every shot after
#                     the first is reached by decoding from 0 s
#   thumb_key.mp4     a keyframe at each cut (0, 2, 4, 6 s)
#   thumb_key.ts      thumb_key.mp4 in MPEG-TS (no index: every range is decoded to its middle)
set -euo pipefail
out=$1
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
graph=""
for c in red green blue white; do
  graph+="color=c=$c:size=320x180:rate=25:duration=2,drawbox=x='mod(t*150,300)':y=80:w=20:h=20:color=gray:t=fill[$c];"
done
graph+="[red][green][blue][white]concat=n=4:v=1:a=0,format=yuv420p[v]"
if [ ! -f "$out/thumb_nokey.mp4" ]; then
  ff -filter_complex "$graph" -map "[v]" -c:v libx264 -preset veryfast -bf 2 \
    -x264-params keyint=250:min-keyint=250:scenecut=0 "$out/thumb_nokey.tmp.mp4"
  mv "$out/thumb_nokey.tmp.mp4" "$out/thumb_nokey.mp4"
fi
if [ ! -f "$out/thumb_key.mp4" ]; then
  ff -filter_complex "$graph" -map "[v]" -c:v libx264 -preset veryfast -bf 2 \
    -x264-params keyint=250:min-keyint=250:scenecut=0 -force_key_frames 0,2,4,6 \
    "$out/thumb_key.tmp.mp4"
  mv "$out/thumb_key.tmp.mp4" "$out/thumb_key.mp4"
fi
if [ ! -f "$out/thumb_key.ts" ]; then
  ff -i "$out/thumb_key.mp4" -c copy -f mpegts "$out/thumb_key.tmp.ts"
  mv "$out/thumb_key.tmp.ts" "$out/thumb_key.ts"
fi
