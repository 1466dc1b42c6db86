#!/usr/bin/env bash
# Highlight extraction benchmark: quality against planted ground truth and analysis speed beside
# full decoding. Usage: bench/highlights/run.sh [BUILD_DIR]   (default build, an optimised build:
#   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build -j1)
# Media: the small test set (BUILD_DIR/media) and a 240 s 1080p H.264 ultrafast file cached in
# BUILD_DIR/bench-media (made once by tests/media/gen_highlights.sh --bench).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
R=$build/reelcut
DUMP=$build/hl_track_dump
for b in "$R" "$DUMP"; do
  [ -x "$b" ] || { echo "missing $b: build it first (ninja -C $build reelcut hl_track_dump)" >&2; exit 2; }
done
bash "$src/tests/media/gen_highlights.sh" "$build/media"
bash "$src/tests/media/gen_highlights.sh" "$build/bench-media" --bench
# the same planted scenario through other encoders (rate control, GOPs and skip costs differ)
enc() { # NAME EXT VIDEO-CODEC-ARGS...
  local name=$1 ext=$2
  shift 2
  local dst="$build/bench-media/enc_$name.$ext"
  if [ ! -s "$dst" ]; then
    local acodec=aac
    [ "$ext" = webm ] && acodec=libopus
    if ! ffmpeg -hide_banner -loglevel error -nostdin -y -i "$build/media/hl_match.mp4" "$@" \
      -c:a "$acodec" "$dst.tmp.$ext"; then
      echo "(skipping enc_$name: this ffmpeg cannot encode it)" >&2
      rm -f "$dst.tmp.$ext"
      return 0
    fi
    mv "$dst.tmp.$ext" "$dst"
    cp "$build/media/hl_match.truth" "${dst%.*}.truth"
  fi
  encoded+=("$dst")
}
encoded=()
enc mpeg4 mp4 -c:v mpeg4 -q:v 4
enc x264_medium mp4 -c:v libx264 -preset medium
enc x265 mp4 -c:v libx265 -preset ultrafast -x265-params log-level=error
enc vp9_abr webm -c:v libvpx-vp9 -b:v 300k -deadline realtime -cpu-used 8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=("$build/bench-media/hl_bench_1080p.mp4" "$build/media/hl_match.mp4" "$build/media/hl_noaudio.mp4"
  "$build/media/hl_film.mp4" "$build/media/hl_talk.mp4")

now() { date +%s.%N; }
# peak resident memory (MB) of a command, via GNU time when present
peak_mb() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$tmp/mem" "$@" >/dev/null 2>&1
    awk '{printf "%.0f", $1 / 1024}' "$tmp/mem"
  else
    "$@" >/dev/null 2>&1
    echo "n/a"
  fi
}

printf "%-22s %8s %9s %9s %9s %9s %7s\n" file dur_s analysis full_dec speedup e2e_x peak_MB
for f in "${files[@]}"; do
  name=$(basename "$f" .mp4)
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
  # analysis pass alone (best of 3 runs, warm cache)
  best=""
  for _ in 1 2 3; do
    ms=$("$DUMP" "$f" | awk -F'\t' '$1=="analysis_ms"{print $2}')
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  t0=$(now)
  ffmpeg -hide_banner -loglevel error -nostdin -i "$f" -an -f null - 
  t1=$(now)
  read -r count clip < <(awk '/^count/{c=$2}/^clip_duration/{d=$2}END{print c, d}' "${f%.mp4}.truth")
  t2=$(now)
  "$R" highlights "$f" --count "$count" --clip-duration "$clip" >"$tmp/$name.json" 2>/dev/null
  t3=$(now)
  mem=$(peak_mb "$R" highlights "$f" --count "$count" --clip-duration "$clip")
  awk -v n="$name" -v d="$dur" -v a="$best" -v s="$t0" -v e="$t1" -v c0="$t2" -v c1="$t3" -v m="$mem" \
    'BEGIN{full=e-s; an=a/1000; printf "%-22s %8.1f %8.0fx %8.1fx %8.1fx %8.0fx %7s\n", n, d, d/an, d/full, full/an, d/(c1-c0), m}'
done
echo "(analysis = fast pass as a multiple of realtime; full_dec = ffmpeg -i F -an -f null -;"
echo " speedup = analysis vs full decoding; e2e_x = whole 'reelcut highlights' run)"
echo

# quality against the ground truth (all planted highlights, avoid zones, sentences)
for f in "${encoded[@]}"; do
  name=$(basename "$f"); name=${name%.*}
  "$R" highlights "$f" --count 4 --clip-duration 8 >"$tmp/$name.json" 2>/dev/null
done
files+=("${encoded[@]}")
printf "%-22s %6s %9s %6s %6s %10s %12s %8s\n" file clips recall prec avoid ends_in_sp ends_total dur_err
tot_h=0; tot_hit=0; tot_c=0; tot_tp=0; tot_av=0; tot_sp=0; tot_ends=0; sum_err=0
for f in "${files[@]}"; do
  name=$(basename "$f"); name=${name%.*}
  truth="${f%.*}.truth"
  clip=$(awk '/^clip_duration/{print $2}' "$truth")
  jq -r '.Highlights[] | "\(.In) \(.Out) \(.Duration)"' "$tmp/$name.json" >"$tmp/$name.clips"
  line=$(awk -v clip="$clip" '
    FNR==NR { k[++nt]=$1; a[nt]=$2; b[nt]=$3; next }
    { in_[++nc]=$1; out[nc]=$2; du[nc]=$3 }
    function ov(x1,y1,x2,y2) { lo = x1>x2?x1:x2; hi = y1<y2?y1:y2; return hi-lo }
    END {
      nh=0; hit=0; tp=0; av=0; sp=0; err=0
      for (t=1; t<=nt; t++) if (k[t]=="highlight") {
        nh++; found=0
        for (c=1; c<=nc; c++) { o=ov(in_[c],out[c],a[t],b[t]); m=(b[t]-a[t])/2; if (m>3) m=3; if (o>=m) found=1 }
        hit+=found }
      for (c=1; c<=nc; c++) {
        good=0; bad=0
        for (t=1; t<=nt; t++) {
          o=ov(in_[c],out[c],a[t],b[t])
          if (k[t]=="highlight" && o >= 0.5*du[c] - 1e-6) good=1
          if (k[t]=="highlight" && o >= 2) good=1
          if (k[t]=="avoid" && o > 0.3) bad=1
          if (k[t]=="speech") {
            if (in_[c] > a[t]+0.15 && in_[c] < b[t]-0.15) sp++
            if (out[c] > a[t]+0.15 && out[c] < b[t]-0.15) sp++
          }
        }
        tp+=good; av+=bad
        e=(du[c]-clip)/clip; if (e<0) e=-e; err+=e
      }
      printf "%d %d %d %d %d %d %d %.4f\n", nh, hit, nc, tp, av, sp, 2*nc, err
    }' "$truth" "$tmp/$name.clips")
  read -r nh hit nc tp av sp ends err <<<"$line"
  awk -v n="$name" -v nh="$nh" -v hit="$hit" -v nc="$nc" -v tp="$tp" -v av="$av" -v sp="$sp" -v ends="$ends" -v err="$err" \
    'BEGIN{printf "%-22s %6d %9s %6s %6d %10d %12d %7.1f%%\n", n, nc, (nh? sprintf("%d/%d", hit, nh) : "-"), (nc && nh? sprintf("%.2f", tp/nc) : "-"), av, sp, ends, (nc? 100*err/nc : 0)}'
  tot_h=$((tot_h + nh)); tot_hit=$((tot_hit + hit))
  if [ "$nh" -gt 0 ]; then tot_c=$((tot_c + nc)); tot_tp=$((tot_tp + tp)); fi
  tot_all=$((${tot_all:-0} + nc))
  tot_av=$((tot_av + av)); tot_sp=$((tot_sp + sp)); tot_ends=$((tot_ends + ends))
  sum_err=$(awk -v a="$sum_err" -v b="$err" 'BEGIN{print a + b}')
done
awk -v h="$tot_h" -v hit="$tot_hit" -v c="$tot_c" -v tp="$tot_tp" -v av="$tot_av" -v sp="$tot_sp" -v ends="$tot_ends" -v err="$sum_err" -v all="$tot_all" \
  'BEGIN{printf "TOTAL: recall %.2f (target >= 0.9), precision %.2f (files with planted highlights), clips in avoid zones %d (target 0), clip ends inside speech %.1f%% (target <= 5%%), mean duration error %.1f%% of ClipDuration\n", hit/h, tp/c, av, 100*sp/ends, 100*err/all}'
