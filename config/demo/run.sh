#!/bin/sh
# One nightly run of the bundled demo, as `make run` does it: plantrackd
# --once on config/demo/plantrack.json (store in ./var, the csvdrop feed
# reading the illustrative bureau letters in config/demo/feeds/ as file://
# URLs), then the status table and where the bureaus' alert digests were
# written (the demo's mail transport is "file": one .eml per message in
# ./spool). Running it again changes nothing in the store: unchanged files
# are not read twice, and alerts that did not move send nothing new.
#   BIN     the build folder's core/ (default build/core)
#   CONFIG  the configuration (default config/demo/plantrack.json)
#   DB      the store it names (default var/plantrack.db)
#   SPOOL   the mail spool it names (default spool)
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
SPOOL=${SPOOL:-spool}
n=$(find "$SPOOL" -maxdepth 1 -name '*.eml' | wc -l)
echo
echo "mail: $n alert digests in $(cd "$SPOOL" && pwd)/ (one .eml per bureau and evaluation;"
echo "      open one in a mail reader, or: $BIN/plantrack --db $DB alerts)"
exit $rc
