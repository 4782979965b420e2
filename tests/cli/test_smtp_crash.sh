#!/bin/sh
# At-least-once delivery across a crash: the fault-injection build of the
# mailer (pt-mailer-drain on ptcore-faults) dies with PLANTRACK_FAULT=after_send
# between the relay's "250 queued" for the first message and marking it
# sent. The next run sends that message again, with the same bytes and the
# same Message-ID, and every other message exactly once. The release
# library and daemon carry no fault code. The relay is tests/servers/smtpd.py
# (STARTTLS + AUTH) on 127.0.0.1; received messages are read back with
# Python's email parser.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/received"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_NOW http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
TOOL=$BUILD/tests/pt-mailer-drain
[ -x "$TOOL" ] || die "$TOOL is not built"

# Release artifacts: no trace of the fault point.
for f in "$BUILD/core/libptcore.a" "$BUILD/core/plantrackd"; do
    if grep -q PLANTRACK_FAULT "$f"; then fail "$f contains the fault-injection code"; fi
done
grep -q PLANTRACK_FAULT "$TOOL" || fail "the test build has no fault-injection point"

/usr/bin/python3 "$SRC/tests/servers/smtpd.py" --save "$WORK/received" --cert-dir "$WORK" \
    --starttls --user plantrack --password 'correct horse' --lifetime 100 \
    --port-file "$WORK/port" < /dev/null > /dev/null 2> "$WORK/smtpd.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for i in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/port" 2>/dev/null || true)
[ -n "$PORT" ] || die "the test SMTP server did not start: $(cat "$WORK/smtpd.err")"
printf 'correct horse\n' > "$WORK/pw"; chmod 600 "$WORK/pw"
DRAIN="$TOOL $WORK/s.db drain smtp://127.0.0.1:$PORT --user plantrack --password-file $WORK/pw --ca-file $WORK/smtpd.pem"

for n in 1 2 3; do
    printf 'Message-ID: <crash%s@example.org>\r\nFrom: alerts@example.org\r\nTo: b%s@example.com\r\nSubject: digest %s\r\n\r\nbody %s\r\n.\r\n' \
        $n $n $n $n > "$WORK/m$n.eml"
    "$TOOL" "$WORK/s.db" add "<crash$n@example.org>" "bureau-$n" "$WORK/m$n.eml" "b$n@example.com" \
        || die "could not queue message $n"
done

rc=0; PLANTRACK_FAULT=after_send $DRAIN > "$WORK/run1.out" 2> "$WORK/run1.err" || rc=$?
echo "run 1 (PLANTRACK_FAULT=after_send): exit $rc; $(grep 'fault injection' "$WORK/run1.err" || true)"
[ "$rc" = 70 ] || fail "the fault build did not die after the send (exit $rc): $(cat "$WORK/run1.err")"
received() { ls "$WORK/received" | grep -c '\.eml$' || true; }
[ "$(received)" = 1 ] || fail "expected 1 message at the relay after the crash, got $(received)"
[ "$(sqlite3 "$WORK/s.db" 'SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL')" = 0 ] \
    || fail "a message was marked sent although the process died before marking it"

rc=0; $DRAIN > "$WORK/run2.out" 2> "$WORK/run2.err" || rc=$?
echo "run 2: exit $rc; $(cat "$WORK/run2.out")"
[ "$rc" = 0 ] || fail "the second run failed (exit $rc): $(cat "$WORK/run2.err")"
grep -q '^sent 3 failed 0 given_up 0 pending 0$' "$WORK/run2.out" || fail "second run: $(cat "$WORK/run2.out")"
[ "$(received)" = 4 ] || fail "expected 4 messages at the relay (1 + 3), got $(received)"

# Read back with a real parser: which Message-IDs arrived how often, and the
# two copies of the resent one must be byte for byte the same and the same
# as what was queued.
/usr/bin/python3 - "$WORK" > "$WORK/check.out" 2>&1 <<'PY' || fail "$(cat "$WORK/check.out")"
import email, email.policy, glob, json, os, sys
work = sys.argv[1]
seen = {}
for path in sorted(glob.glob(os.path.join(work, "received", "*.eml"))):
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    env = json.load(open(path[:-4] + ".json"))
    assert env["tls"] and env["auth_login"] == "plantrack", env
    seen.setdefault(msg["Message-ID"], []).append(raw)
counts = {k: len(v) for k, v in seen.items()}
print("arrivals per Message-ID:", json.dumps(counts, sort_keys=True))
assert counts == {"<crash1@example.org>": 2, "<crash2@example.org>": 1,
                  "<crash3@example.org>": 1}, counts
for n in (1, 2, 3):
    queued = open(os.path.join(work, "m%d.eml" % n), "rb").read()
    for raw in seen["<crash%d@example.org>" % n]:
        assert raw == queued, "crash%d arrived with different bytes" % n
print("the resent message is byte-identical to the first copy and to the queued bytes")
PY
cat "$WORK/check.out"

# Nothing is left to send: a third run sends nothing more.
$DRAIN > "$WORK/run3.out" 2> "$WORK/run3.err" || fail "third run failed"
grep -q '^sent 0 failed 0 given_up 0 pending 0$' "$WORK/run3.out" || fail "third run: $(cat "$WORK/run3.out")"
[ "$(received)" = 4 ] || fail "the third run sent again"

# The file transport, same promise: the .eml is in the spool but the row
# unsent after the crash; the next run writes the same file again (same
# name, same bytes) and marks both sent.
mkdir "$WORK/spool"
for n in 1 2; do
    "$TOOL" "$WORK/f.db" add "<crash$n@example.org>" "bureau-$n" "$WORK/m$n.eml" "b$n@example.com" \
        || die "could not queue message $n for the spool"
done
rc=0; PLANTRACK_FAULT=after_send "$TOOL" "$WORK/f.db" drain "$WORK/spool" > /dev/null 2> "$WORK/f1.err" || rc=$?
[ "$rc" = 70 ] || fail "the file transport did not die after the write (exit $rc): $(cat "$WORK/f1.err")"
[ "$(ls "$WORK/spool" | grep -c '\.eml$')" = 1 ] || fail "expected one .eml after the crash: $(ls -a "$WORK/spool")"
"$TOOL" "$WORK/f.db" drain "$WORK/spool" > "$WORK/f2.out" 2> "$WORK/f2.err" || fail "spool run 2 failed: $(cat "$WORK/f2.err")"
echo "spool run 2: $(cat "$WORK/f2.out"); spool holds: $(ls -A "$WORK/spool" | tr '\n' ' ')"
grep -q '^sent 2 failed 0 given_up 0 pending 0$' "$WORK/f2.out" || fail "spool run 2: $(cat "$WORK/f2.out")"
[ "$(ls -A "$WORK/spool" | wc -l)" = 2 ] || fail "the spool should hold exactly two files: $(ls -A "$WORK/spool")"
cmp -s "$WORK/spool/crash1@example.org.eml" "$WORK/m1.eml" || fail "the rewritten .eml differs from the queued bytes"

# --once's view of a relay that is down: the pass reports the failures and
# the tool (like plantrackd --once) exits 1.
kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true
"$TOOL" "$WORK/d.db" add "<down@example.org>" bureau-1 "$WORK/m1.eml" b1@example.com || die "queue"
rc=0; "$TOOL" "$WORK/d.db" drain "smtp://127.0.0.1:$PORT" > "$WORK/d.out" 2> "$WORK/d.err" || rc=$?
echo "relay down: exit $rc; $(cat "$WORK/d.out")"
[ "$rc" = 1 ] || fail "a failed delivery did not exit 1 (exit $rc)"
grep -q '^sent 0 failed 1 given_up 0 pending 1$' "$WORK/d.out" || fail "relay down: $(cat "$WORK/d.out")"
grep -q "down@example.org.*smtp://127.0.0.1:$PORT" "$WORK/d.err" || fail "the log does not name the message and the relay: $(cat "$WORK/d.err")"

[ "$FAILED" = 0 ] && echo "ok: at-least-once across a crash, nothing else duplicated"
exit "$FAILED"
