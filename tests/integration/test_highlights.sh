#!/usr/bin/env bash
# reelcut highlights end to end on generated media with planted ground truth (ffprobe + jq).
set -euo pipefail
R=${REELCUT:?}
M=${REELCUT_MEDIA:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else fail "$1"; fi; }

# --- four inputs: planted highlights, no audio, too short, a quiet film
"$R" highlights "$M/hl_match.mp4" "$M/hl_noaudio.mp4" "$M/hl_short.mp4" "$M/hl_film.mp4" \
  "$M/hl_talk.mp4" --count 4 --clip-duration 8 >"$tmp/r1.json"
# the same job as the API's InputConfig gives the same clips
printf '{"MediaArray":[{"MediaURL":"file://%s/hl_match.mp4"},{"MediaURL":"file://%s/hl_noaudio.mp4"},{"MediaURL":"file://%s/hl_short.mp4"},{"MediaURL":"file://%s/hl_film.mp4"},{"MediaURL":"file://%s/hl_talk.mp4"}],"Strategy":{"Count":4,"ClipDuration":8}}' \
  "$M" "$M" "$M" "$M" "$M" >"$tmp/ic.json"
"$R" highlights --input-config "@$tmp/ic.json" >"$tmp/r2.json"
J=$tmp/r1.json
check "deterministic, flags and --input-config alike" \
  "[ \"\$(jq -c '[.Highlights[] | del(.SourceMediaURL)]' $tmp/r1.json)\" = \"\$(jq -c '[.Highlights[] | del(.SourceMediaURL)]' $tmp/r2.json)\" ]"
"$R" highlights "$M/hl_match.mp4" "$M/hl_noaudio.mp4" "$M/hl_short.mp4" "$M/hl_film.mp4" \
  "$M/hl_talk.mp4" --count 4 --clip-duration 8 >"$tmp/r3.json"
check "byte-identical on a second run" "cmp -s $tmp/r1.json $tmp/r3.json"
check "Index is 1..n" "jq -e '[.Highlights[].Index] == [range(1; (.Highlights|length)+1)]' $J >/dev/null"
check "ordered by SourceIndex then In" \
  "jq -e '[.Highlights[] | [.SourceIndex, .In]] as \$k | \$k == (\$k | sort)' $J >/dev/null"
check "echo of the inputs" \
  "jq -e '[.Highlights[] | select(.SourceIndex==0) | .SourceMediaURL] | all(. == \"$M/hl_match.mp4\")' $J >/dev/null"
check "Score and Reasons in [0,1], all four reasons" \
  "jq -e '[.Highlights[] | .Score, (.Reasons | .Speech, .Loudness, .Motion, .CutRate)] | all(. >= 0 and . <= 1)' $J >/dev/null"
check "Rank 1..k within each source" \
  "jq -e '[.Highlights | group_by(.SourceIndex)[] | ([.[].Rank] | sort) == [range(1; length+1)]] | all' $J >/dev/null"
check "Duration = Out - In, within API bounds (4..12 s) for long inputs" \
  "jq -e '[.Highlights[] | select(.SourceIndex != 2) | (.Duration - (.Out - .In) | fabs) < 0.002 and .Duration >= 4 and .Duration <= 12] | all' $J >/dev/null"
check "clips within +-20% of ClipDuration on the long input" \
  "jq -e '[.Highlights[] | select(.SourceIndex == 0) | .Duration >= 6.4 and .Duration <= 9.6] | all' $J >/dev/null"
check "no overlap inside a source" \
  "jq -e '[.Highlights | group_by(.SourceIndex)[] | [range(1; length) as \$i | .[\$i].In >= .[\$i-1].Out]] | flatten | all' $J >/dev/null"
check "short input: the whole input" \
  "jq -e '[.Highlights[] | select(.SourceIndex == 2)] | length == 1 and .[0].In == 0 and (.[0].Out - 4 | fabs) < 0.05' $J >/dev/null"
check "hl_talk: clips found in wall-to-wall speech" \
  "jq -e '[.Highlights[] | select(.SourceIndex == 4)] | length >= 1' $J >/dev/null"
check "notes: NoAudio for input 1, WholeInput for input 2" \
  "jq -e '[.Notes[] | [.SourceIndex, .Code]] | contains([[1, \"NoAudio\"], [2, \"WholeInput\"]])' $J >/dev/null"

# planted ground truth: every highlight found, nothing in avoid zones, no end inside a sentence
for pair in 0:hl_match 3:hl_film 4:hl_talk; do
  si=${pair%%:*}
  name=${pair#*:}
  while read -r kind a b what; do
    case $kind in
      highlight)
        check "$name: planted $what ($a-$b) is picked" \
          "jq -e '[.Highlights[] | select(.SourceIndex==$si) | ([.Out, $b] | min) - ([.In, $a] | max)] | max > 3' $J >/dev/null" ;;
      avoid)
        check "$name: nothing picked in the $what stretch ($a-$b)" \
          "jq -e '[.Highlights[] | select(.SourceIndex==$si) | ([.Out, $b] | min) - ([.In, $a] | max)] | all(. <= 0.3)' $J >/dev/null" ;;
      speech)
        check "$name: no clip end inside the sentence $a-$b" \
          "jq -e '[.Highlights[] | select(.SourceIndex==$si) | .In, .Out | select(. > $a + 0.15 and . < $b - 0.15)] | length == 0' $J >/dev/null" ;;
    esac
  done <"$M/$name.truth"
done
check "hl_film: the hits are heard as loudness, not speech" \
  "jq -e '[.Highlights[] | select(.SourceIndex==3 and .In < 36 and .Out > 30)] | .[0].Reasons | .Loudness > 0.5 and .Speech < 0.2' $J >/dev/null"

# --- export: files at the template, durations as reported
mkdir -p "$tmp/out"
"$R" highlights "$M/hl_noaudio.mp4" --count 2 --clip-duration 6 --output "$tmp/out/c{index}.mkv" \
  --width 161 >"$tmp/e.json"
n=$(jq '.Highlights | length' "$tmp/e.json")
check "export: one file per clip" "[ \$(ls $tmp/out | wc -l) -eq $n ] && [ $n -ge 1 ]"
for i in $(seq 1 "$n"); do
  url=$(jq -r ".Highlights[$((i - 1))].MediaURL" "$tmp/e.json")
  want=$(jq -r ".Highlights[$((i - 1))].Duration" "$tmp/e.json")
  check "export $i: MediaURL is the file" "[ '$url' = '$tmp/out/c$i.mkv' ] && [ -s '$url' ]"
  got=$(ffprobe -v error -select_streams v -show_entries stream=width -of csv=p=0 "$url")
  check "export $i: width 161 rounded up to 162" "[ '$got' = 162 ]"
  d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$url")
  check "export $i: duration $d ~ $want" "awk 'BEGIN{exit !(($d - $want) < 0.1 && ($want - $d) < 0.1)}'"
done

# --- failures
set +e
"$R" highlights "$M/hl_match.mp4" "$tmp/missing.mp4" >/dev/null 2>"$tmp/err"
st=$?
set -e
check "missing input: exit 3" "[ $st -eq 3 ]"
check "missing input: named" "grep -q 'InvalidParameter.ResourceNotFound: InputConfig.MediaArray\[1\]' $tmp/err"
set +e
"$R" highlights "$M/hl_match.mp4" --count 0 >/dev/null 2>"$tmp/err"
st=$?
set -e
check "--count 0: exit 2 with the API message" \
  "[ $st -eq 2 ] && grep -q 'InputConfig.Strategy.Count must be in \[1,10\]' $tmp/err"
set +e
"$R" highlights >/dev/null 2>&1
st=$?
set -e
check "no input: exit 2" "[ $st -eq 2 ]"
ffmpeg -hide_banner -loglevel error -nostdin -f lavfi -i "color=s=64x64:r=1:d=7300" \
  -c:v libx264 -preset ultrafast -g 600 "$tmp/long.mp4"
set +e
"$R" highlights "$tmp/long.mp4" >/dev/null 2>"$tmp/err"
st=$?
set -e
check "over 2 hours: OutOfRange, exit 5" \
  "[ $st -eq 5 ] && grep -q 'InvalidParameter.OutOfRange: InputConfig.MediaArray total duration 7300.000 s exceeds 7200 s' $tmp/err"

if [ "$fails" -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all highlight checks passed"
