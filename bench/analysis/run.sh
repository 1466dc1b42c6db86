#!/usr/bin/env bash
# bench/analysis/run.sh BUILD_DIR: speed of the analysis pass (`reelcut segment FILE`, no export)
# against a plain FFmpeg full decode (`ffmpeg -threads 2 -i FILE -an -f null -`) measured in the
# same run, on three generated 1080p files of 60 s, and peak RSS on a 10-minute 1080p file.
#   ultrafast  testsrc2, x264 ultrafast CRF 23, no B-frames (the original file)
#   bframes    photographs panned at 1080p, a cut every 4 s and two dissolves, x264 veryfast
#              5 Mb/s -bf 2 (issue 12's file)
#   hevc       the same pictures, x265 veryfast 5 Mb/s (B-frames, pyramid)
# Targets (issue 12): ratio <= 0.5 on bframes and hevc; peak RSS <= 150 MB on 10 minutes.
# Inputs are generated once (nice, 2 threads) and cached under BUILD_DIR/bench-media. Use the
# optimised build (build/, RelWithDebInfo), not the sanitizer one. README.md has the figures.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
cache=$build/bench-media
mkdir -p "$cache"
reelcut=$build/reelcut
ff() { nice -n 10 ffmpeg -hide_banner -loglevel error -nostdin -y -threads 2 "$@"; }
opencv=/usr/share/doc/opencv-doc/examples/data

speed=$cache/1080p_60s.mp4
if [ ! -s "$speed" ]; then
  echo "generating $speed (once)..." >&2
  ff -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=60" -c:v libx264 -preset ultrafast \
    -crf 23 -g 100 -pix_fmt yuv420p "$speed.tmp.mp4"
  mv "$speed.tmp.mp4" "$speed"
fi

# photo_graph: 15 shots of 4 s (100 frames at 25 fps), each a photograph panned across at 1080p;
# shots 5 and 11 enter through a 1 s dissolve, the others through a hard cut.
photo_graph() {
  local photos=(fruits building baboon home starry_night messi5 aero1 leuvenA orange squirrel_cls
    butterfly board apple graf1 stuff)
  local g="" prev="" i=0 offset
  for p in "${photos[@]}"; do
    local f
    f=$(ls "$opencv/$p".* | head -1)
    g+="movie=$f,scale=2400:1350:force_original_aspect_ratio=increase,crop=2400:1350,"
    g+="loop=loop=-1:size=1,setpts=N/25/TB,crop=1920:1080:x='n*3':y='n*$((i % 3))',"
    g+="trim=end_frame=125,format=yuv420p,setsar=1,fps=25,settb=1/25,setpts=N[s$i];"
    if [ $i -gt 0 ]; then
      offset=$((i * 100 - 1))
      if [ $i -eq 5 ] || [ $i -eq 11 ]; then
        g+="[$prev][s$i]xfade=transition=fade:offset=$(echo "scale=2; $offset / 25" | bc):duration=1[x$i];"
      else
        g+="[$prev][s$i]xfade=transition=fade:offset=$(echo "scale=2; $offset / 25" | bc):duration=0.04[x$i];"
      fi
      prev=x$i
    else
      prev=s0
    fi
    i=$((i + 1))
  done
  printf '%s[%s]trim=end_frame=1500[v]' "$g" "$prev"
}

bframes=$cache/1080p_60s_bframes.mp4
if [ ! -s "$bframes" ]; then
  echo "generating $bframes (once)..." >&2
  ff -filter_complex_threads 1 -filter_complex "$(photo_graph)" -map "[v]" -c:v libx264 \
    -preset veryfast -b:v 5M -maxrate 5M -bufsize 10M -bf 2 -pix_fmt yuv420p "$bframes.tmp.mp4"
  mv "$bframes.tmp.mp4" "$bframes"
fi
hevc=$cache/1080p_60s_hevc.mp4
if [ ! -s "$hevc" ]; then
  echo "generating $hevc (once, a few minutes)..." >&2
  ff -filter_complex_threads 1 -filter_complex "$(photo_graph)" -map "[v]" -c:v libx265 \
    -preset veryfast -b:v 5M -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p \
    "$hevc.tmp.mp4"
  mv "$hevc.tmp.mp4" "$hevc"
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

for f in "$speed" "$bframes" "$hevc"; do
  t_ff=$(best_of ffmpeg -hide_banner -nostdin -threads 2 -i "$f" -an -f null -)
  t_rc=$(best_of "$reelcut" segment "$f")
  ratio=$(echo "scale=3; $t_rc / $t_ff" | bc -l)
  printf 'speed: %-22s ffmpeg -threads 2 full decode %5.2f s, reelcut segment %5.2f s, ratio %s (target <= 0.5)\n' \
    "$(basename "$f")" "$t_ff" "$t_rc" "$ratio"
done

# The floor of a tiered design: what FFmpeg's decoder itself saves by decoding fewer frames, on
# the same files with the same 2 threads. A cheap first pass must at least decode the frames that
# others refer to (skip_frame noref) - or, for H.264 whose B-frames no P-frame refers to, every
# I- and P-frame (skip_frame bidir) - and then decode candidate regions again frame by frame.
for f in "$bframes" "$hevc"; do
  t_ff=$(best_of ffmpeg -hide_banner -nostdin -threads 2 -i "$f" -an -f null -)
  line=""
  for skip in noref bidir nokey; do
    t=$(best_of ffmpeg -hide_banner -nostdin -threads 2 -skip_frame $skip -i "$f" -an -f null -)
    line+=$(printf ', %s %5.2f s (%.2fx)' "$skip" "$t" "$(echo "$t / $t_ff" | bc -l)")
  done
  printf 'decode floor: %-22s full %5.2f s%s\n' "$(basename "$f")" "$t_ff" "$line"
done

rss_kb=$(/usr/bin/time -v "$reelcut" segment "$long" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p')
printf 'memory: 1080p H.264 10 min: reelcut segment peak RSS %d MB (target <= 150)\n' $((rss_kb / 1024))
