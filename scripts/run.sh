#!/usr/bin/env bash
# The main job on embedded defaults. Until `reelcut serve` exists (issue 3), this runs the
# command-line segmentation on a generated sample video and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/reelcut
if "$bin" serve --help >/dev/null 2>&1; then
  exec "$bin" serve --listen 127.0.0.1:8080 --data-dir ./data
fi
echo "reelcut: the service is not built yet; running the CLI on a generated sample instead." >&2
tests/media/generate.sh data/sample >/dev/null
"$bin" segment data/sample/sample.mp4
