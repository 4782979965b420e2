#!/bin/sh
# One nightly run of the bundled demo, as `make run` does it: plantrackd
# --once on config/demo/plantrack.json (store in ./var, the csvdrop feed
# reading the illustrative bureau letters in config/demo/feeds/ as file://
# URLs), then the status table. Running it again changes nothing in the
# store: unchanged files are not read twice.
#   BIN     the build folder's core/ (default build/core)
#   CONFIG  the configuration (default config/demo/plantrack.json)
#   DB      the store it names (default var/plantrack.db)
set -eu
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/core}
CONFIG=${CONFIG:-config/demo/plantrack.json}
DB=${DB:-var/plantrack.db}
mkdir -p var spool
rc=0
"$BIN/plantrackd" --once --config "$CONFIG" || rc=$?
echo
"$BIN/plantrack" --db "$DB" status
exit $rc
