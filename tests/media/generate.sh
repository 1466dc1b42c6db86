#!/usr/bin/env bash
# Generates the test media into DIR (default build/media) by running every tests/media/gen_*.sh
# with DIR as its argument. Each generator is idempotent (existing files are kept), so a second run
# is instant. All media is made by FFmpeg's lavfi sources or taken from Debian packages at test
# time; nothing large is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/media}
mkdir -p "$out"
for gen in "$here"/gen_*.sh; do
  bash "$gen" "$out"
done
