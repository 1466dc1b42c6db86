#!/usr/bin/env bash
# engine_export_range end to end through tests/tools/export_tool on real FFmpeg-encoded media:
# frame-exact ranges (read back from the frame-number bar code), the path taken, timestamps,
# audio sync, sizes, rotation, containers, and errors that leave no file behind.
set -euo pipefail
. "$REELCUT_SRC/tests/integration/export_lib.sh"
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

# --- HEVC into mp4 becomes H.264 ---
run transcode "$M/exp_hevc.mp4" 1 2 "$out/hevc.mp4"
check_output "$out/hevc.mp4" 25 1.0 1
expect_frames "$out/hevc.mp4" 25 49
[ "$(codecs "$out/hevc.mp4")" = "h264 aac " ] || fail "hevc: $(codecs "$out/hevc.mp4")"

# --- VP9 + Opus ---
run copy "$M/exp_vp9.webm" 2 4 "$out/vp9.webm"
check_output "$out/vp9.webm" 50 2.0 1
expect_frames "$out/vp9.webm" 50 99
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
