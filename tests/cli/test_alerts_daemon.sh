#!/bin/sh
# The daemon's alert job around its failure paths (issue 5 review):
#  1. plantrackd --once exits 1 when the alert job cannot queue its digests
#     (here a bureau address the composer refuses): the alerts did not move
#     and no message went out, which cron must hear about;
#  2. SIGHUP with a configuration that drops the mail section: delivery
#     settings change at restart only, so the running mailer keeps getting
#     messages composed with its settings (mail.from) and the templates,
#     instead of every evaluation failing until the restart.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/spool" "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB PLANTRACK_FAULT WATCHDOG_USEC NOTIFY_SOCKET http_proxy https_proxy all_proxy \
      HTTP_PROXY HTTPS_PROXY ALL_PROXY || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
cp "$BUILD/tests/plugins/testfeed/testfeed.so" "$WORK/plugins/"
export PLANTRACK_NOW=2024-07-01T00:00:00Z

# --- 1. --once and an alert job that fails
python3 - "$CAT" "$WORK/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for b in d["bureaus"]:
    if b["id"] == "hrss":
        b["email"] = "ops@hr_ss.example.org"  # the catalogue takes it, the composer does not
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
"$PLANTRACK" --db "$WORK/once.db" init --catalogue "$WORK/bad.json" > /dev/null || die "init failed"
cat > "$WORK/once.json" <<EOF
{"store": "$WORK/once.db", "catalogues": ["$WORK/bad.json"], "plugin_dir": "$WORK/plugins",
 "mail": {"transport": "file", "spool": "$WORK/spool", "from": "plantrack@example.org"},
 "feeds": []}
EOF
rc=0; "$PTD" --once --config "$WORK/once.json" > "$WORK/once.out" 2>&1 || rc=$?
echo "--once with an alert job that cannot queue: exit $rc"
grep -q "alerts not moved" "$WORK/once.out" || fail "the alert job did not fail as set up: $(cat "$WORK/once.out")"
[ "$rc" = 1 ] || fail "--once exit $rc after the alert job failed, expected 1"

# --- 2. SIGHUP drops the mail section while the mailer runs
"$PLANTRACK" --db "$WORK/d.db" init --catalogue "$CAT" > /dev/null || die "init failed"
# "f" last ran long ago: its 01:30 run is caught up at start; its actual
# makes the evaluation job run 5 s after it.
sqlite3 "$WORK/d.db" "INSERT INTO runs (plugin, instance, started_at, finished_at, status)
                      VALUES ('testfeed', 'f', '2024-01-01T00:00:00Z', '2024-01-01T00:00:05Z', 'ok')"
config() { # FILE MAIL
    cat > "$1" <<EOF
{"store": "$WORK/d.db", "catalogues": ["$CAT"], "plugin_dir": "$WORK/plugins",
 "schedule": "30 1 * * *", "evaluation": {"schedule": "0 3 1 1 *"}, "shutdown_grace": 1, $2
 "feeds": [{"name": "f", "plugin": "testfeed", "settings": {"units": [{"name": "u",
            "actuals": [{"indicator": "3", "period": "2023", "value": 60}]}]}}]}
EOF
}
config "$WORK/with.json" "\"mail\": {\"transport\": \"file\", \"spool\": \"$WORK/spool\", \"from\": \"plantrack@example.org\"},"
config "$WORK/without.json" ""
cp "$WORK/with.json" "$WORK/d.json"
"$PTD" --config "$WORK/d.json" > "$WORK/d.out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
waitfor() { # TEXT: up to 15 s for it in the daemon's log
    for i in $(seq 150); do grep -F -q -e "$1" "$WORK/d.out" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
waitfor "running:" || die "the daemon did not start: $(cat "$WORK/d.out")"
cp "$WORK/without.json" "$WORK/d.json"
kill -HUP $PID
waitfor "reloaded" || fail "the reload did not happen: $(cat "$WORK/d.out")"
waitfor "alerts" || fail "no evaluation job after the reload: $(cat "$WORK/d.out")"
waitfor "written to" || true
kill -TERM $PID; wait $PID 2>/dev/null || true; trap - EXIT
grep -q "alerts not moved" "$WORK/d.out" \
    && fail "after a reload without mail, the alert job failed: $(grep 'alerts not moved' "$WORK/d.out")"
N=$(sqlite3 "$WORK/d.db" "SELECT COUNT(*) FROM outbox")
echo "after the reload: $N messages queued, $(ls "$WORK/spool" | grep -c '\.eml$' || true) in the spool"
[ "$N" -ge 1 ] || fail "no message queued after the reload"
grep -q "From: plantrack@example.org" "$WORK"/spool/*.eml 2>/dev/null \
    || fail "the digests are not in the spool, from the running mailer's address"

[ "$FAILED" = 0 ] || exit 1
echo ok
