#!/usr/bin/env bash
# bench/storage/run.sh BUILD_DIR: S3 upload and download throughput of the blob layer
# (BUILD_DIR/blob_tool: streaming PUT, multipart past 100 MB, GET to a temp file) beside the curl
# command line (--aws-sigv4) against the same throwaway Swift s3api server in the same run, for
# 50 MB and 200 MB objects, best of REPS (default 5) runs each and the median of the per-run
# ratios (each run pairs the two clients back to back); plus blob_tool's peak RSS per size
# (flat = streaming). Both download the object blob_tool uploaded (multipart past 100 MB: Swift
# serves those slower than single objects, the same for both clients). Then the ranged reader
# (BUILD_DIR/reader_tool) on a 200 MB MP4 with moov at the end. Use a Release build (sanitizers
# dominate otherwise): ninja -C build blob_tool reader_tool. Figures: bench/storage/README.md.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
reps=${REPS:-5}
tool=$build/blob_tool
[ -x "$tool" ] || { echo "no $tool: build the blob_tool target first" >&2; exit 1; }
[ -x "$build/reader_tool" ] || { echo "no $build/reader_tool: build reader_tool too" >&2; exit 1; }
work=$(mktemp -d /tmp/reelcut-bench-s3.XXXXXX)
trap 'bash "$src/tests/s3/swift.sh" stop "$work/swift" || true; rm -rf "$work"' EXIT
bash "$src/tests/s3/swift.sh" start "$work/swift" >&2
set -a; . "$work/swift/env"; set +a
curl_s3() {
  curl -sS -f --netrc-file "$work/swift/netrc" --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}
"$tool" mkbucket bench >/dev/null
mkdir -p "$work/dl"

best() { sort -g | tail -1; }   # highest MB/s
median() { sort -g | awk '{v[NR]=$1} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# CPU seconds used so far by the Swift servers (proxy, account, container, object).
swift_cpu() {
  local t=0 p
  for p in $(cat "$work"/swift/run/*.pid); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t/hz}'
}
printf '%-8s %-6s %12s %12s %8s %8s %14s\n' size op 'curl MB/s' 'blob MB/s' 'best' 'paired' 'blob RSS KiB'
for mb in 50 200; do
  f=$work/obj-$mb.bin
  head -c $((mb * 1000 * 1000)) /dev/urandom >"$f"
  bytes=$(stat -c %s "$f")
  cu=() bu=() cd=() bd=() ru=() rd=() rss=0 scu=0 sbu=0
  # Alternate who goes first: the server's background work after a write slows the next one.
  for rep in $(seq "$reps"); do
    order=(curl blob); [ $((rep % 2)) -eq 0 ] && order=(blob curl)
    for who in "${order[@]}"; do
      if [ "$who" = curl ]; then
        c0=$(swift_cpu)
        t=$(curl_s3 -o /dev/null -w '%{time_total}' -T "$f" "$S3_ENDPOINT/bench/curl-$mb")
        scu=$(awk -v a="$scu" -v b="$(swift_cpu)" -v c="$c0" 'BEGIN{print a+b-c}')
        cu+=("$(awk -v b="$bytes" -v t="$t" 'BEGIN{printf "%.1f", b/1e6/t}')")
      else
        c0=$(swift_cpu)
        REELCUT_LOG=debug "$tool" put bench "blob-$mb" "$f" >"$work/put.out" 2>"$work/put.log"
        sbu=$(awk -v a="$sbu" -v b="$(swift_cpu)" -v c="$c0" 'BEGIN{print a+b-c}')
        read -r _ _ _ mbs r <"$work/put.out"
        grep -o '[0-9]* parts of .*' "$work/put.log" >>"$work/parts-$mb" || true
        bu+=("$mbs"); [ "$r" -gt "$rss" ] && rss=$r
      fi
    done
    ru+=("$(awk -v b="${bu[-1]}" -v c="${cu[-1]}" 'BEGIN{printf "%.3f", b/c}')")
    for who in "${order[@]}"; do
      if [ "$who" = curl ]; then
        t=$(curl_s3 -o "$work/dl/curl.bin" -w '%{time_total}' "$S3_ENDPOINT/bench/blob-$mb")
        cmp -s "$f" "$work/dl/curl.bin" || { echo "curl download differs" >&2; exit 1; }
        rm -f "$work/dl/curl.bin"
        cd+=("$(awk -v b="$bytes" -v t="$t" 'BEGIN{printf "%.1f", b/1e6/t}')")
      else
        read -r _ _ _ mbs r < <("$tool" get bench "blob-$mb" "$work/dl")
        bd+=("$mbs"); [ "$r" -gt "$rss" ] && rss=$r
      fi
    done
    rd+=("$(awk -v b="${bd[-1]}" -v c="${cd[-1]}" 'BEGIN{printf "%.3f", b/c}')")
  done
  echo "samples ${mb}MB MB/s: curl up ${cu[*]} | blob up ${bu[*]} | curl down ${cd[*]} | blob down ${bd[*]}" >&2
  echo "server CPU per ${mb}MB upload: curl $(awk -v s="$scu" -v n="$reps" 'BEGIN{printf "%.2f", s/n}') s, blob $(awk -v s="$sbu" -v n="$reps" 'BEGIN{printf "%.2f", s/n}') s" >&2
  [ -s "$work/parts-$mb" ] && sed "s/^/multipart ${mb}MB: /" "$work/parts-$mb" >&2
  for op in upload download; do
    if [ $op = upload ]; then c=$(printf '%s\n' "${cu[@]}" | best) b=$(printf '%s\n' "${bu[@]}" | best)
      p=$(printf '%s\n' "${ru[@]}" | median)
    else c=$(printf '%s\n' "${cd[@]}" | best) b=$(printf '%s\n' "${bd[@]}" | best)
      p=$(printf '%s\n' "${rd[@]}" | median); fi
    printf '%-8s %-6s %12s %12s %7.0f%% %7.0f%% %14s\n' "${mb}MB" "$op" "$c" "$b" \
      "$(awk -v b="$b" -v c="$c" 'BEGIN{print 100*b/c}')" "$(awk -v p="$p" 'BEGIN{print 100*p}')" "$rss"
  done
  rm -f "$f"
done

# Ranged reads (blob_open_reader) of a ~200 MB MP4 whose moov index is at the end (no faststart),
# by BUILD_DIR/reader_tool: a GetMediaInfo-style probe through the reader against downloading the
# object and probing the local copy, and a sequential read through the reader against blob_tool's
# plain download - same server, same run, best (lowest time) of REPS.
rtool=$build/reader_tool
[ -x "$rtool" ] || { echo "no $rtool: build the reader_tool target first" >&2; exit 1; }
bash "$src/tests/media/gen_moov_end.sh" "$work" >&2
ffmpeg -hide_banner -loglevel error -nostdin -y -stream_loop 19 -i "$work/moov_end.mp4" -c copy \
  "$work/moov_end_200.mp4"
mbytes=$(stat -c %s "$work/moov_end_200.mp4")
cp "$work/moov_end_200.mp4" "$work/upload.mp4"
"$tool" put bench media/moov_end_200.mp4 "$work/upload.mp4" >/dev/null
rp=() gp=() rr=() gd=() fetched=0 gets=0 rfetched=0 rgets=0
for rep in $(seq "$reps"); do
  read -r _ _ t f g _ < <("$rtool" probe bench media/moov_end_200.mp4 "$work/dl"); rp+=("$t")
  fetched=$f gets=$g
  read -r _ _ t _ < <("$rtool" getprobe bench media/moov_end_200.mp4 "$work/dl"); gp+=("$t")
  read -r _ _ t f g _ < <("$rtool" read bench media/moov_end_200.mp4 "$work/dl"); rr+=("$t")
  rfetched=$f rgets=$g
  read -r _ _ t _ _ < <("$tool" get bench media/moov_end_200.mp4 "$work/dl"); gd+=("$t")
done
low() { sort -g | head -1; }
echo
printf 'ranged reads of a %d MB MP4 (moov at the end), best of %d\n' $((mbytes / 1000000)) "$reps"
printf '%-34s %9s %16s %6s\n' op seconds 'bytes fetched' GETs
printf '%-34s %9s %16s %6s\n' 'probe through the ranged reader' "$(printf '%s\n' "${rp[@]}" | low)" \
  "$fetched" "$gets"
printf '%-34s %9s %16s %6s\n' 'download, then probe the copy' "$(printf '%s\n' "${gp[@]}" | low)" \
  "$mbytes" 1
printf '%-34s %9s %16s %6s\n' 'sequential read, ranged reader' "$(printf '%s\n' "${rr[@]}" | low)" \
  "$rfetched" "$rgets"
printf '%-34s %9s %16s %6s\n' 'download to a temp file' "$(printf '%s\n' "${gd[@]}" | low)" \
  "$mbytes" 1
