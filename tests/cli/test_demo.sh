#!/bin/sh
# The bundled demo (make run: plantrackd --once on config/demo/plantrack.json,
# then the status table), twice: both runs succeed, the second records
# nothing (the store is byte-identical but for its run record), the table
# lists all 30 indicators, and the alert digests are in the spool.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/demo.db
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB NO_COLOR || true
BIN=$(dirname "$PLANTRACK")
case "$BIN" in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
cd "$WORK"   # any cwd: run.sh moves to the source root itself

# The demo configuration, pointed at a scratch store and this build's plugins.
python3 - "$SRC/config/demo/plantrack.json" "$WORK/demo.json" "$DB" "$BIN/../plugins" \
    "$SRC/config/demo" <<'PY' || die "cannot write the test's demo configuration"
import json, os, sys
src, dst, db, plugins, demo = sys.argv[1:]
cfg = json.load(open(src, encoding="utf-8"))
cfg["store"] = db
cfg["plugin_dir"] = os.path.abspath(plugins)
cfg["catalogues"] = [os.path.join(demo, c) for c in cfg["catalogues"]]
cfg["mail"]["spool"] = os.path.join(os.path.dirname(dst), "spool")
for f in cfg["feeds"]:
    f["settings"]["folder"] = os.path.join(demo, f["settings"]["folder"])
    g = f["settings"].get("groundwater")
    if g and "folder" in g:
        g["folder"] = os.path.join(demo, g["folder"])
json.dump(cfg, open(dst, "w", encoding="utf-8"))
PY

mkdir -p "$WORK/spool"
export SPOOL="$WORK/spool"
BIN=$BIN CONFIG=$WORK/demo.json DB=$DB sh "$SRC/config/demo/run.sh" > "$WORK/run1.out" 2>&1 \
    || die "first demo run failed: $(tail -5 "$WORK/run1.out")"
sqlite3 "$DB" .dump | grep -v '^INSERT INTO runs ' > "$WORK/run1.dump"
ls "$WORK/spool" > "$WORK/spool1.list"
BIN=$BIN CONFIG=$WORK/demo.json DB=$DB sh "$SRC/config/demo/run.sh" > "$WORK/run2.out" 2>&1 \
    || die "second demo run failed: $(tail -5 "$WORK/run2.out")"
sqlite3 "$DB" .dump | grep -v '^INSERT INTO runs ' > "$WORK/run2.dump"
ls "$WORK/spool" > "$WORK/spool2.list"

# The first run left one digest per bureau with alerts in the spool, each a
# sound message to that bureau, and said where; the second sent nothing new.
n=$(wc -l < "$WORK/spool1.list")
[ "$n" -gt 0 ] || fail "the demo left no digest in the spool"
[ "$n" = "$(sqlite3 "$DB" "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL")" ] \
    || fail "$n .eml files, but the outbox says otherwise"
cmp -s "$WORK/spool1.list" "$WORK/spool2.list" || fail "the second run wrote other digests"
grep -q "^mail: $n alert digests in $WORK/spool/" "$WORK/run1.out" \
    || fail "the run did not say where the digests are: $(grep '^mail' "$WORK/run1.out")"
python3 - "$DB" "$WORK/spool" <<'PY' || fail "a digest is not the message it should be (above)"
import email, email.policy, glob, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bureaus = dict(db.execute("SELECT id, email FROM bureaus"))
errs = []
for f in sorted(glob.glob(sys.argv[2] + "/*.eml")):
    raw = open(f, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    to = m["To"].addresses[0].addr_spec if m["To"] else ""
    if to not in bureaus.values():
        errs.append("%s: To %r is no bureau's address" % (f, to))
    if m["Auto-Submitted"] != "auto-generated" or not m["Message-ID"]:
        errs.append("%s: Auto-Submitted or Message-ID missing" % f)
    if "预警" not in m["Subject"] and "提醒" not in m["Subject"]:
        errs.append("%s: subject %r" % (f, m["Subject"]))
    kinds = [p.get_content_type() for p in m.iter_parts()]
    if kinds != ["text/plain", "text/html"]:
        errs.append("%s: parts %r" % (f, kinds))
    if any(len(l) > 998 for l in raw.split(b"\r\n")) or b"\n" in raw.replace(b"\r\n", b""):
        errs.append("%s: a line over 998 octets or a bare LF" % f)
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# Two run records; the first brought the actuals, the second nothing new.
# Two runs of each feed, both ok; the first brought actuals, the second none.
runs=$(sqlite3 "$DB" "SELECT group_concat(instance || ':' || status || ':' || (actuals > 0), ' ') FROM (SELECT * FROM runs ORDER BY instance, id)")
[ "$runs" = "air:ok:1 air:ok:0 bureau-letters:ok:1 bureau-letters:ok:0 stats:ok:1 stats:ok:0 water:ok:1 water:ok:0" ] \
    || fail "run records are \"$runs\""
# Every indicator of the table has an actual, each through the feed that
# should bring it: the statistics bureau's releases, the station data, the
# water sections and extraction submission, and the other bureaus' letters.
missing=$(sqlite3 "$DB" "SELECT group_concat(no, ' ') FROM indicators i WHERE origin = 'table' AND NOT EXISTS (SELECT 1 FROM actuals a WHERE a.indicator_key = i.key)")
[ -z "$missing" ] || fail "table indicators without a demo actual: $missing"
# the week of station data gives indicators 17 and 18 actuals
for no in 17 18; do
    sqlite3 "$DB" "SELECT source FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = $no" \
        | grep -q '^air$' || fail "indicator $no has no actual from the air feed"
done
grep -q "plantrackd: info: feed bureau-letters: run .* ok" "$WORK/run1.out" \
    || fail "the first run did not log its success: $(head -5 "$WORK/run1.out")"
cmp -s "$WORK/run1.dump" "$WORK/run2.dump" \
    || fail "the second run changed the store: $(diff "$WORK/run1.dump" "$WORK/run2.dump" | head -5)"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM actuals WHERE vintage > 1")" = 0 ] \
    || fail "the demo added a second vintage"

"$PLANTRACK" --db "$DB" indicators --json > "$WORK/indicators.json" || die "indicators --json failed"
python3 - "$WORK/indicators.json" "$WORK/run1.out" "$WORK/run2.out" <<'PY' || fail "demo status table (see above)"
import json, sys
inds = json.load(open(sys.argv[1], encoding="utf-8"))
errs = []
if len(inds) != 30:
    errs.append("%d indicators in the store, expected 30" % len(inds))
# feed: declared by the air feed; the csvdrop instance its actuals came
# from; manual where nothing came in
feeds = {i["no"]: i["feed"] for i in inds}
right = {1: "stats", 2: "stats", 3: "stats", 8: "stats", 24: "stats", 17: "air", 18: "air",
         19: "water", 20: "water", 25: "manual", 27: "manual"}
for no in range(1, 24):
    right.setdefault(no, "bureau-letters")
for no, want in sorted(right.items()):
    if feeds.get(no) != want:
        errs.append("indicator %d: feed %r, expected %r" % (no, feeds.get(no), want))
for out in sys.argv[2:]:
    lines = open(out, encoding="utf-8").read().split("\n")
    for ind in inds:
        head = "%2d %s" % (ind["no"], ind["name_zh"][:3])
        n = sum(1 for l in lines if l.startswith(head))
        if n != 1:
            errs.append("%s: %d table rows start with %r, expected 1" % (out, n, head))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

[ "$FAILED" = 0 ] || exit 1
echo ok
