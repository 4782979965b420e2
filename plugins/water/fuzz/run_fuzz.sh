#!/bin/sh
# Runs one water fuzz target through the shared runner
# (plugins/airquality/fuzz/run_fuzz.sh: BINARY SECONDS ARTIFACTS DICT SEEDS...).
# A target that is not built (`make build-fuzz` builds a named list of
# targets) is reported as skipped (77), not as a crash.
set -eu
if [ ! -x "$1" ]; then
    echo "$(basename "$1"): not built (cmake --build build-fuzz --target $(basename "$1"))"
    exit 77
fi
exec sh "$(dirname "$0")/../../airquality/fuzz/run_fuzz.sh" "$@"
