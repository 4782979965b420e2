#!/bin/sh
# One nightly run of the bundled demo, as `make run` does it: create or
# migrate the store in ./var, load the catalogue, record the demo actuals
# and print the status table. Running it again changes nothing in the store.
#   BIN  directory holding the plantrack binary (default build/core)
#   DB   the store (default var/plantrack.db)
set -eu
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/core}
DB=${DB:-var/plantrack.db}
mkdir -p "$(dirname "$DB")" spool
pt() { "$BIN/plantrack" --db "$DB" "$@"; }

pt init --catalogue config/indicators/shijiazhuang-2021-2025.json

echo "demo: no feed plugins exist yet; recording the illustrative actuals of"
echo "demo: config/demo/actuals.txt through plantrack record (source \"demo\")"
added=0
while read -r id period value as_of; do
    case "$id" in ''|'#'*) continue ;; esac
    if [ -n "$as_of" ]; then
        out=$(pt record "$id" "$period" "$value" --provisional --as-of "$as_of" --source demo)
    else
        out=$(pt record "$id" "$period" "$value" --source demo)
    fi
    case "$out" in recorded*) added=$((added + 1)) ;; esac
done < config/demo/actuals.txt
echo "demo: $added new actual vintages recorded"
echo "demo: e-mail alerts are not implemented yet; nothing is written to ./spool"
echo
pt status
