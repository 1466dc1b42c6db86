#!/usr/bin/env bash
# Export test media (idempotent): every video carries its frame number as a 10-bit bar code in the
# top eighth of the picture (block i of 10 is white when bit i of N is set), over testsrc2.
#   exp_h264.mp4     12 s 1280x720 25 fps H.264 High (B-frames) GOP 2 s + AAC 48 kHz stereo
#   exp_noaudio.mp4   8 s  640x360 25 fps H.264 GOP 2 s, no audio
#   exp_rot90.mp4     6 s  480x272 H.264 GOP 2 s + AAC, display matrix rotated 90 degrees
#   exp_vp9.webm      6 s  320x240 VP9 GOP 2 s + Opus
#   exp_main.mkv      6 s  640x360 H.264 Main profile in Matroska, GOP 1 s + AAC
#   exp_click.mp4    10 s  320x240 H.264 GOP 2 s + AAC silent but for a 10 ms 1 kHz click at each
#                    whole second (audio sync checks)
#   exp_opengop.mp4   6 s  320x240 H.264 open GOPs (recovery-point I frames), 3 B-frames
#   exp_sar.mp4       4 s  352x288 SAR 12:11 (displays as 384x288)
#   exp_hevc.mp4      3 s  320x240 HEVC GOP 1 s + AAC (into mp4 it must become H.264)
#   exp_ts.ts         3 s  320x240 H.264 + AAC in MPEG-TS (timestamps start at 1.4 s)
#   exp_422.mp4       4 s  320x240 H.264 High 4:2:2 (must become 4:2:0 even on keyframes)
set -euo pipefail
out=$1
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# barcode W H RATE DUR: a filter graph producing [v] from testsrc2 with the frame number drawn.
barcode() {
  local w=$1 h=$2 r=$3 d=$4
  echo "testsrc2=size=${w}x${h}:rate=${r}:duration=${d},format=yuv420p,geq=lum='if(lt(Y,H/8),255*bitand(floor(N/pow(2,floor(X*10/W))),1),lum(X,Y))':cb='cb(X,Y)':cr='cr(X,Y)'"
}
x264gop() { echo "keyint=$1:min-keyint=$1:scenecut=0"; }
make() { # name, ffmpeg args...
  local name=$1; shift
  if [ ! -s "$out/$name" ]; then
    local ext=${name##*.}
    ff "$@" "$out/$name.tmp.$ext"
    mv "$out/$name.tmp.$ext" "$out/$name"
  fi
}
make exp_h264.mp4 -f lavfi -i "$(barcode 1280 720 25 12)" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=12" -ac 2 \
  -c:v libx264 -preset veryfast -profile:v high -x264-params "$(x264gop 50)" -pix_fmt yuv420p \
  -c:a aac -b:a 96k -movflags +faststart
make exp_noaudio.mp4 -f lavfi -i "$(barcode 640 360 25 8)" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 50)" -pix_fmt yuv420p
# The rotation is set by a stream copy: ffmpeg 5.1 drops `rotate` when it encodes.
make exp_rot90_plain.mp4 -f lavfi -i "$(barcode 480 272 25 6)" \
  -f lavfi -i "sine=frequency=300:sample_rate=44100:duration=6" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 50)" -pix_fmt yuv420p -c:a aac
make exp_rot90.mp4 -i "$out/exp_rot90_plain.mp4" -c copy -metadata:s:v:0 rotate=90
make exp_vp9.webm -f lavfi -i "$(barcode 320 240 25 6)" \
  -f lavfi -i "sine=frequency=500:sample_rate=48000:duration=6" \
  -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 50 -keyint_min 50 -b:v 300k -c:a libopus
make exp_main.mkv -f lavfi -i "$(barcode 640 360 25 6)" \
  -f lavfi -i "sine=frequency=600:sample_rate=48000:duration=6" \
  -c:v libx264 -preset veryfast -profile:v main -x264-params "$(x264gop 25)" -pix_fmt yuv420p -c:a aac
make exp_click.mp4 -f lavfi -i "$(barcode 320 240 25 10)" \
  -f lavfi -i "aevalsrc='if(lt(mod(t,1),0.01),0.8*sin(2*PI*1000*t),0)':s=48000:d=10" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 50)" -pix_fmt yuv420p -c:a aac -b:a 128k
make exp_opengop.mp4 -f lavfi -i "$(barcode 320 240 25 6)" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 50):open-gop=1:bframes=3" -pix_fmt yuv420p
make exp_sar.mp4 -f lavfi -i "$(barcode 352 288 25 4),setsar=12/11" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 50)" -pix_fmt yuv420p
make exp_hevc.mp4 -f lavfi -i "$(barcode 320 240 25 3)" \
  -f lavfi -i "sine=frequency=700:sample_rate=48000:duration=3" \
  -c:v libx265 -preset ultrafast -x265-params "log-level=error:keyint=25" -tag:v hvc1 -pix_fmt yuv420p -c:a aac
make exp_ts.ts -f lavfi -i "$(barcode 320 240 25 3)" \
  -f lavfi -i "sine=frequency=800:sample_rate=48000:duration=3" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 25)" -pix_fmt yuv420p -c:a aac
make exp_422.mp4 -f lavfi -i "$(barcode 320 240 25 4)" \
  -c:v libx264 -preset veryfast -x264-params "$(x264gop 50)" -pix_fmt yuv422p
