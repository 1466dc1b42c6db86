#!/usr/bin/env bash
# bench/shots/run.sh BUILD_DIR: shot detection quality (precision/recall/F1, hard and gradual
# separately, cuts on negatives) of reelcut on the synthetic set (tests/media/gen_shots.sh) and the
# opencv-doc clips, with FFmpeg's scdet filter measured in the same run as the baseline.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
media=$build/media
bash "$src/tests/media/gen_shots.sh" "$media" >&2
work=$build/bench-shots
rm -rf "$work" && mkdir -p "$work/truth" "$work/reelcut" "$work/scdet"
names=()
for t in "$media"/shots/*.truth; do
  n=$(basename "$t" .truth)
  cp "$t" "$work/truth/"
  f=$(ls "$media/shots/$n".* | grep -v '\.truth$' | head -1)
  ln -sf "$f" "$work/truth/$n.media"
  names+=("$n")
done
opencv=/usr/share/doc/opencv-doc/examples/data
if [ -f "$opencv/Megamind.avi" ]; then
  # New shots begin at the frames with timestamps 99, 155 and 201 (23.976 fps).
  printf 'fps 24000/1001\nhard 4.129125\nhard 6.464792\nhard 8.383375\n' >"$work/truth/Megamind.truth"
  ln -sf "$opencv/Megamind.avi" "$work/truth/Megamind.media"
  printf 'fps 10\n' >"$work/truth/vtest.truth"
  ln -sf "$opencv/vtest.avi" "$work/truth/vtest.media"
  names+=(Megamind vtest)
fi
for n in "${names[@]}"; do
  m="$work/truth/$n.media"
  "$build/shots_detect" "$m" >"$work/reelcut/$n.cuts"
  # scdet: its default threshold (10) and its own timestamps, from the same decode.
  ffmpeg -hide_banner -nostdin -loglevel error -i "$m" -an \
    -vf "scdet=threshold=10,metadata=print:key=lavfi.scd.time:file=-" -f null - 2>/dev/null |
    sed -n 's/^lavfi.scd.time=//p' >"$work/scdet/$n.cuts" || true
done
echo "== reelcut (shots_detect, default min shot)"
python3 "$here/evaluate.py" "$work/truth" "$work/reelcut" "${names[@]}"
echo "== ffmpeg scdet (threshold 10)"
python3 "$here/evaluate.py" "$work/truth" "$work/scdet" "${names[@]}" 2>/dev/null
