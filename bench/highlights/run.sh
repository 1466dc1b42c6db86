#!/usr/bin/env bash
# Highlight extraction benchmark: quality on seeded generated cases, reported separately for the
# tuning and the held-out seeds, and analysis speed beside full decoding. See README.md.
# Usage: bench/highlights/run.sh [BUILD_DIR] [bench.py options]   (default build, an optimised
#   build: cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build -j2)
# Cases are cached by seed in BUILD_DIR/hl-cases, the 1080p speed file in BUILD_DIR/bench-media.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
shift || true
exec nice -n 10 python3 "$src/bench/highlights/bench.py" "$build" "$@"
