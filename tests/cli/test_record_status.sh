#!/bin/sh
# The acceptance path: a fresh store, actuals recorded by hand (by number and
# by id, again, revised, provisional, negative, in another unit) and the
# status and show JSON they produce.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/s.db
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
pt() { "$PLANTRACK" --db "$DB" "$@"; }
dump() { sqlite3 "$DB" .dump > "$1"; }
export PLANTRACK_NOW=2025-12-15T00:00:00Z
unset NO_COLOR PLANTRACK_DB || true

"$PLANTRACK" init --catalogue "$CAT" --db "$DB" > "$WORK/init.out" 2>&1 \
    || die "init of a fresh store failed: $(cat "$WORK/init.out")"
[ -f "$DB" ] || die "init did not create $DB"

pt record 3 2023 67.9 > "$WORK/rec1.out" 2>&1 || die "record 3 2023 67.9 failed: $(cat "$WORK/rec1.out")"
grep -q '^recorded' "$WORK/rec1.out" || fail "record 3 2023 67.9 does not say recorded: $(cat "$WORK/rec1.out")"

# --- status --json: the acceptance figures and the shape of every object
pt status --year 2023 --json > "$WORK/status1.json" || die "status --year 2023 --json failed"
python3 - "$WORK/status1.json" <<'PY' || fail "status --year 2023 --json (see above)"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
errs = []
if not isinstance(rows, list):
    sys.exit("status --json is not an array but %s" % type(rows).__name__)
if len(rows) != 30:
    errs.append("expected 30 objects, got %d" % len(rows))
keys = ["no", "id", "name_zh", "name_en", "unit", "kind", "direction", "attribute",
        "bureau", "base_year", "base", "target_year", "target", "year", "expected",
        "actual", "actual_period", "gap", "projection", "verdict"]
ints = ["no", "base_year", "target_year", "year"]
nums = ["base", "target", "expected", "actual", "gap", "projection"]
strs = ["id", "name_zh", "name_en", "unit", "kind", "direction", "attribute", "bureau",
        "verdict"]
def isnum(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)
for i, r in enumerate(rows):
    if not isinstance(r, dict):
        errs.append("[%d] is not an object" % i); continue
    missing = [k for k in keys if k not in r]
    if missing:
        errs.append("[%d] (no %s) lacks keys %s" % (i, r.get("no"), missing))
    for k in ints:
        if k in r and not (isinstance(r[k], int) and not isinstance(r[k], bool)):
            errs.append("[%d].%s is %r, not a JSON integer" % (i, k, r[k]))
    for k in nums:
        if k in r and r[k] is not None and not isnum(r[k]):
            errs.append("[%d].%s is %r, not a JSON number" % (i, k, r[k]))
    for k in strs:
        if k in r and not isinstance(r[k], str):
            errs.append("[%d].%s is %r, not a string" % (i, k, r[k]))
    if "actual_period" in r and r["actual_period"] is not None and not isinstance(r["actual_period"], str):
        errs.append("[%d].actual_period is %r, not a string or null" % (i, r["actual_period"]))
    if r.get("year") != 2023:
        errs.append("[%d].year is %r, not 2023" % (i, r.get("year")))
nos = sorted(r.get("no") for r in rows if isinstance(r, dict))
if nos != list(range(1, 31)):
    errs.append("numbers are %s, not 1..30" % nos)
by = [r for r in rows if isinstance(r, dict) and r.get("no") == 3]
if len(by) != 1:
    errs.append("%d objects with no 3" % len(by))
else:
    r = by[0]
    def near(k, want):
        v = r.get(k)
        if not isnum(v) or abs(v - want) > 1e-9:
            errs.append("no 3: %s is %r, expected %r" % (k, v, want))
    if r.get("id") != "urbanization-rate":
        errs.append("no 3: id is %r" % r.get("id"))
    near("expected", 68.4); near("actual", 67.9); near("gap", -0.5)
    if r.get("verdict") != "at_risk":
        errs.append("no 3: verdict is %r, expected 'at_risk'" % r.get("verdict"))
    if r.get("actual_period") != "2023":
        errs.append("no 3: actual_period is %r, expected '2023'" % r.get("actual_period"))
    if r.get("projection", 0) is not None:
        errs.append("no 3: projection is %r, expected null" % r.get("projection"))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# --- the id in place of the number
pt record urbanization-rate 2024 68.6 > "$WORK/rec2.out" 2>&1 \
    || fail "record urbanization-rate 2024 68.6 failed: $(cat "$WORK/rec2.out")"
grep -q '^recorded' "$WORK/rec2.out" || fail "record by id does not say recorded: $(cat "$WORK/rec2.out")"

# --- the same value again adds nothing
dump "$WORK/before.dump"
pt record 3 2023 67.9 > "$WORK/rec3.out" 2>&1 || fail "repeated record 3 2023 67.9 failed: $(cat "$WORK/rec3.out")"
dump "$WORK/after.dump"
cmp -s "$WORK/before.dump" "$WORK/after.dump" \
    || fail "repeating record 3 2023 67.9 changed the store: $(diff "$WORK/before.dump" "$WORK/after.dump" | head -5)"
grep -q 'unchanged' "$WORK/rec3.out" || fail "repeated record does not say unchanged: $(cat "$WORK/rec3.out")"

# --- a different value adds vintage 2
pt record 3 2023 68.0 > "$WORK/rec4.out" 2>&1 || fail "record 3 2023 68.0 failed: $(cat "$WORK/rec4.out")"
grep -q 'vintage 2' "$WORK/rec4.out" || fail "record 3 2023 68.0 does not report vintage 2: $(cat "$WORK/rec4.out")"

# --- provisional, negative, converted
pt record 17 2024 55 --provisional --as-of 2024-06-30 > "$WORK/rec5.out" 2>&1 \
    || fail "record 17 2024 55 --provisional --as-of 2024-06-30 failed: $(cat "$WORK/rec5.out")"
pt record energy-intensity-reduction 2021 -3.2 > "$WORK/rec6.out" 2>&1 \
    || fail "record energy-intensity-reduction 2021 -3.2 failed: $(cat "$WORK/rec6.out")"
pt record 3 2022 676 --unit ‰ > "$WORK/rec7.out" 2>&1 \
    || fail "record 3 2022 676 --unit ‰ failed: $(cat "$WORK/rec7.out")"

pt show 3 --json > "$WORK/show3.json" || fail "show 3 --json failed"
pt show 17 --json > "$WORK/show17.json" || fail "show 17 --json failed"
pt show energy-intensity-reduction --json > "$WORK/show15.json" || fail "show energy-intensity-reduction --json failed"
pt status --year 2023 --json > "$WORK/status2.json" || fail "second status --year 2023 --json failed"

python3 - "$WORK" <<'PY' || fail "show/status after the further records (see above)"
import json, sys, os
w = sys.argv[1]
def load(n):
    return json.load(open(os.path.join(w, n), encoding="utf-8"))
errs = []
def close(a, b):
    return isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a - b) < 1e-9

s3 = load("show3.json")
acts = s3.get("actuals", [])
y23 = sorted((a.get("vintage"), a.get("value")) for a in acts
             if a.get("period") == "2023" and a.get("status") == "final")
if len(y23) != 2 or y23[0][0] != 1 or y23[1][0] != 2 or not close(y23[0][1], 67.9) \
        or not close(y23[1][1], 68.0):
    errs.append("show 3: 2023 finals are %r, expected vintage 1 = 67.9 and vintage 2 = 68.0" % y23)
y24 = [a.get("value") for a in acts if a.get("period") == "2024"]
if len(y24) != 1 or not close(y24[0], 68.6):
    errs.append("show 3: 2024 actuals are %r, expected [68.6] (recorded by id)" % y24)
y22 = [a for a in acts if a.get("period") == "2022"]
if len(y22) != 1 or not close(y22[0].get("value"), 67.6):
    errs.append("show 3: 2022 (676 ‰) is %r, expected a value of 67.6 %%" % y22)
elif not close(y22[0].get("reported_value"), 676) or y22[0].get("reported_unit") != "‰":
    errs.append("show 3: 2022 reported as %r %r, expected 676 ‰"
                % (y22[0].get("reported_value"), y22[0].get("reported_unit")))

s17 = load("show17.json")
prov = [a for a in s17.get("actuals", []) if a.get("period") == "2024"]
if len(prov) != 1:
    errs.append("show 17: 2024 actuals are %r, expected one provisional" % prov)
else:
    p = prov[0]
    if p.get("status") != "provisional" or p.get("as_of") != "2024-06-30" or not close(p.get("value"), 55):
        errs.append("show 17: 2024 actual is %r, expected provisional 55 as of 2024-06-30" % p)

s15 = load("show15.json")
neg = [a.get("value") for a in s15.get("actuals", []) if a.get("period") == "2021"]
if len(neg) != 1 or not close(neg[0], -3.2):
    errs.append("show energy-intensity-reduction: 2021 actuals are %r, expected [-3.2]" % neg)

st = [r for r in load("status2.json") if r.get("no") == 3]
if len(st) != 1 or not close(st[0].get("actual"), 68.0) or st[0].get("actual_period") != "2023":
    errs.append("status --year 2023: no 3 is %r, expected actual 68.0 (vintage 2) for 2023"
                % (st[0] if st else None))
elif not close(st[0].get("gap"), 68.0 - 68.4):
    errs.append("status --year 2023: no 3 gap is %r, expected -0.4" % st[0].get("gap"))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

[ "$FAILED" = 0 ] || exit 1
echo ok
