#!/usr/bin/env bash
# Highlight test media with planted ground truth (idempotent). Usage: gen_highlights.sh DIR [--bench]
#   hl_match.mp4   120 s, calm gradient + brown-noise ambience, planted: dialogue (espeak-ng),
#                  crowd-like noise swell, fast motion, fast cutting; avoid: frozen, black.
#   hl_noaudio.mp4  60 s, no audio track: fast motion + fast cutting planted; a frozen stretch.
#   hl_short.mp4     4 s, shorter than any clip.
#   hl_talk.mp4     narration from start to end (12 sentences, 0.35 s pauses) over a calm picture:
#                   every clip end must fall in a pause.
#   hl_film.mp4     90 s, a quiet film (ambience near -65 LUFS, no speech): planted percussive hits
#                   (30 dB above the ambience, still quiet) and a scrolling shot; a black stretch.
# Each X.mp4 gets X.truth: lines "count N", "clip_duration D", "highlight IN OUT KIND",
# "avoid IN OUT KIND", "speech IN OUT" (one per sentence).
#   hl_cuts.mp4      8 s of fast cutting between still test patterns (closely spaced IDR pictures).
#   hl_qp_x264.mp4, hl_qp_x264.ts, hl_qp_x265.mp4: 4 s at a constant QP of 30 (every slice),
#                    x264 with B frames and weighted prediction, in MP4 and in MPEG-TS (Annex B).
#   hl_cbr.mp4       6 s, x264 CBR with HRD filler data (nal-hrd=cbr; qpmin 30, so the slices
#                    cannot spend the rate whatever the picture): packets padded to the rate.
# --bench writes hl_bench_1080p.mp4 (1920x1080 H.264 ultrafast, 240 s: hl_match twice) instead.
set -euo pipefail
mode=${2:-}
mkdir -p "$1"
out=$(cd "$1" && pwd)
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }

# match_program W H OUT.mp4 TRUTH: the 120 s scenario.
match_program() {
  local w=$1 h=$2 dst=$3 truth=$4 tmp
  tmp=$(mktemp -d)
  local s=0 t start
  : >"$tmp/truth"
  # three sentences from 15.5 s, 1.2 s apart
  t=15.5
  for i in 1 2 3; do
    case $i in
      1) txt="What a fantastic move by the captain, he goes past two defenders." ;;
      2) txt="The goalkeeper had no chance at all, that is a brilliant finish." ;;
      3) txt="Listen to this crowd, they have waited all season for this." ;;
    esac
    espeak-ng -s 165 -w "$tmp/s$i.wav" "$txt"
    d=$(dur "$tmp/s$i.wav")
    echo "speech $t $(awk -v a="$t" -v b="$d" 'BEGIN{printf "%.3f", a + b}')" >>"$tmp/truth"
    start[$i]=$t
    t=$(awk -v a="$t" -v b="$d" 'BEGIN{printf "%.3f", a + b + 1.2}')
  done
  local sp_end=$t
  local fc=""
  fc+="color=c=black:s=${w}x${h}:r=25:d=120[base];"
  fc+="gradients=s=${w}x${h}:r=25:speed=0.002:d=120:seed=7:c0=0x1040c0:c1=0xf0d020,format=yuv420p,split=6[g0][g1][g2][g3][g4][g5];"
  fc+="[g0]trim=0:15,setpts=PTS-STARTPTS[c0];"
  fc+="[g1]trim=15:48,setpts=PTS-STARTPTS[c1];"
  fc+="[g2]trim=47.96:48,setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=7.96[frz];"
  fc+="[g3]trim=56:70,setpts=PTS-STARTPTS[c2];"
  fc+="life=s=${w}x${h}:r=25:ratio=0.4:mold=0:seed=3,trim=0:8,setpts=PTS-STARTPTS,format=yuv420p[fast];"
  fc+="color=c=black:s=${w}x${h}:r=25:d=8,format=yuv420p[blk];"
  fc+="[g4]trim=86:100,setpts=PTS-STARTPTS[c3];"
  local srcs=("smptebars" "testsrc" "rgbtestsrc" "color=c=red" "pal100bars" "color=c=green"
              "testsrc2" "color=c=blue" "yuvtestsrc" "color=c=orange" "smptehdbars"
              "color=c=purple" "mandelbrot")
  local cuts="" k=0
  for src in "${srcs[@]}"; do
    local sep=":"
    [[ $src == *=* ]] || sep="="
    fc+="${src}${sep}s=${w}x${h}:r=25,trim=0:0.64,setpts=PTS-STARTPTS,format=yuv420p[x$k];"
    cuts+="[x$k]"
    k=$((k + 1))
  done
  fc+="${cuts}concat=n=${#srcs[@]}:v=1:a=0,trim=0:8,setpts=PTS-STARTPTS[cut];"
  fc+="[g5]trim=108:120,setpts=PTS-STARTPTS[c4];"
  fc+="[c0][c1][frz][c2][fast][blk][c3][cut][c4]concat=n=9:v=1:a=0,format=yuv420p[v];"
  fc+="[base]nullsink;"
  # audio: ambience (silent during black), three sentences, a crowd swell at 40-48 s
  fc+="anoisesrc=c=brown:a=0.02:r=48000:d=120:seed=11,volume='if(between(t,78,86),0,1)':eval=frame[amb];"
  # a crowd's roar pulses (cheers, chants): a steady hiss is no event (docs/highlights.md)
  fc+="anoisesrc=c=pink:a=0.6:r=48000:d=8:seed=5,tremolo=f=4:d=0.4,volume='if(lt(t,2.5),t/2.5,if(gt(t,6.5),(8-t)/1.5,1))':eval=frame,adelay=40000:all=1[crowd];"
  local mix="[amb][crowd]"
  for i in 1 2 3; do
    local ms
    ms=$(awk -v a="${start[$i]}" 'BEGIN{printf "%.0f", a * 1000}')
    fc+="amovie=$tmp/s$i.wav,aresample=48000,volume=2.0,adelay=$ms:all=1[sp$i];"
    mix+="[sp$i]"
  done
  fc+="${mix}amix=inputs=5:duration=first:normalize=0[a]"
  ff -filter_complex "$fc" -map "[v]" -map "[a]" -t 120 -c:v libx264 -preset "$PRESET" \
     -pix_fmt yuv420p -c:a aac -b:a 96k -movflags +faststart "$tmp/out.mp4"
  {
    echo "highlight 15.5 $sp_end speech"
    echo "highlight 40 48 crowd"
    echo "highlight 70 78 motion"
    echo "highlight 100 108 cutting"
    echo "avoid 48 56 frozen"
    echo "avoid 78 86 black"
    cat "$tmp/truth"
  } >"$truth.tmp"
  mv "$truth.tmp" "$truth"
  mv "$tmp/out.mp4" "$dst"
  rm -rf "$tmp"
}

if [ "$mode" = "--bench" ]; then
  PRESET=ultrafast
  if [ ! -s "$out/hl_bench_1080p.mp4" ]; then
    if [ ! -s "$out/hl_bench_once.truth" ]; then
      match_program 1920 1080 "$out/hl_bench_once.mp4" "$out/hl_bench_once.truth"
    fi
    printf "file '%s'\nfile '%s'\n" "$out/hl_bench_once.mp4" "$out/hl_bench_once.mp4" >"$out/list.txt"
    ff -f concat -safe 0 -i "$out/list.txt" -c copy -movflags +faststart "$out/hl_bench.tmp.mp4"
    {
      echo "count 8"
      echo "clip_duration 8"
      grep -v '^count\|^clip' "$out/hl_bench_once.truth"
      grep -v '^count\|^clip' "$out/hl_bench_once.truth" |
        awk '{printf "%s %.3f %.3f %s\n", $1, $2 + 120, $3 + 120, $4}'
    } >"$out/hl_bench_1080p.truth"
    mv "$out/hl_bench.tmp.mp4" "$out/hl_bench_1080p.mp4"
    rm -f "$out/hl_bench_once.mp4" "$out/hl_bench_once.truth" "$out/list.txt"
  fi
  exit 0
fi

PRESET=veryfast
if [ ! -s "$out/hl_match.mp4" ]; then
  match_program 320 180 "$out/hl_match.tmp.mp4" "$out/hl_match.truth.body"
  { echo "count 4"; echo "clip_duration 8"; cat "$out/hl_match.truth.body"; } >"$out/hl_match.truth"
  rm -f "$out/hl_match.truth.body"
  mv "$out/hl_match.tmp.mp4" "$out/hl_match.mp4"
fi

if [ ! -s "$out/hl_noaudio.mp4" ]; then
  ff -filter_complex "gradients=s=320x180:r=25:speed=0.002:d=60:seed=3:c0=0x2060e0:c1=0xe08020,format=yuv420p,split=4[a][b][c][d];\
[a]trim=0:5,setpts=PTS-STARTPTS[p0];[b]trim=4.96:5,setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=6.96[frz];\
[c]trim=12:20,setpts=PTS-STARTPTS[p1];life=s=320x180:r=25:ratio=0.4:seed=9,trim=0:8,setpts=PTS-STARTPTS,format=yuv420p[fast];\
[d]trim=28:60,setpts=PTS-STARTPTS[p2];[p0][frz][p1][fast][p2]concat=n=5:v=1:a=0[v]" \
     -map "[v]" -t 60 -c:v libx264 -preset veryfast -an "$out/hl_noaudio.tmp.mp4"
  printf "count 2\nclip_duration 6\nhighlight 20 28 motion\navoid 5 12 frozen\n" >"$out/hl_noaudio.truth"
  mv "$out/hl_noaudio.tmp.mp4" "$out/hl_noaudio.mp4"
fi

if [ ! -s "$out/hl_film.mp4" ]; then
  ff -filter_complex "gradients=s=320x180:r=25:speed=0.002:d=90:seed=21:c0=0x20b040:c1=0xc030d0,format=yuv420p,split=3[a][b][c];\
[a]trim=0:10,setpts=PTS-STARTPTS[p0];color=c=black:s=320x180:r=25:d=5,format=yuv420p[blk];\
[b]trim=15:60,setpts=PTS-STARTPTS[p1];testsrc2=s=320x180:r=25,scroll=h=0.02:v=0.013,trim=0:8,setpts=PTS-STARTPTS,format=yuv420p[pan];\
[c]trim=68:90,setpts=PTS-STARTPTS[p2];[p0][blk][p1][pan][p2]concat=n=5:v=1:a=0[v];\
anoisesrc=c=brown:a=0.003:r=48000:d=90:seed=4,volume='if(between(t,10,15),0,1)':eval=frame[amb];\
aevalsrc='0.06*sin(2*PI*(60+80*exp(-20*mod(t,0.5)))*t)*exp(-9*mod(t,0.5))+0.05*(2*random(0)-1)*exp(-25*mod(t,0.5))+0.02*(2*random(1)-1)*exp(-40*mod(t+0.25,0.5))':s=48000:d=6,adelay=30000:all=1[hits];\
[amb][hits]amix=inputs=2:duration=first:normalize=0[a]" \
     -map "[v]" -map "[a]" -t 90 -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 96k \
     "$out/hl_film.tmp.mp4"
  printf "count 2\nclip_duration 6\nhighlight 30 36 hits\nhighlight 60 68 pan\navoid 10 15 black\n" \
    >"$out/hl_film.truth"
  mv "$out/hl_film.tmp.mp4" "$out/hl_film.mp4"
fi

if [ ! -s "$out/hl_talk.mp4" ]; then
  tmp=$(mktemp -d)
  sentences=("Good evening and welcome to the programme."
    "Tonight we look at the history of the city."
    "It was founded on the river more than a thousand years ago."
    "Merchants came from every corner of the land."
    "They traded wool, salt and timber in the market square."
    "Over the centuries the town grew into a great port."
    "Ships left for distant harbours every week."
    "The old warehouses still stand along the quay."
    "Many of them are now museums and galleries."
    "Visitors come in the summer to walk along the water."
    "In the evening the bridges are lit with coloured lamps."
    "The city has changed, but its heart is still the river.")
  t=0.5
  : >"$tmp/truth"
  : >"$tmp/list.txt"
  k=0
  for txt in "${sentences[@]}"; do
    espeak-ng -s 170 -w "$tmp/raw$k.wav" "$txt"
    # trim espeak's own leading/trailing silence so the truth is the spoken part
    ff -i "$tmp/raw$k.wav" -af "silenceremove=start_periods=1:start_threshold=-45dB,areverse,silenceremove=start_periods=1:start_threshold=-45dB,areverse,aresample=48000" "$tmp/s$k.wav"
    d=$(dur "$tmp/s$k.wav")
    echo "speech $t $(awk -v a="$t" -v b="$d" 'BEGIN{printf "%.3f", a + b}')" >>"$tmp/truth"
    ff -f lavfi -i "anullsrc=r=48000:cl=mono" -t 0.35 "$tmp/gap$k.wav"
    printf "file '%s'\nfile '%s'\n" "$tmp/s$k.wav" "$tmp/gap$k.wav" >>"$tmp/list.txt"
    t=$(awk -v a="$t" -v b="$d" 'BEGIN{printf "%.3f", a + b + 0.35}')
    k=$((k + 1))
  done
  ff -f concat -safe 0 -i "$tmp/list.txt" -af "adelay=500:all=1" "$tmp/speech.wav"
  total=$(awk -v a="$t" 'BEGIN{printf "%.3f", a + 0.5}')
  ff -f lavfi -i "gradients=s=320x180:r=25:speed=0.004:seed=2:c0=0xd06020:c1=0x2090e0:d=$total" -i "$tmp/speech.wav" \
     -f lavfi -i "anoisesrc=c=brown:a=0.01:r=48000:d=$total:seed=8" \
     -filter_complex "[1:a]apad[sp];[sp][2:a]amix=inputs=2:duration=shortest:normalize=0[a]" \
     -map 0:v -map "[a]" -t "$total" -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac \
     "$out/hl_talk.tmp.mp4"
  { echo "count 3"; echo "clip_duration 10"; cat "$tmp/truth"; } >"$out/hl_talk.truth"
  mv "$out/hl_talk.tmp.mp4" "$out/hl_talk.mp4"
  rm -rf "$tmp"
fi

if [ ! -s "$out/hl_short.mp4" ]; then
  ff -f lavfi -i "testsrc2=s=320x180:r=25:d=4" -f lavfi -i "sine=f=330:r=48000:d=4" \
     -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$out/hl_short.tmp.mp4"
  printf "count 3\nclip_duration 10\n" >"$out/hl_short.truth"
  mv "$out/hl_short.tmp.mp4" "$out/hl_short.mp4"
fi

if [ ! -s "$out/hl_cuts.mp4" ]; then
  shots=("pal75bars:0.48" "testsrc2:0.84" "pal100bars:0.92" "testsrc:0.56" "smptebars:0.6"
         "rgbtestsrc:0.8" "pal75bars:0.6" "testsrc2:0.7" "smptehdbars:0.88" "yuvtestsrc:0.62"
         "pal100bars:0.52" "testsrc:0.48")
  fc="" labels="" k=0
  for shot in "${shots[@]}"; do
    fc+="${shot%%:*}=s=320x180:r=25,trim=duration=${shot#*:},setpts=PTS-STARTPTS[s$k];"
    labels+="[s$k]"
    k=$((k + 1))
  done
  ff -filter_complex "${fc}${labels}concat=n=$k:v=1:a=0,format=yuv420p[v]" -map "[v]" \
     -c:v libx264 -preset veryfast -bf 0 "$out/hl_cuts.tmp.mp4"
  mv "$out/hl_cuts.tmp.mp4" "$out/hl_cuts.mp4"
fi

if [ ! -s "$out/hl_qp_x264.mp4" ]; then
  ff -f lavfi -i "testsrc2=s=320x180:r=25:d=4" -c:v libx264 -preset medium -bf 2 \
     -x264-params qp=30:ipratio=1:pbratio=1:weightp=2 -pix_fmt yuv420p "$out/hl_qp_x264.tmp.mp4"
  ff -i "$out/hl_qp_x264.tmp.mp4" -c copy -f mpegts "$out/hl_qp_x264.ts"
  mv "$out/hl_qp_x264.tmp.mp4" "$out/hl_qp_x264.mp4"
fi
if [ ! -s "$out/hl_qp_x265.mp4" ]; then
  ff -f lavfi -i "testsrc2=s=320x180:r=25:d=4" -c:v libx265 -preset fast \
     -x265-params qp=30:ipratio=1:pbratio=1:log-level=error -pix_fmt yuv420p \
     "$out/hl_qp_x265.tmp.mp4"
  mv "$out/hl_qp_x265.tmp.mp4" "$out/hl_qp_x265.mp4"
fi
if [ ! -s "$out/hl_cbr.mp4" ]; then
  ff -f lavfi -i "gradients=s=320x180:r=25:speed=0.004:d=6:seed=1" -c:v libx264 -preset veryfast \
     -b:v 1M -maxrate 1M -bufsize 500k -x264-params nal-hrd=cbr:qpmin=30 -pix_fmt yuv420p \
     "$out/hl_cbr.tmp.mp4"
  mv "$out/hl_cbr.tmp.mp4" "$out/hl_cbr.mp4"
fi
