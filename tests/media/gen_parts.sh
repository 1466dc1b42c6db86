#!/usr/bin/env bash
# Media for analysing one video in parts (idempotent): 16 s of six shots (testsrc2, mandelbrot,
# life, a panned colour chart, cellauto, smptebars; hard cuts, one with a 12-frame dissolve),
# 320x240 25 fps, keyframes every 25 frames, in every codec/container pair whose seek index the
# parts are cut at:
#   parts_h264.mp4   H.264 with 2 B-frames (x264, closed GOPs)
#   parts_hevc.mkv   H.265 with x265's open GOPs (CRA keyframes with leading pictures)
#   parts_vp9.webm   VP9 (alt-ref frames, Cues read on the first seek)
#   parts_mpeg4.avi  MPEG-4 Part 2 with B-frames (AVI: no pts stored)
set -euo pipefail
out=$1
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
s="size=320x240:rate=25"
graph="testsrc2=$s:duration=3[a];mandelbrot=$s:end_pts=3[b0];[b0]trim=duration=2.5[b];"
graph+="life=$s:mold=10:ratio=0.5:death_color=#334455:seed=1[c0];[c0]trim=duration=3[c];"
graph+="pal75bars=$s:duration=2.5,scroll=h=0.004[d];cellauto=$s:rule=110:seed=1[e0];[e0]trim=duration=2.5[e];"
graph+="smptebars=$s:duration=3[f];"
graph+="[b][c]xfade=transition=dissolve:duration=0.48:offset=2[bc];"
graph+="[a][bc][d][e][f]concat=n=5:v=1:a=0,format=yuv420p,setsar=1[v]"
make() { # make FILE ENCODER-ARGS...
  local f=$1
  shift
  [ -f "$out/$f" ] && return 0
  ff -filter_complex "$graph" -map "[v]" "$@" "$out/tmp.$f"
  mv "$out/tmp.$f" "$out/$f"
}
make parts_h264.mp4 -c:v libx264 -preset veryfast -bf 2 -g 25 -keyint_min 25 -sc_threshold 0
make parts_hevc.mkv -c:v libx265 -preset veryfast -x265-params keyint=25:min-keyint=25:scenecut=0:open-gop=1:log-level=error
make parts_vp9.webm -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 25 -b:v 400k
make parts_mpeg4.avi -c:v mpeg4 -bf 2 -g 25 -q:v 4
