#!/bin/sh
# plantrack alerts and plantrack silence against a scratch store: the alert
# rows, their history and the outbox's delivery problems as the daemon's
# evaluation job and mailer leave them (seeded here with SQL), silences added,
# listed and removed, and every refusal exiting 2 with the store untouched.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/a.db
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
NEXT=$SRC/tests/fixtures/catalogues/example-2026-2030.json
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
pt() { "$PLANTRACK" --db "$DB" "$@"; }
export PLANTRACK_NOW=2025-12-15T00:00:00Z
unset NO_COLOR PLANTRACK_DB || true

pt init --catalogue "$CAT" --catalogue "$NEXT" > "$WORK/init.out" 2>&1 \
    || die "init failed: $(cat "$WORK/init.out")"

# --- help: man-page sections, listed in the main help
for c in alerts silence; do
    pt "$c" --help > "$WORK/help.out" 2>&1 || fail "$c --help exits non-zero"
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS'; do
        grep -q "^$s" "$WORK/help.out" || fail "$c --help lacks $s"
    done
done
pt silence add --help | grep -q -- '--until DATE' || fail "silence add --help does not describe --until"
"$PLANTRACK" --help | grep -q '^    alerts ' || fail "plantrack --help does not list alerts"
"$PLANTRACK" --help | grep -q '^    silence ' || fail "plantrack --help does not list silence"

# --- nothing yet
pt alerts > "$WORK/none.out" || fail "alerts on a fresh store failed"
grep -q 'no alerts' "$WORK/none.out" || fail "alerts on a fresh store: $(cat "$WORK/none.out")"

# --- alerts and the outbox as the daemon leaves them
PLAN=shijiazhuang-2021-2025
sqlite3 "$DB" <<SQL || die "seeding alerts failed"
INSERT INTO alerts (id, indicator_key, kind, state, breach_points, ok_points, last_actual, since,
                    last_notified_at, updated_at)
SELECT 1, key, 'behind_path', 'firing', 1, 0, '2024/final//1', '2025-03-02T02:00:00Z',
       '2025-03-09T02:00:00Z', '2025-03-09T02:00:00Z' FROM indicators WHERE plan_id = '$PLAN' AND no = 3;
INSERT INTO alerts (id, indicator_key, kind, state, updated_at)
SELECT 2, key, 'overdue', 'ok', '2025-03-02T02:00:00Z' FROM indicators WHERE plan_id = '$PLAN' AND no = 3;
INSERT INTO alerts (id, indicator_key, kind, state, ok_points, last_actual, since, last_notified_at, updated_at)
SELECT 3, key, 'behind_path', 'resolved', 0, '2025/provisional/2025-10-31/1', '2025-11-02T02:00:00Z',
       '2025-11-02T02:00:00Z', '2025-11-02T02:00:00Z' FROM indicators WHERE plan_id = '$PLAN' AND no = 17;
INSERT INTO alert_events (id, alert_id, at, from_state, to_state, detail) VALUES
 (1, 1, '2025-03-02T02:00:00Z', 'ok', 'firing', '{"kind":"behind_path","point":"breach","actual":"2024/final//1","gap":-0.8}'),
 (2, 1, '2025-03-09T02:00:00Z', 'firing', 'firing', '{"kind":"behind_path","reminder":true}'),
 (3, 3, '2025-10-01T02:00:00Z', 'ok', 'pending', '{"kind":"behind_path","point":"breach"}'),
 (4, 3, '2025-11-02T02:00:00Z', 'pending', 'ok', '{"kind":"behind_path","point":"clear"}');
INSERT INTO outbox (id, message_id, plan_id, bureau_id, recipients, bytes, created_at, attempts,
                    next_attempt_at, sent_at, gave_up_at, last_error) VALUES
 (1, '<a@example.org>', '$PLAN', 'stats', '["stats@example.org"]', x'00', '2025-03-02T02:00:00Z',
  3, NULL, '2025-03-02T02:01:00Z', NULL, NULL),
 (2, '<b@example.org>', '$PLAN', 'ecology', '["ecology@example.org"]', x'00', '2025-03-02T02:00:00Z',
  12, NULL, NULL, '2025-03-04T02:00:00Z', 'smtp://mail.example.org: 550 mailbox unavailable'),
 (3, '<c@example.org>', '$PLAN', 'stats', '["stats@example.org"]', x'00', '2025-03-09T02:00:00Z',
  2, '2025-03-09T02:20:00Z', NULL, NULL, 'connection refused');
SQL

pt alerts --json > "$WORK/alerts.json" || fail "alerts --json failed"
pt alerts --all --json > "$WORK/all.json" || fail "alerts --all --json failed"
python3 - "$WORK" <<'PY' || fail "alerts --json (see above)"
import json, os, sys
w = sys.argv[1]
errs = []
a = json.load(open(os.path.join(w, "alerts.json"), encoding="utf-8"))
al = json.load(open(os.path.join(w, "all.json"), encoding="utf-8"))
if sorted(a) != ["alerts", "outbox"]:
    errs.append("top-level keys are %r" % sorted(a))
states = [(x["no"], x["kind"], x["state"]) for x in a["alerts"]]
# binding first: 17 (binding) before 3 (expected)
if states != [(17, "behind_path", "resolved"), (3, "behind_path", "firing")]:
    errs.append("not-ok alerts are %r" % states)
if len(al["alerts"]) != 3 or not any(x["state"] == "ok" for x in al["alerts"]):
    errs.append("--all lists %r" % [(x["no"], x["kind"], x["state"]) for x in al["alerts"]])
keys = ["id", "plan", "no", "indicator", "name_zh", "name_en", "bureau", "attribute", "kind",
        "state", "since", "breach_points", "ok_points", "last_actual", "last_notified_at",
        "updated_at", "silence", "history"]
for x in a["alerts"]:
    missing = [k for k in keys if k not in x]
    if missing:
        errs.append("alert %s lacks %s" % (x.get("id"), missing))
f = [x for x in a["alerts"] if x["no"] == 3][0]
if f["indicator"] != "urbanization-rate" or f["bureau"] != "stats" or f["attribute"] != "expected":
    errs.append("alert 1 is %r" % f)
if f["since"] != "2025-03-02T02:00:00Z" or f["last_notified_at"] != "2025-03-09T02:00:00Z" \
        or f["breach_points"] != 1 or f["last_actual"] != "2024/final//1" or f["silence"] is not None:
    errs.append("alert 1 fields: %r" % f)
h = f["history"]
if [(e["id"], e["from"], e["to"]) for e in h] != [(1, "ok", "firing"), (2, "firing", "firing")]:
    errs.append("alert 1 history: %r" % h)
elif h[1]["detail"].get("reminder") is not True or h[0]["detail"].get("gap") != -0.8:
    errs.append("alert 1 history details: %r" % h)
ob = a["outbox"]
if [(m["id"], m["status"]) for m in ob] != [(2, "given_up"), (3, "unsent")]:
    errs.append("outbox lists %r (the sent message must not appear, given up first)"
                % [(m.get("id"), m.get("status")) for m in ob])
else:
    if "550" not in ob[0]["last_error"] or ob[0]["gave_up_at"] != "2025-03-04T02:00:00Z" \
            or ob[0]["recipients"] != ["ecology@example.org"] or ob[0]["attempts"] != 12:
        errs.append("given-up message: %r" % ob[0])
    if ob[1]["last_error"] != "connection refused" or ob[1]["next_attempt_at"] != "2025-03-09T02:20:00Z":
        errs.append("unsent message: %r" % ob[1])
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

pt alerts > "$WORK/alerts.txt" || fail "alerts failed"
for s in 'urbanization-rate' 'behind_path' 'firing' 'since 2025-03-02T02:00:00Z' \
         'notified 2025-03-09T02:00:00Z' 'ok → firing' 'reminder' 'GIVEN UP' \
         '550 mailbox unavailable' 'connection refused' '1 message given up, 1 not yet sent'; do
    grep -F -q -- "$s" "$WORK/alerts.txt" || fail "alerts does not show '$s': $(cat "$WORK/alerts.txt")"
done
pt alerts --plan example-2026-2030 --json > "$WORK/next.json" || fail "alerts --plan failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == {"alerts": [], "outbox": []}, d' \
    "$WORK/next.json" || fail "alerts --plan example-2026-2030 is not empty"

# --- silences
pt silence add --bureau stats --plan "$PLAN" --until 2025-12-31 --reason "census revision" \
    > "$WORK/add1.out" 2>&1 || fail "silence add --bureau failed: $(cat "$WORK/add1.out")"
grep -q '^silence 1 added: bureau stats' "$WORK/add1.out" || fail "silence add says: $(cat "$WORK/add1.out")"
pt silence add --indicator 17 --until 2025-12-15 --reason "平日 heating season" \
    > "$WORK/add2.out" 2>&1 || fail "silence add --indicator 17 failed: $(cat "$WORK/add2.out")"
grep -q '^silence 2 added: indicator 17 good-air-days-ratio' "$WORK/add2.out" \
    || fail "silence add says: $(cat "$WORK/add2.out")"
pt silence add --bureau stats --plan example-2026-2030 --until 2026-01-31 --reason "new plan" \
    > /dev/null || fail "silence add for the second plan failed"
pt silence list --json > "$WORK/sil.json" || fail "silence list --json failed"
pt alerts --json > "$WORK/alerts2.json" || fail "alerts --json after silences failed"
python3 - "$WORK" <<'PY' || fail "silence list --json / alerts silence (see above)"
import json, os, sys
w = sys.argv[1]
errs = []
s = json.load(open(os.path.join(w, "sil.json"), encoding="utf-8"))
got = [(x["id"], x["plan"], x["indicator"], x["bureau"], x["until"], x["reason"], x["active"]) for x in s]
want = [(1, "shijiazhuang-2021-2025", None, "stats", "2025-12-31", "census revision", True),
        (2, "shijiazhuang-2021-2025", {"no": 17, "id": "good-air-days-ratio"}, None, "2025-12-15",
         "平日 heating season", True),
        (3, "example-2026-2030", None, "stats", "2026-01-31", "new plan", True)]
if got != want:
    errs.append("silence list --json is %r" % got)
if any(x.get("created_at") != "2025-12-15T00:00:00Z" for x in s):
    errs.append("created_at: %r" % [x.get("created_at") for x in s])
a = json.load(open(os.path.join(w, "alerts2.json"), encoding="utf-8"))
sil = {x["no"]: x["silence"] for x in a["alerts"]}
if sil.get(3) != {"id": 1, "until": "2025-12-31", "reason": "census revision"}:
    errs.append("alert of 3 shows silence %r" % sil.get(3))
if not sil.get(17) or sil[17]["id"] != 2:
    errs.append("alert of 17 shows silence %r" % sil.get(17))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
pt silence list > "$WORK/sil.txt" || fail "silence list failed"
grep -q 'bureau stats  through 2025-12-31  active' "$WORK/sil.txt" || fail "silence list: $(cat "$WORK/sil.txt")"
pt alerts > "$WORK/alerts2.txt"
grep -q 'silenced through 2025-12-31 by silence 1: census revision' "$WORK/alerts2.txt" \
    || fail "alerts does not show the silence: $(cat "$WORK/alerts2.txt")"
# a day later silence 2 has ended
PLANTRACK_NOW=2025-12-16T00:00:00Z pt silence list --json \
    | python3 -c 'import json,sys; s={x["id"]: x["active"] for x in json.load(sys.stdin)}; assert s == {1: True, 2: False, 3: True}, s' \
    || fail "silence 2 is not shown ended the next day"

# --- refusals: exit 2, a message, the store untouched
sqlite3 "$DB" .dump > "$WORK/ref.dump"
refused() {
    label=$1; shift
    rc=0
    "$@" < /dev/null > "$WORK/out" 2> "$WORK/err" || rc=$?
    [ "$rc" = 2 ] || fail "$label: exit status $rc, expected 2 (stderr: $(cat "$WORK/err"))"
    [ -s "$WORK/err" ] || fail "$label: nothing on stderr"
    sqlite3 "$DB" .dump < /dev/null > "$WORK/now.dump"
    cmp -s "$WORK/ref.dump" "$WORK/now.dump" \
        || fail "$label: the store changed: $(diff "$WORK/ref.dump" "$WORK/now.dump" | head -5)"
}
has() { grep -F -q -e "$2" "$WORK/err" || fail "$1: stderr does not mention '$2': $(cat "$WORK/err")"; }

refused 'silence' pt silence
has 'silence' 'add, list or remove'
refused 'silence mute' pt silence mute
has 'silence mute' '"mute"'
refused 'add neither' pt silence add --until 2026-01-01 --reason x
has 'add neither' '--indicator'
refused 'add both' pt silence add --indicator 3 --bureau stats --until 2026-01-01 --reason x
has 'add both' 'exactly one'
refused 'add no until' pt silence add --indicator 3 --reason x
has 'add no until' '--until'
for d in 2026-02-30 2026-1-1 tomorrow 20260101 2026-13-01; do
    refused "add --until $d" pt silence add --indicator 3 --until "$d" --reason x
    has "add --until $d" "\"$d\""
done
refused 'add past' pt silence add --indicator 3 --until 2025-12-14 --reason x
has 'add past' 'in the past'
refused 'add no reason' pt silence add --indicator 3 --until 2026-01-01
has 'add no reason' '--reason'
refused 'add blank reason' pt silence add --indicator 3 --until 2026-01-01 --reason '  '
has 'add blank reason' 'empty'
refused 'add multi-line reason' pt silence add --indicator 3 --until 2026-01-01 --reason 'a
b'
has 'add multi-line reason' 'control character'
refused 'add long reason' pt silence add --indicator 3 --until 2026-01-01 \
    --reason "$(python3 -c 'print("x" * 501)')"
has 'add long reason' '500'
refused 'add reason not UTF-8' pt silence add --indicator 3 --until 2026-01-01 --reason "$(printf 'a\377b')"
has 'add reason not UTF-8' 'UTF-8'
refused 'add unknown indicator' pt silence add --indicator nope --until 2026-01-01 --reason x
has 'add unknown indicator' 'nope'
refused 'add ambiguous indicator' pt silence add --indicator urbanization-rate --until 2026-01-01 --reason x
has 'add ambiguous indicator' '--plan'
refused 'add unknown bureau' pt silence add --bureau nobody --until 2026-01-01 --reason x
has 'add unknown bureau' 'nobody'
refused 'add ambiguous bureau' pt silence add --bureau stats --until 2026-01-01 --reason x
has 'add ambiguous bureau' '--plan'
refused 'add unknown plan' pt silence add --bureau stats --plan nope --until 2026-01-01 --reason x
has 'add unknown plan' 'nope'
refused 'add bureau of other plan' pt silence add --bureau drc --plan example-2026-2030 --until 2026-01-01 --reason x
has 'add bureau of other plan' 'drc'
refused 'add unknown option' pt silence add --indicator 3 --until 2026-01-01 --reason x --loud
has 'add unknown option' '--loud'
refused 'remove none' pt silence remove
has 'remove none' 'number'
refused 'remove 99' pt silence remove 99
has 'remove 99' 'no silence 99'
for n in x 0 -1 1.5; do
    refused "remove $n" pt silence remove "$n"
    has "remove $n" "\"$n\""
done
refused 'list unknown plan' pt silence list --plan nope
refused 'alerts unknown plan' pt alerts --plan nope
has 'alerts unknown plan' 'nope'
refused 'alerts extra argument' pt alerts 3

pt silence remove 2 > "$WORK/rm.out" || fail "silence remove 2 failed"
grep -q 'silence 2 removed' "$WORK/rm.out" || fail "silence remove says: $(cat "$WORK/rm.out")"
pt silence list --json | python3 -c 'import json,sys; assert [x["id"] for x in json.load(sys.stdin)] == [1, 3]' \
    || fail "silence 2 still listed after remove"

# --- a store that does not exist is not created
rc=0; "$PLANTRACK" --db "$WORK/missing.db" alerts 2> "$WORK/err" || rc=$?
[ "$rc" = 2 ] || fail "alerts on a missing store: exit $rc"
[ ! -e "$WORK/missing.db" ] || fail "alerts created a store"

[ "$FAILED" = 0 ] || exit 1
echo ok
