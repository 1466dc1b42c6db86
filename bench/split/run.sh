#!/usr/bin/env bash
# bench/split: one long input, many workers (issue 15, item 2). A 2-hour 640x360 25 fps H.264 file
# (a 10-minute programme of 2-8 s shots, looped with stream copy) is segmented (BasicClipSplit) by
# the service with 1 worker process and the split off (the single pass, the baseline), 1 worker
# with the split on (what cutting into parts costs), and 2 worker processes with the split on;
# then, on its first 20 minutes, 2 workers with parts of 30, 60, 120 and 300 s (the chunk size).
# Prints wall time, CPU seconds and whether the segments equal the single pass's.
#
#   bash bench/split/run.sh [BUILD_DIR]      (an optimised build; needs ffmpeg and node)
set -euo pipefail
BUILD=${1:-build}
[[ -x "$BUILD/reelcut" ]] || { echo "run.sh: $BUILD/reelcut not found (build it first)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$BUILD/bench-split}
mkdir -p "$WORK"
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
if [[ ! -f "$WORK/long.mp4" ]]; then
  echo "making the media (once, kept in $WORK)..."
  srcs=(testsrc2 smptehdbars "life=mold=10:ratio=0.4" rgbtestsrc "cellauto=rule=30" testsrc
        "mandelbrot=maxiter=64" pal100bars yuvtestsrc "gradients=speed=0.05")
  graph="" ; labels=""
  t=0 ; i=0
  while (( t < 600 )); do
    d=$(( 2 + (i * 7919) % 7 )) # 2-8 s shots
    s=${srcs[$(( i % ${#srcs[@]} ))]}
    case $s in *=*) opt=":" ;; *) opt="=" ;; esac
    graph+="${s}${opt}size=640x360:rate=25,trim=duration=$d,setpts=PTS-STARTPTS,format=yuv420p[s$i];"
    labels+="[s$i]"
    t=$(( t + d )); i=$(( i + 1 ))
  done
  graph+="${labels}concat=n=$i:v=1:a=0[v]"
  ff -filter_complex "$graph" -map "[v]" -c:v libx264 -preset veryfast -g 50 -bf 2 "$WORK/prog.mp4"
  ff -stream_loop 11 -i "$WORK/prog.mp4" -c copy "$WORK/long.mp4"
  ff -i "$WORK/long.mp4" -t 1200 -c copy "$WORK/twenty.mp4"
fi
echo "input: $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$WORK/long.mp4") s, $(nproc) cores"
export REELCUT=$BUILD/reelcut
PLAN=${PLAN:-1:0,1:120,2:120} node "$here/bench.mjs" "$BUILD" "$WORK"
# One worker already spreads its decoding over both cores (frame threads), so on this 2-core
# machine a second worker process can only take what the first leaves; with one decoder thread a
# job (limits.codec_threads = 1), each worker is one core, as on a host per worker
echo "one decoder thread per job (a core per worker):"
PLAN=${PLAN1:-1:0:1,2:120:1} node "$here/bench.mjs" "$BUILD" "$WORK"
if [[ -z "${SKIP_CHUNKS:-}" ]]; then
  echo "chunk size, on the first 20 minutes (the first row is the single pass):"
  mkdir -p "$WORK/twenty" && ln -sf ../twenty.mp4 "$WORK/twenty/long.mp4"
  PLAN=1:0,2:30,2:60,2:120,2:300 node "$here/bench.mjs" "$BUILD" "$WORK/twenty"
fi
