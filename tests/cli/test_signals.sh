#!/bin/sh
# The daemon under signals, as systemd drives it: READY, a run missed while
# it was down caught up exactly once at start, SIGHUP with a broken
# configuration keeping the old one, SIGHUP with a good one reloading (a
# plugin replaced on disk is the new version; a run in flight finishes on
# the old one), and SIGTERM during a collection: the unit in flight is
# abandoned uncommitted, the daemon exits 0.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; cleanup; exit 1; }
unset PLANTRACK_DB WATCHDOG_USEC PLANTRACK_NOW http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
mkdir -p "$WORK/plugins"
cp "$BUILD/plugins/csvdrop.so" "$BUILD/tests/plugins/testfeed/testfeed.so" "$WORK/plugins/"

SERVER_PID= NOTIFY_PID= DAEMON_PID=
cleanup() {
    for p in $DAEMON_PID $SERVER_PID $NOTIFY_PID; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# A loopback server whose answers take 60 s: a collection stays in flight.
python3 "$SRC/tests/servers/httpd.py" --lifetime 120 < /dev/null > "$WORK/port" 2>/dev/null &
SERVER_PID=$!
# The systemd side of sd_notify: a datagram socket that logs what it hears.
python3 - "$WORK/notify.sock" "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as log:
    while True:
        log.write(s.recv(4096).decode() + "\n---\n")
        log.flush()
PY
NOTIFY_PID=$!
for i in $(seq 50); do [ -s "$WORK/port" ] && [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
PORT=$(cut -d' ' -f1 "$WORK/port")
[ -n "$PORT" ] || die "the test HTTP server did not start"

# waitfor FILE TEXT: up to 15 s for TEXT to appear in FILE
waitfor() {
    for i in $(seq 150); do grep -F -q -e "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

config() {
    python3 - "$WORK/$1.json" "$WORK" "$CAT" "$PORT" "${2:-pass}" <<'PY'
import json, sys
dst, work, cat, port, edit = sys.argv[1:]
cfg = {
    "store": work + "/s.db", "catalogues": [cat], "plugin_dir": work + "/plugins",
    "schedule": "0 3 1 1 *", "shutdown_grace": 1,
    "feeds": [
        {"name": "slow", "plugin": "testfeed", "schedule": "30 1 * * *", "settings": {
            "fetch": "http://127.0.0.1:%s/slow-headers?ms=3000" % port,
            "units": [{"name": "done", "actuals": [{"indicator": "7", "period": "2023", "value": 36}]}]}},
        {"name": "stuck", "plugin": "testfeed", "schedule": "30 1 * * *", "settings": {
            "fetch": "http://127.0.0.1:%s/slow-headers?ms=60000" % port,
            "units": [{"name": "late", "actuals": [{"indicator": "5", "period": "2023", "value": 3.9}]}]}},
        {"name": "quiet", "plugin": "testfeed", "settings": {"units": []}},
    ],
}
exec(edit)
json.dump(cfg, open(dst, "w"))
PY
}
config good
# The store exists, and "slow" last ran long ago: its 01:30 run was missed.
"$PLANTRACK" init --catalogue "$CAT" --db "$WORK/s.db" > /dev/null
sqlite3 "$WORK/s.db" "INSERT INTO runs (plugin, instance, started_at, finished_at, status)
                      VALUES ('testfeed', 'slow', '2024-01-01T00:00:00Z', '2024-01-01T00:00:05Z', 'ok'),
                             ('testfeed', 'stuck', '2024-01-01T00:00:00Z', '2024-01-01T00:00:05Z', 'ok')"

NOTIFY_SOCKET=$WORK/notify.sock "$PTD" --config "$WORK/good.json" > "$WORK/d.out" 2> "$WORK/d.err" &
DAEMON_PID=$!
waitfor "$WORK/notify.log" "READY=1" || die "no READY=1 from the daemon: $(cat "$WORK/d.err")"
waitfor "$WORK/d.err" "feed slow: run" || die "the missed run was not caught up: $(cat "$WORK/d.err")"
sleep 1
[ "$(sqlite3 "$WORK/s.db" "SELECT COUNT(*) FROM runs WHERE instance = 'stuck'")" = 2 ] \
    || fail "catch-up ran $(sqlite3 "$WORK/s.db" "SELECT COUNT(*) - 1 FROM runs WHERE instance = 'slow'") times, expected once"
[ "$(sqlite3 "$WORK/s.db" "SELECT COUNT(*) FROM runs WHERE instance = 'quiet'")" = 0 ] \
    || fail "a feed that never ran was caught up"

# SIGHUP with a broken configuration: refused, the old one keeps running.
cp "$WORK/good.json" "$WORK/saved.json"
config good 'cfg["feedz"] = []'
kill -HUP "$DAEMON_PID"
waitfor "$WORK/d.err" "reload refused" || fail "a broken reload was not refused: $(tail -3 "$WORK/d.err")"
grep -q "feedz: unknown key" "$WORK/d.err" || fail "the refused reload does not say why"
kill -0 "$DAEMON_PID" 2>/dev/null || die "the daemon died on a broken reload"
# SIGHUP with a good one, testfeed replaced on disk by version 2 (a new
# file renamed over the old, as traps.md says to install): a third feed
# appears, the new version is loaded, the runs in flight go on.
cp "$BUILD/tests/plugins/testfeed2/testfeed.so" "$WORK/plugins/.testfeed.so.new"
mv "$WORK/plugins/.testfeed.so.new" "$WORK/plugins/testfeed.so"
config good 'cfg["feeds"].append({"name": "third", "plugin": "testfeed", "settings": {}})'
kill -HUP "$DAEMON_PID"
waitfor "$WORK/d.err" "reloaded: 4 feeds" || fail "a good reload did not happen: $(tail -3 "$WORK/d.err")"
grep -q "reloaded: 4 feeds on plugin generation 2 (csvdrop 1.0, testfeed 2)" "$WORK/d.err" \
    || fail "the replaced plugin was not reloaded: $(grep reloaded "$WORK/d.err")"
waitfor "$WORK/notify.log" "RELOADING=1" || fail "no RELOADING=1"
[ "$(sqlite3 "$WORK/s.db" "SELECT status FROM runs WHERE instance = 'stuck' ORDER BY id DESC LIMIT 1")" = running ] \
    || fail "the run in flight did not survive the reload"
# The slow run ends after the reload, on the plugin it started with, which
# is then unloaded: the daemon carries on.
waitfor "$WORK/d.err" "feed slow: run 3 ok" || fail "the slow run did not finish: $(tail -3 "$WORK/d.err")"
sleep 0.5
kill -0 "$DAEMON_PID" 2>/dev/null || die "the daemon died when a run of a retired plugin ended"
[ "$(sqlite3 "$WORK/s.db" "SELECT COUNT(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 7")" = 1 ] \
    || fail "the run that finished after the reload did not commit"

# SIGTERM during the collection: the grace period passes, the unit in
# flight is abandoned, nothing of it is stored, exit 0.
kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" = 0 ] || fail "the daemon exited $rc after SIGTERM, expected 0: $(tail -5 "$WORK/d.err")"
grep -q "STOPPING=1" "$WORK/notify.log" || fail "no STOPPING=1"
grep -q "abandoned" "$WORK/d.err" || fail "the abandoned collection is not logged"
[ "$(sqlite3 "$WORK/s.db" "SELECT COUNT(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 5")" = 0 ] \
    || fail "a partial unit reached the store"
[ "$(sqlite3 "$WORK/s.db" "SELECT status FROM runs WHERE instance = 'stuck' ORDER BY id DESC LIMIT 1")" = failed ] \
    || fail "the abandoned run's record: $(sqlite3 "$WORK/s.db" "SELECT * FROM runs")"
sqlite3 "$WORK/s.db" "PRAGMA integrity_check" | grep -q '^ok$' || fail "the store is damaged"

[ "$FAILED" = 0 ] || exit 1
echo ok
