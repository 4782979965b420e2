#!/bin/sh
# The daemon's alert job around its failure paths (issue 5 review):
#  1. plantrackd --once exits 1 when the alert job cannot queue its digests
#     (here the outbox refuses its rows): the alerts did not move and no
#     message went out, which cron must hear about (and a catalogue with a
#     bureau address mail cannot go to is refused before it gets that far);
#  2. SIGHUP with a configuration that drops the mail section: delivery
#     settings change at restart only, so the running mailer keeps getting
#     messages composed with its settings (mail.from) and the templates,
#     instead of every evaluation failing until the restart;
#  3. --check-config refuses what the mailer would refuse at start.
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
# A catalogue whose bureau address the composer could not use is refused at
# the door, naming it: it cannot make every later alert job fail.
python3 - "$CAT" "$WORK/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for b in d["bureaus"]:
    if b["id"] == "hrss":
        b["email"] = "ops@hr_ss.example.org"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
rc=0; "$PLANTRACK" --db "$WORK/bad.db" init --catalogue "$WORK/bad.json" > "$WORK/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'bureaus\[[0-9]*\]\.email: "ops@hr_ss.example.org"' "$WORK/bad.out" \
    || fail "a catalogue with an unusable bureau address was not refused by name (exit $rc): $(cat "$WORK/bad.out")"
# The outbox refuses every row (a trigger): the job rolls back.
"$PLANTRACK" --db "$WORK/once.db" init --catalogue "$CAT" > /dev/null || die "init failed"
"$PLANTRACK" --db "$WORK/once.db" record 3 2023 60 > /dev/null || die "record failed"
sqlite3 "$WORK/once.db" "CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox refused by the test'); END"
cat > "$WORK/once.json" <<EOF
{"store": "$WORK/once.db", "catalogues": ["$CAT"], "plugin_dir": "$WORK/plugins",
 "mail": {"transport": "file", "spool": "$WORK/spool", "from": "plantrack@example.org"},
 "feeds": []}
EOF
rc=0; "$PTD" --once --config "$WORK/once.json" > "$WORK/once.out" 2>&1 || rc=$?
echo "--once with an alert job that cannot queue: exit $rc"
grep -q "alerts not moved.*outbox refused by the test" "$WORK/once.out" \
    || fail "the alert job did not fail as set up: $(cat "$WORK/once.out")"
[ "$rc" = 1 ] || fail "--once exit $rc after the alert job failed, expected 1"
[ "$(sqlite3 "$WORK/once.db" "SELECT COUNT(*) FROM alerts WHERE state <> 'ok'")" = 0 ] \
    || fail "the failed job moved alerts"

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

# --- 3. --check-config runs the mail checks the daemon would run at start
check() { # MAILJSON EXPECTED-TEXT
    cat > "$WORK/c.json" <<EOF
{"store": "$WORK/c.db", "catalogues": ["$CAT"], "plugin_dir": "$WORK/plugins", "mail": $1, "feeds": []}
EOF
    rc=0; "$PTD" --check-config --config "$WORK/c.json" > "$WORK/c.out" 2>&1 || rc=$?
    [ "$rc" = 2 ] && grep -q -F -e "$2" "$WORK/c.out" \
        || fail "--check-config with mail $1: exit $rc, expected 2 and \"$2\": $(cat "$WORK/c.out")"
}
check '{"transport": "smtp", "url": "smtp://mail.example.org:25", "insecure_loopback": true, "from": "plantrack@example.org"}' \
      "insecure_loopback allows plain SMTP only"
check '{"transport": "smtp", "url": "smtp://mail.example.org", "username": "u", "password": {"file": "/nonexistent/pw"}, "from": "plantrack@example.org"}' \
      "mail.password"
check "{\"transport\": \"file\", \"spool\": \"$WORK/no-such-spool\", \"from\": \"plantrack@example.org\"}" \
      "no-such-spool"
check "{\"transport\": \"file\", \"spool\": \"$WORK/spool\", \"from\": \"Plantrack alerts plantrack@example.org\"}" \
      "mail.from"

[ "$FAILED" = 0 ] || exit 1
echo ok
