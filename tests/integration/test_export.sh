#!/usr/bin/env bash
# engine_export_range end to end through tests/tools/export_tool on real FFmpeg-encoded media:
# frame-exact ranges (read back from the frame-number bar code), the path taken, timestamps,
# audio sync, sizes, rotation, containers, and errors that leave no file behind.
set -euo pipefail

# ---------- helpers ----------
# The export media carry their frame number as a 10-bit bar code along the top edge.
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# frame_numbers FILE [EDGE]: prints the frame number of every decoded frame, one a line. EDGE is
# where the source's top edge ended up: top (default), right, or left (where FFmpeg's autorotate
# puts it for the rotate=90 source).
frame_numbers() {
  local f=$1 edge=${2:-top} vf
  case $edge in
    top) vf="crop=iw:ih/8:0:0,scale=10:1:flags=area" ;;
    right) vf="crop=iw/8:ih:iw*7/8:0,scale=1:10:flags=area" ;;
    left) vf="crop=iw/8:ih:0:0,scale=1:10:flags=area,vflip" ;;
  esac
  ffmpeg -v error -nostdin -i "$f" -vf "$vf,format=gray" -fps_mode passthrough -f rawvideo - |
    od -An -v -tu1 -w10 |
    awk '{ n = 0; for (i = 1; i <= 10; i++) if ($i > 127) n += 2 ^ (i - 1); print n }'
}

# expect_frames FILE FIRST LAST [EDGE]: the decoded frames are exactly FIRST..LAST in order.
expect_frames() {
  local got want
  got=$(frame_numbers "$1" "${4:-top}" | tr '\n' ' ')
  want=$(seq "$2" "$3" | tr '\n' ' ')
  [ "$got" = "$want" ] || fail "$1: frames [$got] want [$want]"
}

# stream_span FILE v|a: "count first_pts end" of a stream's packets (seconds). A packet without a
# duration (ffprobe shows N/A for some mp4 samples) lasts until the next pts.
stream_span() {
  ffprobe -v error -select_streams "$2" -show_entries packet=pts_time,duration_time -of csv=p=0 "$1" |
    sort -t, -k1,1g |
    awk -F, '{ p[n] = $1; d[n] = $2; n++ }
             END { if (!n) { print "0 0 0"; exit }
                   for (i = 0; i < n; i++) {
                     if (d[i] == "N/A") d[i] = i + 1 < n ? p[i + 1] - p[i] : (i ? p[i] - p[i - 1] : 0)
                     if (p[i] + d[i] > mx) mx = p[i] + d[i] }
                   printf "%d %.6f %.6f\n", n, p[0], mx }'
}

# check_output FILE NFRAMES DURATION HAS_AUDIO: decodes cleanly, video starts at 0 with NFRAMES
# frames lasting DURATION s, and audio (if any) ends within one frame of the video.
check_output() {
  local f=$1 n=$2 dur=$3 audio=$4 errs v a
  errs=$(ffmpeg -v error -nostdin -i "$f" -f null - 2>&1) || fail "$f: ffmpeg failed"
  [ -z "$errs" ] || fail "$f: decode errors: $errs"
  read -r vn vfirst vend <<<"$(stream_span "$f" v)"
  [ "$vn" = "$n" ] || fail "$f: $vn video packets, want $n"
  awk -v a="$vfirst" 'BEGIN { exit !(a == 0) }' || fail "$f: video starts at $vfirst"
  awk -v a="$vend" -v b="$dur" 'BEGIN { d = a - b; exit !(d < 0.001 && d > -0.001) }' ||
    fail "$f: video ends at $vend, want $dur"
  read -r an afirst aend <<<"$(stream_span "$f" a)"
  if [ "$audio" = 1 ]; then
    [ "$an" -gt 0 ] || fail "$f: no audio"
    awk -v a="$aend" -v b="$vend" 'BEGIN { d = a - b; exit !(d < 0.04 && d > -0.04) }' ||
      fail "$f: audio ends at $aend, video at $vend"
  else
    [ "$an" = 0 ] || fail "$f: unexpected audio track"
  fi
}

# first_click FILE: time (s) of the first audio sample louder than 0.3, on the file's timeline.
first_click() {
  ffmpeg -v error -nostdin -i "$1" -map 0:a -af "aresample=async=1:first_pts=0" -ac 1 -ar 48000 \
    -f f32le - | od -An -v -f -w4 |
    awk '!found && ($1 > 0.3 || $1 < -0.3) { printf "%.4f\n", (NR - 1) / 48000; found = 1 }
         END { if (!found) print "none" }'
}

# expect_click FILE WANT [TOL]: the first click is within TOL (default 3 ms) of WANT seconds.
expect_click() {
  local got
  got=$(first_click "$1" 2>/dev/null)
  awk -v a="$got" -v b="$2" -v t="${3:-0.003}" 'BEGIN { d = a - b; exit !(a != "none" && d < t && d > -t) }' ||
    fail "$1: first click at $got s, want $2"
}

# ---------- checks ----------
T=$REELCUT_BUILD/export_tool
M=$REELCUT_MEDIA
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run SRC IN OUT DST [W H] -> sets $res to the tool's result line; asserts the method.
run() {
  local want=$1; shift
  res=$("$T" "$@") || fail "export_tool $* failed"
  [[ $res == "method=$want "* ]] || fail "export_tool $*: $res (want $want)"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$res"; }
size_of() { ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=p=0:s=x "$1"; }

# --- H.264 720p GOP 2 s + AAC (25 fps: frame N at N*0.04 s, keyframes every 50 frames) ---
src=$M/exp_h264.mp4
run copy "$src" 2 6 "$out/copy.mp4"
check_output "$out/copy.mp4" 100 4.0 1
expect_frames "$out/copy.mp4" 50 149
[ "$(field encoded)" = 0 ] || fail "copy re-encoded frames: $res"

run copy "$src" 10 99 "$out/copy_end.mp4" # out past the end is clamped; ends at EOF
check_output "$out/copy_end.mp4" 50 2.0 1
expect_frames "$out/copy_end.mp4" 250 299

run smartcut "$src" 0.2 4 "$out/head.mp4" # head 5..49 re-encoded, 50..99 copied
check_output "$out/head.mp4" 95 3.8 1
expect_frames "$out/head.mp4" 5 99
[ "$(field encoded)" = 45 ] || fail "head smart cut: $res"

run smartcut "$src" 3.3 9.1 "$out/both.mp4" # 83..99 head, 100..199 copied, 200..227 tail
check_output "$out/both.mp4" 145 5.8 1
expect_frames "$out/both.mp4" 83 227
[ "$(field encoded)" = 45 ] || fail "two-sided smart cut: $res"

for ext in mkv mov; do
  run smartcut "$src" 3.3 9.1 "$out/both.$ext"
  check_output "$out/both.$ext" 145 5.8 1
  expect_frames "$out/both.$ext" 83 227
done
codecs() { ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$1" | tr '\n' ' '; }
[ "$(codecs "$out/both.mkv")" = "h264 aac " ] || fail "mkv codecs: $(codecs "$out/both.mkv")"

run transcode "$src" 1.5 2.5 "$out/short.mp4" # no keyframe inside: everything encoded
check_output "$out/short.mp4" 25 1.0 1
expect_frames "$out/short.mp4" 38 62

# Sizes (API.md §4.0): width only, odd height, both with another aspect (padded), same size.
run transcode "$src" 1 3 "$out/w640.mp4" 640 0
[ "$(size_of "$out/w640.mp4")" = 640x360 ] || fail "width only: $(size_of "$out/w640.mp4")"
check_output "$out/w640.mp4" 50 2.0 1
expect_frames "$out/w640.mp4" 25 74
run transcode "$src" 1 3 "$out/h361.mp4" 0 361
[ "$(size_of "$out/h361.mp4")" = 644x362 ] || fail "height 361: $(size_of "$out/h361.mp4")"
run transcode "$src" 1 2 "$out/box.mp4" 641 640
[ "$(size_of "$out/box.mp4")" = 642x640 ] || fail "box: $(size_of "$out/box.mp4")"
# Letterboxed: the first and last rows are black, the middle is not.
rows=$(ffmpeg -v error -i "$out/box.mp4" -frames:v 1 -vf "crop=iw:2:0:0,scale=1:1,format=gray" -f rawvideo - | od -An -tu1 | tr -d ' ')
[ "$rows" -lt 20 ] || fail "box: top row luma $rows, want black"
run copy "$src" 2 4 "$out/same.mp4" 1280 720 # asking for the source size is no resize

# --- no audio, and a Matroska Main-profile source (GOP 1 s) ---
run copy "$M/exp_noaudio.mp4" 2 4 "$out/noaudio.mp4"
check_output "$out/noaudio.mp4" 50 2.0 0
run smartcut "$M/exp_noaudio.mp4" 1.1 5.5 "$out/noaudio_smart.mp4"
check_output "$out/noaudio_smart.mp4" 110 4.4 0
expect_frames "$out/noaudio_smart.mp4" 28 137
run smartcut "$M/exp_main.mkv" 0.5 3.3 "$out/main.mp4"
check_output "$out/main.mp4" 70 2.8 1
expect_frames "$out/main.mp4" 13 82

# --- rotated 90 degrees: mp4 keeps the display matrix, mkv gets the picture turned ---
run smartcut "$M/exp_rot90.mp4" 1.3 4.5 "$out/rot.mp4"
check_output "$out/rot.mp4" 80 3.2 1
expect_frames "$out/rot.mp4" 33 112 left
rot=$(ffprobe -v error -show_entries stream_side_data=rotation -of csv=p=0 "$out/rot.mp4")
[[ $rot == *90* ]] || fail "rotation lost: $rot"
run transcode "$M/exp_rot90.mp4" 0.5 3 "$out/rot.mkv"
[ "$(size_of "$out/rot.mkv")" = 272x480 ] || fail "rotated size $(size_of "$out/rot.mkv")"
check_output "$out/rot.mkv" 62 2.48 1
expect_frames "$out/rot.mkv" 13 74 left # ffmpeg's autorotate puts the top edge there too

# --- open GOPs: recovery-point I frames are no clean cut points, so ranges are re-encoded ---
run transcode "$M/exp_opengop.mp4" 2 4 "$out/og.mp4"
check_output "$out/og.mp4" 50 2.0 0
expect_frames "$out/og.mp4" 50 99
run transcode "$M/exp_opengop.mp4" 2.2 5.5 "$out/og2.mp4"
expect_frames "$out/og2.mp4" 55 137
run copy "$M/exp_opengop.mp4" 0 6 "$out/og_all.mp4" # the first GOP has nothing before it
expect_frames "$out/og_all.mp4" 0 149

# --- anamorphic 352x288 SAR 12:11: display size 384x288 when re-encoded ---
run transcode "$M/exp_sar.mp4" 1 2 "$out/sar.webm"
[ "$(size_of "$out/sar.webm")" = 384x288 ] || fail "sar: $(size_of "$out/sar.webm")"
run transcode "$M/exp_sar.mp4" 1 2 "$out/sar.mp4" 0 144
[ "$(size_of "$out/sar.mp4")" = 192x144 ] || fail "sar height only: $(size_of "$out/sar.mp4")"
expect_frames "$out/sar.mp4" 25 49

# --- MPEG-TS source: video starts at 1.4 s, times count from its first frame; Annex B H.264
# cannot be copied into mp4 as is, so it is re-encoded ---
run transcode "$M/exp_ts.ts" 1 2 "$out/ts.mp4"
check_output "$out/ts.mp4" 25 1.0 1
expect_frames "$out/ts.mp4" 25 49

# --- 4:2:2 H.264 is not copied even on keyframes: outputs are 4:2:0 ---
run transcode "$M/exp_422.mp4" 2 4 "$out/422.mp4"
vinfo=$(ffprobe -v error -select_streams v -show_entries stream=pix_fmt -of csv=p=0 "$out/422.mp4")
[ "$vinfo" = yuv420p ] || fail "4:2:2 source gave $vinfo"
expect_frames "$out/422.mp4" 50 99

# --- HEVC into mp4 becomes H.264 ---
run transcode "$M/exp_hevc.mp4" 1 2 "$out/hevc.mp4"
check_output "$out/hevc.mp4" 25 1.0 1
expect_frames "$out/hevc.mp4" 25 49
[ "$(codecs "$out/hevc.mp4")" = "h264 aac " ] || fail "hevc: $(codecs "$out/hevc.mp4")"

# --- VP9 + Opus ---
run copy "$M/exp_vp9.webm" 2 4 "$out/vp9.webm"
check_output "$out/vp9.webm" 50 2.0 1
expect_frames "$out/vp9.webm" 50 99
run smartcut "$M/exp_vp9.webm" 0.5 5 "$out/vp9_smart.webm" # 13..49 and 100..124 re-encoded
check_output "$out/vp9_smart.webm" 112 4.48 1
expect_frames "$out/vp9_smart.webm" 13 124
[ "$(field encoded)" = 62 ] || fail "vp9 smart cut: $res"
run transcode "$M/exp_vp9.webm" 0.5 3 "$out/vp9_cut.webm"
check_output "$out/vp9_cut.webm" 62 2.48 1
expect_frames "$out/vp9_cut.webm" 13 74
[ "$(codecs "$out/vp9_cut.webm")" = "vp9 opus " ] || fail "webm codecs: $(codecs "$out/vp9_cut.webm")"
run transcode "$M/exp_vp9.webm" 2 4 "$out/from_vp9.mp4" # VP9 into mp4 means H.264
check_output "$out/from_vp9.mp4" 50 2.0 1
vinfo=$(ffprobe -v error -select_streams v -show_entries stream=codec_name,pix_fmt -of csv=p=0 "$out/from_vp9.mp4")
[ "$vinfo" = "h264,yuv420p" ] || fail "mp4 from vp9: $vinfo"

# --- audio sync: clicks at every whole second of the source must land at (k - in) ---
ck=$M/exp_click.mp4
run smartcut "$ck" 2.2 6 "$out/click.mp4" # AAC copied, edit list trims the start
expect_click "$out/click.mp4" 0.8
check_output "$out/click.mp4" 95 3.8 1
run copy "$ck" 2 6 "$out/click_copy.mp4"
expect_click "$out/click_copy.mp4" 0
run smartcut "$ck" 2.2 6 "$out/click.mkv" # AAC re-encoded, priming-only packet dropped
expect_click "$out/click.mkv" 0.8
run transcode "$ck" 0.52 3 "$out/click.mov" 160 0
expect_click "$out/click.mov" 0.48
run transcode "$ck" 2.2 6 "$out/click.webm" # Opus: FFmpeg places its codec delay within 7 ms
expect_click "$out/click.webm" 0.8 0.008

# --- sweep: ranges with ends between frames (t = N*0.04 - 0.01): exactly frames a..b-1 ---
swept=0
while read -r name a b ext; do
  swept=$((swept + 1))
  in=$(awk "BEGIN { printf \"%.2f\", $a == 0 ? 0 : $a * 0.04 - 0.01 }")
  out_s=$(awk "BEGIN { printf \"%.2f\", $b * 0.04 - 0.01 }")
  res=$("$T" "$M/$name" "$in" "$out_s" "$out/sweep.$ext") || fail "sweep $name $in $out_s"
  last=$((b - 1))
  n=$(ffprobe -v error -count_packets -select_streams v -show_entries stream=nb_read_packets -of csv=p=0 "$M/$name")
  [ "$last" -lt "$n" ] || last=$((n - 1))
  expect_frames "$out/sweep.$ext" "$a" "$last"
done <<'EOF'
exp_h264.mp4 130 225 mkv
exp_h264.mp4 271 275 mkv
exp_h264.mp4 127 211 mp4
exp_h264.mp4 80 95 mkv
exp_vp9.webm 120 152 webm
exp_vp9.webm 139 153 webm
exp_main.mkv 3 97 mp4
exp_main.mkv 104 140 mp4
EOF
[ "$swept" = 8 ] || fail "sweep ran $swept cases"

# mp4 is faststart: moov before mdat.
moov=$(grep -aob moov "$out/both.mp4" | head -1 | cut -d: -f1 || true)
mdat=$(grep -aob mdat "$out/both.mp4" | head -1 | cut -d: -f1 || true)
[ -n "$moov" ] && [ -n "$mdat" ] && [ "$moov" -lt "$mdat" ] || fail "moov ($moov) not before mdat ($mdat)"

# --- errors: exit status per rc (ENOENT 3, EMEDIA 4, ERANGE 5, EWRITE 6, ENOTSUP 2), no file left ---
expect_err() {
  local code=$1 want=$2 dst=$3; shift 3
  set +e
  msg=$("$T" "$@" "$dst" 2>&1 >/dev/null)
  st=$?
  set -e
  [ "$st" = "$code" ] || fail "$*: exit $st, want $code ($msg)"
  [[ $msg =~ $want ]] || fail "$*: message '$msg' lacks '$want'"
  [ ! -e "$dst" ] || fail "$*: left $dst behind"
  local left
  left=$(find "$out" -name '*.part')
  [ -z "$left" ] || fail "$*: left a temp file: $left"
}
expect_err 3 "$out/missing.mp4" "$out/e1.mp4" "$out/missing.mp4" 0 1
printf 'not media' >"$out/junk.mp4"
expect_err 4 "$out/junk.mp4" "$out/e2.mp4" "$out/junk.mp4" 0 1
expect_err 5 "Out > In" "$out/e3.mp4" "$src" 4 4
expect_err 5 "past the end" "$out/e4.mp4" "$src" 12 20
expect_err 5 "holds no video frame" "$out/e4b.mp4" "$src" 11.99 11.995
expect_err 5 "past the end" "$out/e5.mp4" "$src" 30 40
expect_err 6 "$out/nodir" "$out/nodir/e6.mp4" "$src" 0 1
expect_err 2 "e7.avi" "$out/e7.avi" "$src" 0 1
if [ "$(id -u)" != 0 ]; then
  mkdir "$out/ro" && chmod 555 "$out/ro"
  expect_err 6 "$out/ro" "$out/ro/e8.mp4" "$src" 0 1
fi
echo "export: all checks passed"
