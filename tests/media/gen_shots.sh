#!/usr/bin/env bash
# shots/*: synthetic videos with exact ground-truth shot transitions, for the shot detector's
# integration tests and bench/shots. Each NAME.{mp4,mkv,webm,avi} has NAME.truth beside it:
#   fps <rate>
#   hard <t>               a hard cut: t = pts of the first frame of the new shot (seconds)
#   gradual <t0> <t1>      a gradual transition (dissolve, fade, wipe) spanning [t0, t1]
# A file with no hard/gradual lines is a negative: it must not be cut (flash, pan, zoom, motion).
# Shots are lavfi sources cut by frame count (trim=end_frame) so times are exact; 320x180, short.
set -euo pipefail
out=$1/shots
mkdir -p "$out"
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

SIZE=320x180
# Visually distinct shot sources (each animated, so shots are not still pictures). Every random
# source has a fixed seed, so each generation makes the same pictures (tests stay reproducible).
src() { # src INDEX RATE [SIZE]
  local s=${3:-$SIZE}
  case $1 in
  0) echo "testsrc2=size=$s:rate=$2" ;;
  1) echo "mandelbrot=size=$s:rate=$2:end_scale=0.01" ;;
  2) echo "smptebars=size=$s:rate=$2" ;;
  3) echo "cellauto=size=$s:rate=$2:rule=110:scroll=1:seed=5" ;;
  4) echo "gradients=size=$s:rate=$2:speed=0.03:c0=0x3050c0:c1=0xe0c040:nb_colors=2:seed=7" ;;
  5) echo "testsrc=size=$s:rate=$2" ;;
  6) echo "rgbtestsrc=size=$s:rate=$2" ;;
  7) echo "life=size=$s:rate=$2:mold=10:ratio=0.3:life_color=0x40a0ff:death_color=0x202020:seed=3" ;;
  esac
}

# encode NAME EXT FILTERGRAPH INPUT_ARGS... -- ENCODER_ARGS...: runs ffmpeg once, atomically.
encode() {
  local name=$1 ext=$2 graph=$3
  shift 3
  local inputs=()
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  ff "${inputs[@]}" -filter_complex "$graph" -map "[v]" "$@" "$out/$name.tmp.$ext"
  mv "$out/$name.tmp.$ext" "$out/$name.$ext"
}

# hard_cuts NAME EXT RATE SIZE "SRC:FRAMES ..." ENCODER_ARGS...: concatenated shots; writes truth.
hard_cuts() {
  local name=$1 ext=$2 rate=$3 size=$4 shots=$5
  shift 5
  [ -s "$out/$name.$ext" ] && [ -s "$out/$name.truth" ] && return 0
  local inputs=() graph="" labels="" n=0 frames=0
  local truth="fps $rate"$'\n'
  for s in $shots; do
    local idx=${s%%:*} len=${s##*:}
    inputs+=(-f lavfi -i "$(src "$idx" "$rate" "$size")")
    graph+="[$n:v]trim=end_frame=$len,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s$n];"
    labels+="[s$n]"
    if [ $n -gt 0 ]; then
      truth+="hard $(echo "scale=6; $frames / ($rate)" | bc)"$'\n'
    fi
    frames=$((frames + len))
    n=$((n + 1))
  done
  graph+="${labels}concat=n=$n:v=1:a=0[v]"
  encode "$name" "$ext" "$graph" "${inputs[@]}" -- "$@"
  printf '%s' "$truth" >"$out/$name.truth"
}

# transitions NAME TRANSITION DURATION "SRC:FRAMES ...": xfade chain at 25 fps, H.264.
transitions() {
  local name=$1 kind=$2 dur=$3 shots=$4 rate=25
  [ -s "$out/$name.mp4" ] && [ -s "$out/$name.truth" ] && return 0
  local inputs=() graph="" n=0 total=0 prev=""
  local truth="fps $rate"$'\n'
  for s in $shots; do
    local idx=${s%%:*} len=${s##*:}
    inputs+=(-f lavfi -i "$(src "$idx" "$rate")")
    graph+="[$n:v]trim=end_frame=$len,setpts=PTS-STARTPTS,format=yuv420p,setsar=1,settb=1/$rate[s$n];"
    local seconds
    seconds=$(echo "scale=6; $len / $rate" | bc)
    if [ $n -eq 0 ]; then
      prev="s0"
      total=$seconds
    else
      local offset
      offset=$(echo "scale=6; $total - $dur" | bc)
      graph+="[$prev][s$n]xfade=transition=$kind:duration=$dur:offset=$offset[x$n];"
      truth+="gradual $offset $total"$'\n'
      total=$(echo "scale=6; $total - $dur + $seconds" | bc)
      prev="x$n"
    fi
    n=$((n + 1))
  done
  graph+="[$prev]null[v]"
  encode "$name" mp4 "$graph" "${inputs[@]}" -- -c:v libx264 -preset ultrafast -g 50 -pix_fmt yuv420p
  printf '%s' "$truth" >"$out/$name.truth"
}

# negative NAME FILTERGRAPH_SOURCE: one continuous shot; no boundary may be found.
negative() {
  local name=$1 graph=$2
  [ -s "$out/$name.mp4" ] && [ -s "$out/$name.truth" ] && return 0
  ff -filter_complex "$graph,format=yuv420p[v]" -map "[v]" -c:v libx264 -preset ultrafast -g 50 \
    "$out/$name.tmp.mp4"
  mv "$out/$name.tmp.mp4" "$out/$name.mp4"
  printf 'fps 25\n' >"$out/$name.truth"
}

X264=(-c:v libx264 -preset ultrafast -g 50 -pix_fmt yuv420p)

# Hard cuts, H.264, 25 fps, shots of unequal length (one under 2 s).
hard_cuts hard_h264 mp4 25 $SIZE "0:70 1:45 2:80 3:60 5:55" "${X264[@]}"
# Colour-only change at equal brightness: the hue filter rotates Cb/Cr and keeps luma exactly.
if [ ! -s "$out/colour_only.mp4" ] || [ ! -s "$out/colour_only.truth" ]; then
  encode colour_only mp4 \
    "[0:v]trim=end_frame=150,setpts=PTS-STARTPTS,format=yuv420p,split=3[a][b][c];[a]trim=end_frame=60[a1];[b]trim=start_frame=60:end_frame=110,setpts=PTS-STARTPTS,hue=h=150[b1];[c]trim=start_frame=110,setpts=PTS-STARTPTS,hue=h=-100[c1];[a1][b1][c1]concat=n=3:v=1:a=0[v]" \
    -f lavfi -i "gradients=size=$SIZE:rate=25:speed=0.01:c0=0xd04040:c1=0x40a040:c2=0x4040d0:nb_colors=3:seed=11" -- "${X264[@]}"
  printf 'fps 25\nhard 2.4\nhard 4.4\n' >"$out/colour_only.truth"
fi
# Gradual transitions: dissolve, fade through black, wipe.
transitions dissolve dissolve 0.8 "0:75 1:70 2:75 5:70"
transitions fadeblack fadeblack 0.8 "5:75 1:70 4:75"
transitions wipeleft wipeleft 0.6 "2:75 0:70 1:75"
transitions dissolve_long dissolve 1.2 "1:80 0:80 5:80"
transitions crossfade fade 1.0 "0:75 2:80 1:75"
transitions wipe_slow wipeup 1.0 "5:80 1:75 2:75"

transitions dissolve_busy dissolve 1.0 "7:80 1:75 3:80"
transitions crossfade_short fade 0.5 "1:70 0:70 7:70"
transitions crossfade_long fade 1.6 "4:90 0:90 5:90"
transitions wiperight wiperight 0.8 "3:75 5:75 2:75"
transitions wipedown_long wipedown 1.2 "0:80 4:80 1:80"
transitions fadeblack_long fadeblack 1.6 "2:90 7:90 0:90"
hard_cuts cut_busy mp4 25 $SIZE "7:70 3:60 1:55 7:70" "${X264[@]}"
hard_cuts cut_30fps mp4 30 $SIZE "4:90 6:80 0:75" "${X264[@]}"

# Negatives: camera flashes, a fast pan, a zoom, busy high motion.
negative flash "testsrc2=size=$SIZE:rate=25,trim=end_frame=150,drawbox=color=white@0.9:t=fill:enable='between(n,40,41)+eq(n,95)'"
negative pan "testsrc2=size=1280x720:rate=25,trim=end_frame=150,crop=320:180:x='480+470*sin(t*2.2)':y='270+260*cos(t*1.7)'"
negative zoom "testsrc2=size=640x360:rate=25,trim=end_frame=150,zoompan=z='1.6+0.5*sin(on/9)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=$SIZE:fps=25"
negative motion "life=size=$SIZE:rate=25:mold=25:ratio=0.5:life_color=0xffb040:death_color=0x102050:seed=13,trim=end_frame=150"
negative flash_mandelbrot "mandelbrot=size=$SIZE:rate=25,trim=end_frame=150,drawbox=color=white@0.8:t=fill:enable='between(n,30,31)+between(n,100,102)'"
negative pan_slow "mandelbrot=size=1280x720:rate=25:end_scale=1,trim=end_frame=150,crop=320:180:x='400+300*sin(t*0.9)':y='270+200*cos(t*0.7)'"
negative zoom_in "smptehdbars=size=640x360:rate=25,trim=end_frame=150,zoompan=z='1+0.8*(on/150)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=$SIZE:fps=25"
negative motion_cellauto "cellauto=size=$SIZE:rate=25:rule=30:scroll=1:seed=17,trim=end_frame=150"

# Codecs and frame rates.
hard_cuts hevc_23976 mp4 24000/1001 $SIZE "0:60 2:50 1:70" -c:v libx265 -preset ultrafast \
  -x265-params log-level=error -pix_fmt yuv420p -tag:v hvc1
hard_cuts vp9_2997 webm 30000/1001 $SIZE "5:70 3:60 0:65" -c:v libvpx-vp9 -deadline realtime \
  -cpu-used 8 -b:v 400k -pix_fmt yuv420p
# 10-bit H.265 in Matroska: the thumbnailer's swscale path (non-8-bit pixel formats).
hard_cuts hevc10_mkv mkv 25 $SIZE "5:60 1:55 2:60" -c:v libx265 -preset ultrafast \
  -x265-params log-level=error -pix_fmt yuv420p10le
hard_cuts mpeg4_60 avi 60 $SIZE "2:150 0:130 1:140" -c:v mpeg4 -q:v 4
hard_cuts portrait mp4 25 180x320 "0:60 1:55 5:60" "${X264[@]}"
hard_cuts rotated mp4 25 180x320 "1:60 5:55 0:60" "${X264[@]}"
# Rotation is container metadata (a display matrix): FFmpeg 5.1 sets it only when stream-copying.
if ! ffprobe -v error -show_entries stream_side_data=rotation -of csv "$out/rotated.mp4" | grep -q 90; then
  ff -i "$out/rotated.mp4" -c copy -metadata:s:v:0 rotate=90 "$out/rotated.tmp.mp4"
  mv "$out/rotated.tmp.mp4" "$out/rotated.mp4"
fi

# Variable frame rate: 25 fps, then 12 fps, then 25 fps, timestamps kept as they are.
if [ ! -s "$out/vfr.mp4" ] || [ ! -s "$out/vfr.truth" ]; then
  encode vfr mp4 \
    "[0:v]trim=end_frame=70,setpts=PTS-STARTPTS,format=yuv420p,settb=1/600[a];[1:v]trim=end_frame=30,setpts=PTS-STARTPTS,format=yuv420p,settb=1/600[b];[2:v]trim=end_frame=60,setpts=PTS-STARTPTS,format=yuv420p,settb=1/600[c];[a][b][c]concat=n=3:v=1:a=0[v]" \
    -f lavfi -i "$(src 0 25)" -f lavfi -i "$(src 1 12)" -f lavfi -i "$(src 2 25)" \
    -- "${X264[@]}" -fps_mode vfr -video_track_timescale 600
  printf 'fps 25\nhard 2.8\nhard 5.3\n' >"$out/vfr.truth"
fi

# With audio (most of the set has none).
if [ ! -s "$out/with_audio.mp4" ] || [ ! -s "$out/with_audio.truth" ]; then
  encode with_audio mp4 \
    "[0:v]trim=end_frame=75,setpts=PTS-STARTPTS,format=yuv420p[a];[1:v]trim=end_frame=75,setpts=PTS-STARTPTS,format=yuv420p[b];[a][b]concat=n=2:v=1:a=0[v]" \
    -f lavfi -i "$(src 5 25)" -f lavfi -i "$(src 4 25)" -f lavfi -i "sine=frequency=300:duration=6" \
    -- -map 2:a "${X264[@]}" -c:a aac -b:a 64k -shortest
  printf 'fps 25\nhard 3.0\n' >"$out/with_audio.truth"
fi

# An audio-only file (BasicClipSplit must refuse it) and a truncated MP4 without its moov atom.
[ -s "$out/audio_only.m4a" ] || {
  ff -f lavfi -i "sine=frequency=440:duration=3" -c:a aac "$out/audio_only.tmp.m4a"
  mv "$out/audio_only.tmp.m4a" "$out/audio_only.m4a"
}
[ -s "$out/truncated.mp4" ] || {
  head -c 20000 "$out/hard_h264.mp4" >"$out/truncated.tmp.mp4"
  mv "$out/truncated.tmp.mp4" "$out/truncated.mp4"
}
# An MP4 cut off in the middle of its media data (moov first): the readable part is segmented.
[ -s "$out/truncated_tail.mp4" ] || {
  ff -i "$out/hard_h264.mp4" -c copy -movflags +faststart "$out/truncated_tail.full.mp4"
  head -c 400000 "$out/truncated_tail.full.mp4" >"$out/truncated_tail.tmp.mp4"
  rm -f "$out/truncated_tail.full.mp4"
  mv "$out/truncated_tail.tmp.mp4" "$out/truncated_tail.mp4"
}
