#!/bin/sh
# Alerts to e-mail through the real daemon and a real SMTP relay on loopback
# (tests/servers/smtpd.py: STARTTLS required, AUTH), read back with Python's
# email parser:
#  1. the relay is down: plantrackd --once queues one digest per bureau with
#     alerts, cannot deliver them, exits 1, and loses nothing;
#  2. the relay is up, and the fault-injection build (plantrackd-faults,
#     PLANTRACK_FAULT=after_send) dies between the relay's 250 for the first
#     message and marking it sent;
#  3. plantrackd --once delivers the rest and that first message again: same
#     Message-ID, same bytes; everything else arrives exactly once, one
#     message per bureau, each to that bureau alone.
# The subjects decode to the plan's Chinese name; a hostile indicator name
# (<script>, quotes) and a hostile source text (CR/LF, a Bcc line, <script>)
# neither add a header nor reach the HTML unescaped.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/received"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB PLANTRACK_FAULT http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY \
      ALL_PROXY || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
DAEMON=$BUILD/core/plantrackd
FAULTS=$BUILD/tests/plantrackd-faults
[ -x "$FAULTS" ] || die "$FAULTS is not built"
DB=$WORK/plan.db

# The shipped catalogue with a hostile name on indicator 3 (stats bureau).
python3 - "$SRC/config/indicators/shijiazhuang-2021-2025.json" "$WORK/cat.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for i in d["indicators"]:
    if i["no"] == 3:
        i["name_zh"] = "常住人口城镇化率<script>alert(1)</script>\"'&"
        i["name_en"] = "Urbanization</td><script>alert('x')</script>"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
"$PLANTRACK" --db "$DB" init --catalogue "$WORK/cat.json" > /dev/null || die "init failed"
# Finals off the path: 3 below its line (68.4 in 2023), 9 above its ceiling (6.5).
"$PLANTRACK" --db "$DB" record 3 2023 60 \
    --source "$(printf 'letter\r\nBcc: evil@example.com\r\n<script>alert(2)</script>')" \
    > /dev/null || die "record 3 failed"
"$PLANTRACK" --db "$DB" record 9 2023 7.2 --source "hrss letter" > /dev/null \
    || die "record 9 failed"

# The relay: started once for its port and certificate, then stopped.
start_relay() { # PORT
    rm -f "$WORK/port"
    /usr/bin/python3 "$SRC/tests/servers/smtpd.py" --save "$WORK/received" --cert-dir "$WORK" \
        --starttls --user plantrack --password 'correct horse' --lifetime 110 --port "$1" \
        --port-file "$WORK/port" < /dev/null > /dev/null 2>> "$WORK/smtpd.err" &
    SERVER=$!
    for i in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
    [ -s "$WORK/port" ] || die "the test SMTP server did not start: $(cat "$WORK/smtpd.err")"
}
SERVER=
trap '[ -z "$SERVER" ] || kill $SERVER 2>/dev/null || true' EXIT
start_relay 0
PORT=$(cat "$WORK/port")
kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=

printf 'correct horse\n' > "$WORK/pw"; chmod 600 "$WORK/pw"
cat > "$WORK/plantrack.json" <<EOF
{
  "store": "$DB",
  "catalogues": ["$WORK/cat.json"],
  "plugin_dir": "$BUILD/plugins",
  "log": {"level": "info"},
  "mail": {"transport": "smtp", "url": "smtp://127.0.0.1:$PORT",
           "from": "plantrack@example.org", "username": "plantrack",
           "password": {"file": "$WORK/pw"}, "ca_file": "$WORK/smtpd.pem",
           "timeout": 20, "retry_base": 60, "retry_max": 600},
  "feeds": []
}
EOF
received() { ls "$WORK/received" | grep -c '\.eml$' || true; }
queued() { sqlite3 "$DB" "SELECT COUNT(*) FROM outbox"; }

# 1. Relay down.
rc=0; PLANTRACK_NOW=2024-07-01T00:00:00Z "$DAEMON" --once --config "$WORK/plantrack.json" \
    > "$WORK/run1.out" 2>&1 || rc=$?
N=$(queued)
echo "run 1 (relay down): exit $rc, $N messages queued, $(received) received"
[ "$rc" = 1 ] || fail "run 1 exit $rc, expected 1 (undelivered): $(tail -3 "$WORK/run1.out")"
[ "$N" -ge 2 ] || fail "run 1 queued $N messages; the stats and hrss bureaus should both have one"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND attempts = 1 AND last_error IS NOT NULL")" = "$N" ] \
    || fail "run 1: not every message was tried once and kept: $(sqlite3 "$DB" 'SELECT message_id, attempts, sent_at, last_error FROM outbox')"
"$PLANTRACK" --db "$DB" alerts > "$WORK/alerts1.out" || fail "plantrack alerts failed"
grep -q "127.0.0.1:$PORT" "$WORK/alerts1.out" \
    || fail "plantrack alerts does not show the undelivered messages' error: $(tail -5 "$WORK/alerts1.out")"

# 2. Relay up; the fault build dies after the first message's 250.
start_relay "$PORT"
rc=0; PLANTRACK_NOW=2024-07-01T02:00:00Z PLANTRACK_FAULT=after_send "$FAULTS" --once \
    --config "$WORK/plantrack.json" > "$WORK/run2.out" 2>&1 || rc=$?
echo "run 2 (PLANTRACK_FAULT=after_send): exit $rc, $(received) received"
[ "$rc" = 70 ] || fail "the fault build did not die after the send (exit $rc): $(tail -3 "$WORK/run2.out")"
[ "$(received)" = 1 ] || fail "expected 1 message at the relay after the crash, got $(received)"
[ "$(queued)" = "$N" ] || fail "run 2 queued more messages ($(queued), was $N)"

# 3. A normal run delivers everything.
rc=0; PLANTRACK_NOW=2024-07-01T04:00:00Z "$DAEMON" --once --config "$WORK/plantrack.json" \
    > "$WORK/run3.out" 2>&1 || rc=$?
echo "run 3: exit $rc, $(received) received"
[ "$rc" = 0 ] || fail "run 3 exit $rc: $(tail -5 "$WORK/run3.out")"
[ "$(received)" = $((N + 1)) ] || fail "expected $((N + 1)) messages at the relay, got $(received)"
[ "$(queued)" = "$N" ] || fail "run 3 queued more messages ($(queued), was $N)"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL")" = "$N" ] \
    || fail "not every message is marked sent"

/usr/bin/python3 - "$WORK/received" "$DB" <<'PY' || fail "what the relay received (above)"
import collections, email, email.policy, glob, json, re, sqlite3, sys
folder, db = sys.argv[1:]
con = sqlite3.connect(db)
plan = con.execute("SELECT name_zh FROM plans").fetchone()[0]
bureaus = dict(con.execute("SELECT email, id FROM bureaus"))
queued = {("<%s>" % mid): bytes(b) for mid, b in con.execute("SELECT message_id, bytes FROM outbox")}
errs, seen, raw_of, to_of = [], collections.Counter(), {}, {}
for f in sorted(glob.glob(folder + "/*.eml")):
    raw = open(f, "rb").read()
    env = json.load(open(f[:-4] + ".json"))
    m = email.message_from_bytes(raw, policy=email.policy.default)
    mid = m["Message-ID"]
    seen[mid] += 1
    if mid in raw_of and raw_of[mid] != raw:
        errs.append("%s arrived twice with different bytes" % mid)
    raw_of[mid] = raw
    if raw != queued.get(mid):
        errs.append("%s: the bytes differ from the outbox's" % mid)
    if not env["tls"] or env["auth_login"] != "plantrack":
        errs.append("%s: sent without TLS or AUTH: %r" % (mid, env))
    to = m["To"].addresses[0].addr_spec
    if env["rcpt_tos"] != [to] or to not in bureaus:
        errs.append("%s: envelope %r, To %r" % (mid, env["rcpt_tos"], to))
    to_of[mid] = to
    if m.defects or any(p.defects for p in m.walk()):
        errs.append("%s: MIME defects %r" % (mid, m.defects))
    names = [k.lower() for k in m.keys()]
    want = ["date", "from", "to", "subject", "message-id", "mime-version", "auto-submitted",
            "content-type"]
    if names != want:
        errs.append("%s: headers %r" % (mid, names))
    subject = str(m["Subject"])
    sm = re.fullmatch(r"\[plantrack\] (.*) — (\d+) 项新预警 / (\d+) new alerts?", subject)
    if not sm or sm.group(1) != plan or sm.group(2) != sm.group(3):
        errs.append("%s: subject %r" % (mid, subject))
    parts = {p.get_content_type(): p for p in m.iter_parts()}
    if list(parts) != ["text/plain", "text/html"] or any(
            p.get_content_charset() != "utf-8" for p in parts.values()):
        errs.append("%s: parts %r" % (mid, list(parts)))
        continue
    text, html = parts["text/plain"].get_content(), parts["text/html"].get_content()
    if bureaus[to] == "stats":
        if "常住人口城镇化率<script>alert(1)</script>" not in text:
            errs.append("stats digest: the indicator's name is not in the text part")
        if "<script>" in html or "&lt;script&gt;alert(1)&lt;/script&gt;" not in html:
            errs.append("stats digest: <script> reached the HTML unescaped, or the name is missing")
        if "evil@example.com" in raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace"):
            errs.append("stats digest: the hostile source reached the headers")
        if "Bcc" in names:
            errs.append("stats digest: a Bcc header")
    if bureaus[to] == "hrss" and "7.2" not in text:
        errs.append("hrss digest: the actual 7.2 is not in the text")
twice = [k for k, v in seen.items() if v == 2]
once = [k for k, v in seen.items() if v == 1]
print("received: %d messages, %d Message-IDs; twice: %s" % (sum(seen.values()), len(seen), twice))
if len(twice) != 1 or len(once) != len(seen) - 1 or set(seen) != set(queued):
    errs.append("expected exactly one message twice (the crash) and every other once: %r" % seen)
per_bureau = collections.Counter(to_of.values())
if any(v != 1 for v in per_bureau.values()) or not {"stats", "hrss"} <= {bureaus[t] for t in per_bureau}:
    errs.append("messages per bureau: %r" % per_bureau)
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

[ "$FAILED" = 0 ] || exit 1
echo ok
