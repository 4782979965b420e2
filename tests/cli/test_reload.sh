#!/bin/sh
# Reloading catalogues: the same file changes nothing; a target revision adds a
# target vintage (once); an indicator left out of the file is retired while
# the actuals stay.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/r.db
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
pt() { "$PLANTRACK" --db "$DB" "$@"; }
dump() { sqlite3 "$DB" .dump > "$1"; }
same() {   # same LABEL A B: two dumps are identical
    cmp -s "$2" "$3" || fail "$1 changed the store: $(diff "$2" "$3" | head -5)"
}
init() { "$PLANTRACK" init --catalogue "$1" --db "$DB"; }
export PLANTRACK_NOW=2025-12-15T00:00:00Z
unset PLANTRACK_DB || true

# --- the same catalogue twice
init "$CAT" > "$WORK/init1.out" 2>&1 || die "first init failed: $(cat "$WORK/init1.out")"
pt record 3 2023 67.9 > /dev/null || die "record 3 2023 67.9 failed"
pt record 17 2023 60.2 > /dev/null || die "record 17 2023 60.2 failed"
pt record 30 2024 1 > /dev/null || die "record 30 2024 1 failed"
dump "$WORK/a.dump"
init "$CAT" > "$WORK/init2.out" 2>&1 || fail "second init failed: $(cat "$WORK/init2.out")"
grep -q unchanged "$WORK/init2.out" || fail "second init of the same file does not say unchanged: $(cat "$WORK/init2.out")"
dump "$WORK/b.dump"
same "a second init of the same catalogue" "$WORK/a.dump" "$WORK/b.dump"

# --- copies of the catalogue: a revised target for no 17; no indicator 30
python3 - "$CAT" "$WORK/revised.json" "$WORK/without-30.json" <<'PY' || die "could not write the catalogue copies"
import json, sys
src, revised, without = sys.argv[1:4]
d = json.load(open(src, encoding="utf-8"))
i17 = [i for i in d["indicators"] if i["no"] == 17]
assert len(i17) == 1 and i17[0]["target"]["value"] == 64, i17
i17[0].setdefault("target_revisions", []).append(
    {"year": 2025, "value": 65, "source": "Hebei province assignment", "date": "2022-03-01"})
json.dump(d, open(revised, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
d = json.load(open(src, encoding="utf-8"))
n = len(d["indicators"])
d["indicators"] = [i for i in d["indicators"] if i["no"] != 30]
assert len(d["indicators"]) == n - 1
json.dump(d, open(without, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY

init "$WORK/revised.json" > "$WORK/init3.out" 2>&1 || fail "init with the revised target failed: $(cat "$WORK/init3.out")"
pt show 17 --json > "$WORK/show17.json" || fail "show 17 --json failed"
pt status --json > "$WORK/status-revised.json" || fail "status --json failed"
python3 - "$WORK/show17.json" "$WORK/status-revised.json" <<'PY' || fail "target vintages of no 17 (see above)"
import json, sys
show = json.load(open(sys.argv[1], encoding="utf-8"))
status = json.load(open(sys.argv[2], encoding="utf-8"))
errs = []
t = sorted(show.get("targets", []), key=lambda x: x.get("vintage", 0))
got = [(x.get("vintage"), x.get("value"), x.get("origin")) for x in t]
if got != [(1, 64, "printed"), (2, 65, "revision")]:
    errs.append("show 17 targets are %r, expected vintage 1 = 64 printed, vintage 2 = 65 revision" % got)
elif "Hebei province assignment" not in (t[1].get("source") or ""):
    errs.append("show 17: the revision's source is %r" % t[1].get("source"))
r17 = [r for r in status if r.get("no") == 17]
if len(r17) != 1 or r17[0].get("target") != 65:
    errs.append("status --json: no 17 target is %r, expected 65" % (r17[0].get("target") if r17 else None))
r3 = [r for r in status if r.get("no") == 3]
if len(r3) != 1 or r3[0].get("target") != 70:
    errs.append("status --json: no 3 target is %r, expected 70 (untouched)" % (r3[0].get("target") if r3 else None))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
dump "$WORK/c.dump"
init "$WORK/revised.json" > "$WORK/init4.out" 2>&1 || fail "second init with the revised target failed: $(cat "$WORK/init4.out")"
dump "$WORK/d.dump"
same "a second init of the revised catalogue" "$WORK/c.dump" "$WORK/d.dump"

# --- an indicator left out is retired; the actuals stay
actuals() { sqlite3 "$DB" "SELECT count(*) FROM actuals"; }
n_before=$(actuals)
init "$WORK/without-30.json" > "$WORK/init5.out" 2>&1 || fail "init without indicator 30 failed: $(cat "$WORK/init5.out")"
n_after=$(actuals)
[ "$n_before" = "$n_after" ] || fail "retiring indicator 30 changed the actuals: $n_before rows before, $n_after after"
pt status --json > "$WORK/status-retired.json" || fail "status --json after retiring 30 failed"
python3 - "$WORK/status-retired.json" <<'PY' || fail "status after retiring indicator 30 (see above)"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
errs = []
if len(rows) != 29:
    errs.append("%d entries, expected 29" % len(rows))
if any(r.get("no") == 30 for r in rows):
    errs.append("the retired indicator 30 is still in the status")
want = {3: (67.9, "2023"), 17: (60.2, "2023")}
for r in rows:
    if r.get("no") in want:
        v, p = want.pop(r["no"])
        if r.get("actual") is None or abs(r["actual"] - v) > 1e-9 or r.get("actual_period") != p:
            errs.append("no %d: actual %r for %r, expected %r for %r"
                        % (r["no"], r.get("actual"), r.get("actual_period"), v, p))
if want:
    errs.append("indicators %s missing from the status" % sorted(want))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
kept=$(sqlite3 "$DB" "SELECT count(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 30")
[ "$kept" = 1 ] || fail "the retired indicator 30 lost its actual: $kept rows left, expected 1"

[ "$FAILED" = 0 ] || exit 1
echo ok
