# Helpers for the export integration tests (sourced, not run by ctest: no test_ prefix).
# The export media carry their frame number as a 10-bit bar code along the top edge.
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# frame_numbers FILE [EDGE]: prints the frame number of every decoded frame, one a line. EDGE is
# where the source's top edge ended up: top (default), right (rotated 90 clockwise), left.
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
