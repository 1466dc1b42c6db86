#!/usr/bin/env bash
# Installs what reelcut needs on Debian 12, and nothing that is already there.
#   scripts/deps.sh build   libraries and tools to build and run the service
#   scripts/deps.sh test    plus what the test suite and benchmarks use (servers, media, npm client)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake ninja-build pkg-config ffmpeg
  libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
  libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libinih-dev libpq-dev libhiredis-dev)
test_pkgs=(libcmocka-dev opencv-doc espeak-ng sqlite3 jq curl time
  postgresql python3-swift redis-server libhiredis-dev
  clang libclang-rt-14-dev # libFuzzer + sanitizer runtimes for tests/fuzz (Debian 12: clang 14)
  clang-format             # the format gate (ctest -L format, tests/format/check.sh)
  python3-numpy            # bench/shots/train.py (the shot models)
  planetblupi-common renpy-demo # bench/shots: animated cut-scenes and a launch clip made by others
  chromium)                # headless browser of the dashboard tests (driven by npm playwright-core)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js may come from Debian (nodejs + npm) or another packaging that bundles npm: take any.
if [ "${1:-build}" = test ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Do not let package scripts start services (postgresql, redis): the tests start their own.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

if [ "${1:-build}" = test ] && [ -f tests/client/package.json ]; then
  if [ ! -d tests/client/node_modules ] || [ tests/client/package-lock.json -nt tests/client/node_modules ]; then
    (cd tests/client && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
