#!/usr/bin/env bash
# Writes the fuzz_media seed corpus into DIR: tiny FFmpeg-encoded files (a few KB each: small
# pictures, a second or two, one cut) in the containers and codecs reelcut meets, each prefixed
# with the two selector bytes of tests/fuzz/fuzz_media.c for every kind of work (probe, full
# decode, keyframe decode, highlights) and a file name matching its container. Generated, never
# committed: media seeds are binary and FFmpeg makes them in a few seconds.
#   tests/fuzz/gen_media_seeds.sh DIR
set -euo pipefail
out=$1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

# Two shots (a hard cut at 1 s) with a tone, 64x36 at 8 fps.
video="testsrc2=size=64x36:rate=8:duration=1[a];smptebars=size=64x36:rate=8:duration=1[b];[a][b]concat=n=2:v=1:a=0[v]"
audio="sine=frequency=440:sample_rate=8000:duration=2"
av() { # av NAME VIDEO_ARGS... -- AUDIO_ARGS...  (AUDIO_ARGS empty: no audio)
  local name=$1
  shift
  local vargs=() aargs=()
  while [ "$1" != "--" ]; do vargs+=("$1"); shift; done
  shift
  aargs=("$@")
  if [ ${#aargs[@]} -gt 0 ]; then
    ff -f lavfi -i "$audio" -filter_complex "$video" -map "[v]" -map 0:a "${vargs[@]}" "${aargs[@]}" \
      "$tmp/$name"
  else
    ff -filter_complex "$video" -map "[v]" "${vargs[@]}" "$tmp/$name"
  fi
}

# name index in fuzz_media.c's table: in.mp4 0, in.mkv 1, in.ts 2, in.webm 3, in.mov 4, in.avi 5,
# in.flv 6, in.wav 7, in.y4m 8, in 9.
av seed.mp4 -c:v libx264 -preset ultrafast -g 5 -pix_fmt yuv420p -movflags +faststart -- -c:a aac -b:a 16k
av seed.mkv -c:v libx264 -preset ultrafast -g 10 -bf 2 -pix_fmt yuv420p -- -c:a libopus -b:a 8k
av seed.ts -c:v mpeg2video -g 5 -q:v 10 -- -c:a mp2 -b:a 32k
av seed.webm -c:v libvpx -g 5 -b:v 50k -deadline realtime -- -c:a libopus -b:a 8k
av seed.mov -c:v mjpeg -q:v 31 --
av seed.avi -c:v mjpeg -q:v 31 -- -c:a pcm_u8 -ar 4000
av seed.flv -c:v flv -q:v 20 -- -c:a adpcm_swf -ar 11025
ff -f lavfi -i "sine=frequency=300:sample_rate=8000:duration=0.5" -c:a pcm_s16le "$tmp/seed.wav"
ff -f lavfi -i "testsrc2=size=32x18:rate=5:duration=1" -pix_fmt yuv420p "$tmp/seed.y4m"
# a rotated phone clip (display matrix) for the probe
ff -f lavfi -i "testsrc2=size=64x36:rate=5:duration=1" -c:v libx264 -preset ultrafast \
  -metadata:s:v:0 rotate=90 "$tmp/seed_rot.mp4"

name_index() {
  case $1 in
  *.mp4) echo 0 ;; *.mkv) echo 1 ;; *.ts) echo 2 ;; *.webm) echo 3 ;; *.mov) echo 4 ;;
  *.avi) echo 5 ;; *.flv) echo 6 ;; *.wav) echo 7 ;; *.y4m) echo 8 ;; *) echo 9 ;;
  esac
}
for f in "$tmp"/seed*; do
  base=$(basename "$f")
  idx=$(name_index "$base")
  for work in 0 1 2 3; do
    { printf "\\x$(printf %02x "$work")\\x$(printf %02x "$idx")"; cat "$f"; } >"$out/${base}.w$work"
  done
done
