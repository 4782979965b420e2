#!/bin/sh
# The bundled demo (make run: plantrackd --once on config/demo/plantrack.json,
# then the status table), twice: both runs succeed, the second records
# nothing (the store is byte-identical but for its run record), and the
# table lists all 30 indicators.
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
json.dump(cfg, open(dst, "w", encoding="utf-8"))
PY

BIN=$BIN CONFIG=$WORK/demo.json DB=$DB sh "$SRC/config/demo/run.sh" > "$WORK/run1.out" 2>&1 \
    || die "first demo run failed: $(tail -5 "$WORK/run1.out")"
sqlite3 "$DB" .dump | grep -v '^INSERT INTO runs ' > "$WORK/run1.dump"
BIN=$BIN CONFIG=$WORK/demo.json DB=$DB sh "$SRC/config/demo/run.sh" > "$WORK/run2.out" 2>&1 \
    || die "second demo run failed: $(tail -5 "$WORK/run2.out")"
sqlite3 "$DB" .dump | grep -v '^INSERT INTO runs ' > "$WORK/run2.dump"

# Two run records; the first brought the actuals, the second nothing new.
runs=$(sqlite3 "$DB" "SELECT group_concat(instance || ':' || status || ':' || actuals, ' ') FROM (SELECT * FROM runs ORDER BY instance, id)")
[ "$runs" = "air:ok:2 air:ok:0 bureau-letters:ok:27 bureau-letters:ok:0" ] \
    || fail "run records are \"$runs\""
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
feeds = {i["id"]: i["feed"] for i in inds}
for ind, want in (("good-air-days-ratio", "air"), ("pm25-concentration", "air"),
                  ("gdp-growth", "bureau-letters"), ("ski-venues", "manual")):
    if feeds.get(ind) != want:
        errs.append("%s: feed %r, expected %r" % (ind, feeds.get(ind), want))
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
