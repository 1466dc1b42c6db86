#!/usr/bin/env bash
# `reelcut probe`: the FileInfoList item of API.md §4.6 compared with ffprobe; bad inputs.
set -uo pipefail
: "${REELCUT:?}" "${REELCUT_MEDIA:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }
check() { # check NAME JQ_EXPR FILE
  if jq -e "$2" "$3" >/dev/null; then pass "$1"; else fail "$1: $(jq -c . "$3")"; fi
}

f=$REELCUT_MEDIA/sample.mp4
"$REELCUT" probe "$f" >"$work/p.json" 2>"$work/err" || fail "probe sample.mp4: $(cat "$work/err")"
check "every value is a string" '[.. | select(type != "object" and type != "array") | type == "string"] | all' "$work/p.json"
check "lists present" 'has("FileBasicInfo") and (.VideoStreamInfoList | length) == 1 and (.AudioStreamInfoList | length) == 1 and .SubtitleStreamInfoList == []' "$work/p.json"
check "basic info" '.FileBasicInfo | .FileName == "sample.mp4" and .FileStatus == "Normal" and .FileType == "source_file" and .FormatName == "mov,mp4,m4a,3gp,3g2,mj2" and (.Duration | test("^[0-9]+\\.[0-9]{6}$")) and .Width == "640" and .Height == "360" and (.Bitrate | test("^[0-9]+(\\.[0-9]{1,3})?$"))' "$work/p.json"
size=$(stat -c %s "$f")
check "file size" ".FileBasicInfo.FileSize == \"$size\"" "$work/p.json"
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
check "duration matches ffprobe" ".FileBasicInfo.Duration == \"$dur\"" "$work/p.json"
nb=$(ffprobe -v error -select_streams v:0 -show_entries stream=nb_frames -of csv=p=0 "$f")
check "video stream" ".VideoStreamInfoList[0] | .CodecName == \"h264\" and .CodecTagString == \"avc1\" and .CodecTag == \"0x31637661\" and .NumFrames == \"$nb\" and .Nb_frames == \"$nb\" and .PixFmt == \"yuv420p\" and .Fps == \"25.0\" and .Dar == \"16:9\" and .Sar == \"1:1\" and .Rotate == \"0\" and .Lang == \"und\" and .Profile == \"High\" and .CodecTimeBase == \"1/50\" and (.Timebase | test(\"^1/[0-9]+$\")) and (.StartTime | test(\"^[0-9]+\\\\.[0-9]{6}$\"))" "$work/p.json"
check "audio stream" '.AudioStreamInfoList[0] | .CodecName == "aac" and .SampleRate == "48000" and .Channels == "1" and .ChannelLayout == "mono" and .SampleFmt == "fltp" and .Profile == "LC" and .CodecTimeBase == "1/48000"' "$work/p.json"

r=$REELCUT_MEDIA/shots/rotated.mp4
"$REELCUT" probe "$r" >"$work/r.json" 2>"$work/err" || fail "probe rotated.mp4: $(cat "$work/err")"
rot=$(ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation -of csv=p=0 "$r" | tr -d ', ')
want=$(( (360 - ${rot:-0}) % 360 ))
rw=$(ffprobe -v error -select_streams v:0 -show_entries stream=width -of csv=p=0 "$r" | head -1 | tr -d ", ")
check "rotation (display matrix $rot -> clockwise $want)" ".VideoStreamInfoList[0].Rotate == \"$want\" and .FileBasicInfo.Width == \"$rw\"" "$work/r.json"
"$REELCUT" probe "$REELCUT_MEDIA/shots/audio_only.m4a" >"$work/a.json" || fail "probe audio_only"
check "audio only" '.VideoStreamInfoList == [] and (.AudioStreamInfoList | length) == 1 and (.FileBasicInfo | has("Width") | not)' "$work/a.json"
"$REELCUT" probe "$REELCUT_MEDIA/shots/vp9_2997.webm" >"$work/w.json" || fail "probe webm"
check "webm: unknown values omitted" '.VideoStreamInfoList[0] | .CodecName == "vp9" and .Fps == "29.97" and (has("NumFrames") | not)' "$work/w.json"

: >"$work/empty.mp4"
for c in "missing:$work/none.mp4:3:ResourceNotFound" "empty:$work/empty.mp4:4:ResourceContentBad" \
         "truncated:$REELCUT_MEDIA/shots/truncated.mp4:4:ResourceContentBad"; do
  IFS=: read -r name path want code <<<"$c"
  "$REELCUT" probe "$path" >"$work/out" 2>"$work/err"
  st=$?
  if [ $st -eq "$want" ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "^InvalidParameter.$code: .*$(basename "$path")" "$work/err" && [ ! -s "$work/out" ]; then
    pass "$name -> $st: $(cat "$work/err")"
  else
    fail "$name: exit $st, $(cat "$work/err")"
  fi
done
"$REELCUT" probe >/dev/null 2>&1
[ $? -eq 2 ] && pass "usage -> 2" || fail "usage exit"

echo "$fails failure(s)"
[ $fails -eq 0 ]
