#!/usr/bin/env bash
# What one input can make `reelcut probe|segment|highlights` allocate or claim (issue 11 item 9):
# an 8192x8192 video is refused with one clear line and costs little memory (peak RSS measured),
# as is a stream that grows to that size mid-way; REELCUT_LIMITS_MAX_PIXELS moves the cap; a file
# whose header declares 4294967 s but holds 2 s is segmented, ranged and probed by what it holds.
# Needs REELCUT and REELCUT_MEDIA (ctest sets them); media from tests/media/gen_limits.sh.
set -uo pipefail
: "${REELCUT:?}" "${REELCUT_MEDIA:?}"
M=$REELCUT_MEDIA/limits
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# Peak RSS of a refusal, in MiB. Measured with the ASan+UBSan test build: 97-152 MiB, about what
# a 12 s 640x360 file costs (107-128 MiB). Before the cap even a release build peaked at 204-392
# MiB on these files (46-73 MiB after); ASan builds at 286-791 MiB.
RSS_MAX_MB=200

# run CMD ARGS...: `reelcut CMD ARGS`, leaving stdout/stderr in $work/{out,err}, the exit status
# in $status and the peak RSS (MB) in $rss_mb.
run() {
  /usr/bin/time -f "%M" -o "$work/rss" "$REELCUT" "$@" >"$work/out" 2>"$work/err"
  status=$?
  rss_mb=$(( $(tail -1 "$work/rss") / 1024 ))
}

# refused NAME STATUS PATTERN CMD ARGS...: exit status, a last stderr line matching PATTERN after
# nothing but our own log lines (no FFmpeg chatter), nothing on stdout, peak RSS under RSS_MAX_MB.
refused() {
  local name=$1 want=$2 pattern=$3
  shift 3
  run "$@"
  if [ $status -eq "$want" ] && tail -1 "$work/err" | grep -Eq "$pattern" &&
     ! head -n -1 "$work/err" | grep -Evq '^[0-9T:-]+Z (INFO|WARN) ' &&
     [ ! -s "$work/out" ] && [ "$rss_mb" -lt $RSS_MAX_MB ]; then
    pass "$name -> $status, peak RSS $rss_mb MB: $(cat "$work/err")"
  else
    fail "$name: exit $status (want $want), peak RSS $rss_mb MB (max $RSS_MAX_MB), stderr: $(cat "$work/err")"
  fi
}

over='video is 8192x8192 \(67\.1 Mpx\), over the limit of 8\.9 Mpx \(limits\.max_pixels\)$'
grows='video changes size mid-stream to 8192x8192 \(67\.1 Mpx\), over the limit of 8\.9 Mpx \(limits\.max_pixels\)$'
for f in huge.mp4 huge.ts; do
  refused "probe $f" 4 "^InvalidParameter\.ResourceContentBad: $over" probe "$M/$f"
  refused "segment $f" 4 "^InvalidParameter\.ResourceContentBad: $over" segment "$M/$f"
  refused "segment --ranges $f" 4 "^InvalidParameter\.ResourceContentBad: $over" segment "$M/$f" --ranges 0-1
  refused "highlights $f" 4 "^InvalidParameter\.ResourceContentBad: InputConfig\.MediaArray\[0\] \(.*/$f\): $over" \
    highlights "$M/$f"
done
refused "segment grows.ts" 4 "^InvalidParameter\.ResourceContentBad: $grows" segment "$M/grows.ts"
refused "highlights grows.ts" 4 "^InvalidParameter\.ResourceContentBad: InputConfig\.MediaArray\[0\] \(.*/grows\.ts\): $grows" \
  highlights "$M/grows.ts"
refused "export of grows.ts" 4 "^InvalidParameter\.ResourceContentBad: $grows" \
  segment "$M/grows.ts" --ranges 7-8.5 --width 320 --output "$work/g_{index}.mp4"
[ -z "$(ls "$work"/g_* 2>/dev/null)" ] || fail "export of grows.ts left $(ls "$work"/g_*)"

# 4K UHD and DCI 4K are under the default cap.
for f in uhd.mp4 dci.mp4; do
  run segment "$M/$f"
  if [ $status -eq 0 ] && jq -e '.Segments | length == 1' "$work/out" >/dev/null; then
    pass "segment $f (peak RSS $rss_mb MB)"
  else
    fail "segment $f: exit $status $(cat "$work/err")"
  fi
done

# The cap is configuration: REELCUT_LIMITS_MAX_PIXELS (limits.max_pixels).
REELCUT_LIMITS_MAX_PIXELS=67108864 run probe "$M/huge.mp4"
if [ $status -eq 0 ] && jq -e '.VideoStreamInfoList[0] | .Width == "8192" and .Height == "8192"' "$work/out" >/dev/null; then
  pass "REELCUT_LIMITS_MAX_PIXELS=67108864 probes huge.mp4"
else
  fail "raised cap: exit $status $(cat "$work/err")"
fi
REELCUT_LIMITS_MAX_PIXELS=8000000 refused "4K UHD under a lower cap" 4 \
  '^InvalidParameter\.ResourceContentBad: video is 3840x2160 \(8\.3 Mpx\), over the limit of 8\.0 Mpx \(limits\.max_pixels\)$' \
  segment "$M/uhd.mp4"
REELCUT_LIMITS_MAX_PIXELS=12 refused "bad REELCUT_LIMITS_MAX_PIXELS" 2 \
  '^InvalidParameter: REELCUT_LIMITS_MAX_PIXELS: limits\.max_pixels must be an integer in \[4096,268435456\], not "12"$' \
  probe "$M/uhd.mp4"

# declared.mp4 / .mkv: 2 s of media, a header declaring 4294967.295 s.
declared='declares 4294967\.295 s but its (streams hold|packets end at) 2\.0[0-9]* s: using 2\.0[0-9]* s$'
for f in declared.mp4 declared.mkv; do
  run segment "$M/$f"
  if [ $status -eq 0 ] && jq -e '.Duration >= 2 and .Duration < 2.05 and .Segments[-1].Out == .Duration
                                 and .Segments[0].In == 0' "$work/out" >/dev/null &&
     grep -Eq "WARN .*$f $declared" "$work/err"; then
    pass "segment $f: $(jq -c '[.Duration, [.Segments[].Out]]' "$work/out")"
  else
    fail "segment $f: exit $status $(cat "$work/out" "$work/err")"
  fi
done
run segment "$M/declared.mp4" --ranges 0.5-100
if [ $status -eq 0 ] && jq -e '.Duration == 2 and .Segments[0].Out == 2' "$work/out" >/dev/null; then
  pass "a range's Out past the readable end is clamped to it"
else
  fail "ranges 0.5-100: exit $status $(cat "$work/out" "$work/err")"
fi
run segment "$M/declared.mp4" --ranges 0-1,3-4
if [ $status -eq 5 ] && grep -Eq '^InvalidParameter\.OutOfRange: --ranges\[1\]\.In \(3\.000 s\) is at or past the end of .*declared\.mp4 \(2\.000 s\)$' "$work/err"; then
  pass "a range past the readable end is OutOfRange"
else
  fail "ranges 3-4: exit $status $(cat "$work/err")"
fi
run probe "$M/declared.mp4"
if [ $status -eq 0 ] && jq -e '.FileBasicInfo.Duration == "2.000000"' "$work/out" >/dev/null; then
  pass "probe reports the readable duration"
else
  fail "probe declared.mp4: exit $status $(jq -c .FileBasicInfo "$work/out") $(cat "$work/err")"
fi
run highlights "$M/declared.mp4"
if [ $status -eq 0 ] && jq -e '.Highlights | length == 1 and .[0].Out == 2' "$work/out" >/dev/null; then
  pass "highlights of declared.mp4: the whole 2 s"
else
  fail "highlights declared.mp4: exit $status $(cat "$work/out" "$work/err")"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
