#!/bin/sh
# plantrackd --check-config and --once: configuration errors name the file
# and the JSON path and exit 2; broken plugins are refused with their
# message while the other feeds still run and commit; a failed unit commits
# nothing while the units around it do; --once exits 1 when anything failed.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB NOTIFY_SOCKET WATCHDOG_USEC || true
export PLANTRACK_NOW=2025-12-15T00:00:00Z
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json

# A plugin folder with the good plugins and every kind of broken one.
# (goodplugins: only the ones that load.)
mkdir -p "$WORK/plugins" "$WORK/goodplugins" "$WORK/drop"
cp "$BUILD/plugins/csvdrop.so" "$WORK/plugins/"
cp "$BUILD/plugins/csvdrop.so" "$BUILD/tests/plugins/testfeed/testfeed.so" "$WORK/goodplugins/"
for p in testfeed failing_init bad_major bad_minor no_descriptor unresolved dup_csvdrop; do
    cp "$BUILD/tests/plugins/$p/$p.so" "$WORK/plugins/"
done
printf 'indicator,period,value,unit\n3,2022,67.6,%%\nforest-coverage,2024,42.6,\n' > "$WORK/drop/a-good.csv"
printf 'indicator,period,value\n12,2023,97.5\n12,2024,ninety\n' > "$WORK/drop/b-bad.csv"

# config NAME [PYTHON-EDIT]: writes $WORK/NAME.json from the base below,
# edited by the Python statement (cfg is the dict).
config() {
    python3 - "$WORK/$1.json" "$WORK" "$CAT" "${2:-pass}" <<'PY'
import json, sys
dst, work, cat, edit = sys.argv[1:]
cfg = {
    "store": work + "/s.db",
    "catalogues": [cat],
    "plugin_dir": work + "/goodplugins",
    "shutdown_grace": 2,
    "feeds": [
        {"name": "letters", "plugin": "csvdrop", "settings": {"folder": "drop"}},
        {"name": "tf", "plugin": "testfeed", "settings": {"units": [
            {"name": "u1", "actuals": [{"indicator": "3", "period": "2023", "value": 67.9}],
             "observations": [{"series": "pm2_5", "site": "1029A", "time": 1640995200,
                               "value": 35, "unit": "ug/m3"},
                              {"series": "pm2_5", "site": "1030A", "time": 1640995200,
                               "value": 0.041, "unit": "mg/m³"}]},
            {"name": "u2", "actuals": [{"indicator": "10", "period": "2023", "value": 78.3},
                                       {"indicator": "no-such-indicator", "period": "2023",
                                        "value": 1}]},
            {"name": "u3", "cursor": "after-u3",
             "actuals": [{"indicator": "14", "period": "2023", "value": 11.1}]}]}},
        {"name": "broken", "plugin": "failing-init"},
    ],
}
exec(edit)
json.dump(cfg, open(dst, "w"))
PY
}

# --- --check-config ------------------------------------------------------
config valid 'del cfg["feeds"][2]'
# (the configurations below keep the failing-init feed: each is refused for
# its own reason first)
"$PTD" --check-config --config "$WORK/valid.json" > "$WORK/out" 2> "$WORK/err" \
    || fail "--check-config refused a valid configuration: $(cat "$WORK/err")"
grep -q "valid" "$WORK/out" || fail "--check-config did not say valid: $(cat "$WORK/out")"
[ ! -e "$WORK/s.db" ] || fail "--check-config created the store"

# check_refused NAME EDIT TEXT...: --check-config exits 2 naming each TEXT
check_refused() {
    name=$1; edit=$2; shift 2
    config "$name" "$edit"
    rc=0
    "$PTD" --check-config --config "$WORK/$name.json" > "$WORK/out" 2> "$WORK/err" || rc=$?
    [ "$rc" = 2 ] || fail "$name: --check-config exited $rc, expected 2 ($(cat "$WORK/err"))"
    for text in "$@"; do
        grep -F -q -e "$text" "$WORK/err" || fail "$name: stderr lacks '$text': $(cat "$WORK/err")"
    done
}
check_refused typo 'cfg["schedul"] = "0 1 * * *"' "$WORK/typo.json" "schedul: unknown key"
check_refused feedtypo 'cfg["feeds"][0]["plugn"] = "x"' "feeds[0].plugn: unknown key"
check_refused cron2 'cfg["schedule"] = "0 25 * * *"' "cron2.json: schedule" "field 2 (hour)"
check_refused zone 'cfg["timezone"] = "Mars/Olympus"' "timezone: unknown time zone"
check_refused zonedir 'cfg["timezone"] = "Asia"' "timezone: unknown time zone"
check_refused never 'cfg["feeds"][0]["schedule"] = "0 0 30 2 *"' "feeds[0].schedule: cron \"0 0 30 2 *\" never fires"
check_refused noplugin 'cfg["feeds"][0]["plugin"] = "nosuch"' 'no plugin "nosuch"'
check_refused settings 'cfg["feeds"][0]["settings"] = {}' "feeds[0] (letters)" "folder or urls"
check_refused dupname 'cfg["feeds"][1]["name"] = "letters"' 'feeds[1].name: duplicate feed name'
check_refused initfail 'cfg["plugin_dir"] = work + "/plugins"' "bad_major.so: refused" "unresolved.so: cannot load"
# a duplicate key in the text
config dupkey
sed 's/"shutdown_grace": 2/"shutdown_grace": 2, "shutdown_grace": 3/' "$WORK/dupkey.json" > "$WORK/dupkey2.json"
rc=0; "$PTD" --check-config --config "$WORK/dupkey2.json" 2> "$WORK/err" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q "dupkey2.json: shutdown_grace: duplicate key" "$WORK/err" \
    || fail "duplicate key: rc $rc: $(cat "$WORK/err")"
# a secret others can read is refused; one only its owner reads is accepted
printf 'hunter2\n' > "$WORK/key"; chmod 644 "$WORK/key"
check_refused secret "cfg['feeds'][1]['secrets'] = {'api_key': {'file': '$WORK/key'}}; del cfg['feeds'][2]" \
    "$WORK/key is readable by others" "chmod 600"
chmod 600 "$WORK/key"
config secretok "cfg['feeds'][1]['secrets'] = {'api_key': {'file': '$WORK/key'}}; del cfg['feeds'][2]"
"$PTD" --check-config --config "$WORK/secretok.json" >/dev/null 2> "$WORK/err" \
    || fail "a secret file with mode 600 was refused: $(cat "$WORK/err")"
rc=0; "$PTD" --bogus 2>/dev/null || rc=$?; [ "$rc" = 2 ] || fail "an unknown option exited $rc"
"$PTD" --help | grep -q SYNOPSIS || fail "--help has no SYNOPSIS"

# --- --once with broken plugins beside good ones -------------------------
config once 'cfg["plugin_dir"] = work + "/plugins"'
rc=0
"$PTD" --once --config "$WORK/once.json" > "$WORK/once.out" 2> "$WORK/once.err" || rc=$?
[ "$rc" = 1 ] || fail "--once exited $rc, expected 1 (a feed failed): $(tail -5 "$WORK/once.err")"
for text in "bad_major.so: refused" "bad_minor.so: refused" "no_descriptor.so: refused" \
            "unresolved.so: cannot load" "always fails to start" \
            "b-bad.csv: line 3: value \"ninety\" is not a number" \
            "unknown indicator \"no-such-indicator\""; do
    grep -F -q -e "$text" "$WORK/once.err" || fail "--once log lacks '$text'"
done
q() { sqlite3 "$WORK/s.db" "$1"; }
[ "$(q "SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 3 AND period = '2023'")" = 67.9 ] \
    || fail "testfeed's unit u1 did not commit"
[ "$(q "SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 14")" = 11.1 ] \
    || fail "testfeed's unit u3 (after the failed u2) did not commit"
[ "$(q "SELECT COUNT(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no IN (10, 12)")" = 0 ] \
    || fail "a failed unit committed something"
[ "$(q "SELECT COUNT(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 21")" = 1 ] \
    || fail "the good CSV file was not ingested"
[ "$(q "SELECT cursor FROM cursors WHERE instance = 'tf'")" = after-u3 ] || fail "the cursor did not commit with u3"
[ "$(q "SELECT group_concat(o.value) FROM observations o JOIN sites s ON s.id = o.site_id ORDER BY s.code")" = "35.0,41.0" ] \
    || fail "observations not stored in µg/m³: $(q 'SELECT * FROM observations')"
[ "$(q "SELECT group_concat(instance || ':' || status, ' ') FROM runs ORDER BY instance")" = "letters:partial tf:partial" ] \
    || fail "run records: $(q 'SELECT * FROM runs')"
q "SELECT error FROM runs WHERE instance = 'letters'" | grep -q "b-bad.csv: line 3" \
    || fail "the run record does not say which line of which file was bad"

# A station-hour delivered again with another value is a correction: the
# new value wins and the old one is kept as history.
config again 'del cfg["feeds"][2]; del cfg["feeds"][0]; u = cfg["feeds"][0]["settings"]["units"]; u[0]["observations"][0]["value"] = 36; del u[1]'
"$PTD" --once --config "$WORK/again.json" > /dev/null 2> "$WORK/again.err" \
    || fail "second --once failed: $(tail -3 "$WORK/again.err")"
[ "$(q "SELECT value FROM observations o JOIN sites s ON s.id = o.site_id WHERE s.code = '1029A'")" = 36.0 ] \
    || fail "the corrected value did not win"
[ "$(q "SELECT value FROM observation_history")" = 35.0 ] || fail "the old value was not kept as history"
[ "$(q "SELECT COUNT(*) FROM observation_history")" = 1 ] || fail "an unchanged value went to history"
grep -q "cursor was after-u3" "$WORK/again.err" || fail "the plugin did not read its cursor back"

[ "$FAILED" = 0 ] || exit 1
echo ok
