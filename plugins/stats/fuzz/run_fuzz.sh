#!/bin/sh
# Runs one libFuzzer target for a while: run_fuzz.sh BINARY SECONDS ARTIFACTS DICT SEEDS...
# (plugins/airquality/fuzz/run_fuzz.sh, and exit 77, a skip, when BINARY was not built)
# The corpus grows in a temporary directory seeded from the SEEDS directories
# (committed seeds and the tests' data), removed afterwards; a crashing input
# is kept in ARTIFACTS. PT_FUZZ_SECONDS in the environment overrides SECONDS
# (`make fuzz FUZZ_SECONDS=600`). Prints libFuzzer's final figures; on a
# failure, the end of its log.
set -eu
bin=$1 secs=${PT_FUZZ_SECONDS:-$2} artifacts=$3 dict=$4
shift 4
name=$(basename "$bin")
if [ ! -x "$bin" ]; then
    echo "$name: not built (cmake --build build-fuzz --target $name)" >&2
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/pt-$name-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$artifacts"
for seeds in "$@"; do
    for f in "$seeds"/*; do
        case $f in *.md) continue ;; esac
        if [ -f "$f" ]; then cp "$f" "$work/corpus/"; fi
    done
done
rc=0
# -rss_limit_mb: libFuzzer's default, stated: the parsers bound their memory, so a
# run that grows past it is a bug. -max_len: 8 KiB holds each seed message (the
# seeds are the test messages without names and links); smaller inputs run
# faster. -timeout: 10 s on one input is a hang.
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=8192 -timeout=10 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$artifacts/" "$work/corpus" > "$work/log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$work/log"
    echo "$name: FAILED (exit $rc); the input is in $artifacts/" >&2
    exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
cov=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]*\).*\(corp: [^ ]*\).*/\1 \2/p')
echo "$name: $runs runs in $secs s, no crash ($cov)"
