#!/bin/sh
# The bundled demo (make run), twice: both runs succeed, the second records
# nothing and leaves the store byte-identical, and the table lists all 30
# indicators.
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

BIN=$BIN DB=$DB sh "$SRC/config/demo/run.sh" > "$WORK/run1.out" 2>&1 \
    || die "first demo run failed: $(tail -5 "$WORK/run1.out")"
sqlite3 "$DB" .dump > "$WORK/run1.dump"
BIN=$BIN DB=$DB sh "$SRC/config/demo/run.sh" > "$WORK/run2.out" 2>&1 \
    || die "second demo run failed: $(tail -5 "$WORK/run2.out")"
sqlite3 "$DB" .dump > "$WORK/run2.dump"

grep -q "demo: [1-9][0-9]* new actual vintages" "$WORK/run1.out" \
    || fail "first run recorded nothing: $(grep 'new actual' "$WORK/run1.out")"
grep -q "demo: 0 new actual vintages" "$WORK/run2.out" \
    || fail "second run does not say 0 new actual vintages: $(grep 'new actual' "$WORK/run2.out")"
cmp -s "$WORK/run1.dump" "$WORK/run2.dump" \
    || fail "the second run changed the store: $(diff "$WORK/run1.dump" "$WORK/run2.dump" | head -5)"

"$PLANTRACK" --db "$DB" indicators --json > "$WORK/indicators.json" || die "indicators --json failed"
python3 - "$WORK/indicators.json" "$WORK/run1.out" "$WORK/run2.out" <<'PY' || fail "demo status table (see above)"
import json, sys
inds = json.load(open(sys.argv[1], encoding="utf-8"))
errs = []
if len(inds) != 30:
    errs.append("%d indicators in the store, expected 30" % len(inds))
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
