#!/usr/bin/env bash
# The format gate STYLE.md promises (ctest `format`, label format): every C file under src/ and
# tests/unit must be exactly what clang-format makes of it with the repo's .clang-format.
#
#   bash tests/format/check.sh SRC_DIR [CLANG_FORMAT]
#
# Lists each file that differs (and clang-format's first complaint about it) and exits 1 if any
# does; fix with `clang-format -i FILE`.
set -euo pipefail

src=${1:?usage: check.sh SRC_DIR [CLANG_FORMAT]}
clang_format=${2:-clang-format}
cd "$src"

mapfile -t files < <(find src tests/unit -name '*.[ch]' | LC_ALL=C sort)
if (( ${#files[@]} == 0 )); then
    echo "check.sh: no C files found under $src" >&2
    exit 2
fi

# One clang-format run over every file; its complaints name the files ("f.c:3:1: error: ...").
out=$("$clang_format" --dry-run --Werror "${files[@]}" 2>&1) && status=0 || status=$?
mapfile -t bad < <(grep -oE '^[^:]+:[0-9]+:[0-9]+: error' <<<"$out" | cut -d: -f1 | sort -u)
for f in "${bad[@]}"; do
    echo "not clang-formatted: $f"
    grep -m1 -A1 -F "$f:" <<<"$out" | sed 's/^/    /'
done
echo "clang-format: ${#files[@]} files checked, ${#bad[@]} not formatted"
if (( status != 0 && ${#bad[@]} == 0 )); then
    echo "$out" >&2 # clang-format failed for another reason
fi
(( status == 0 ))
