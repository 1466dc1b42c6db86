#!/usr/bin/env bash
# Generates the test media into DIR (default build/media) by running every tests/media/gen_*.sh
# with DIR as its argument. Each generator is idempotent (existing files are kept), so a second run
# is instant. All media is made by FFmpeg's lavfi sources or taken from Debian packages at test
# time; nothing large is committed.
#
# A generator that changed since its files were made would leave stale media behind (its files
# exist, so it keeps them): DIR/.gen/NAME.sha remembers the script each generator last ran as and
# DIR/.gen/NAME.files the files it made; when the script differs, those files are removed first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/media}
mkdir -p "$out/.gen"
for gen in "$here"/gen_*.sh; do
  name=$(basename "$gen" .sh)
  sha=$(sha256sum "$gen" | cut -d' ' -f1)
  if [ -f "$out/.gen/$name.sha" ] && [ "$(cat "$out/.gen/$name.sha")" != "$sha" ] &&
    [ -f "$out/.gen/$name.files" ]; then
    echo "$name.sh changed: making its media again" >&2
    while IFS= read -r f; do if [ -n "$f" ]; then rm -f "$out/$f"; fi; done <"$out/.gen/$name.files"
  fi
  before=$(cd "$out" && find . -maxdepth 1 -type f | sort)
  bash "$gen" "$out"
  after=$(cd "$out" && find . -maxdepth 1 -type f | sort)
  comm -13 <(echo "$before") <(echo "$after") | grep . >>"$out/.gen/$name.files" || true
  sort -u -o "$out/.gen/$name.files" "$out/.gen/$name.files"
  echo "$sha" >"$out/.gen/$name.sha"
done
