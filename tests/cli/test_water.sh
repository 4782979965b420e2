#!/bin/sh
# The water plugin end to end (plugins/water/tests/synthetic/): a synthetic
# city of 17 sections over 2024 and January-June 2025 (several samples a
# month for some, a lake whose TP lies between the river and lake limits, a
# 劣V section, DO exactly at a limit, means exactly at a limit, detection
# limits, a dry quarter, a section outside the assessment list, one listed
# but never sampled) and the water bureau's groundwater submissions, through
# plantrackd --once. What the plugin stores equals what expected.py computes
# from the files alone in exact arithmetic: every section's class by month
# and year, the monthly and yearly shares, indicator 20's final 2024 actual
# (81.25 -> 81.2, half to even) and provisional 2025 one, indicator 19's
# cumulative cuts. The same releases as JSON give the same series. Then a
# release with a wrong unit and one with a hostile section code are refused
# with their file and line, and nothing already stored changes; the fixed
# release goes in on the next run.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB PLANTRACK_NOW NOTIFY_SOCKET || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
SYN=$SRC/plugins/water/tests/synthetic
D=$WORK/data
cp "$BUILD/plugins/water.so" "$WORK/plugins/"

python3 "$SYN/make_year.py" "$D" || die "make_year.py failed"
python3 "$SYN/expected.py" "$D" > "$WORK/expected.json" || die "expected.py failed"

# two stores: the CSV releases with the groundwater submissions, and the
# same releases as JSON
python3 - "$WORK" "$SRC" <<'PY'
import json, sys
work, src = sys.argv[1], sys.argv[2]
s = json.load(open(work + "/data/settings.json", encoding="utf-8"))
for kind in ("csv", "json"):
    settings = {"city": s["city"], "folder": work + "/data/" + kind, "start": "2024-01",
                "end": "2025-06", "sections": s["sections"], "lake_tn": s["lake_tn"]}
    if kind == "json":
        settings["template"] = "{yyyy}-{mm}.json"
    else:
        settings["groundwater"] = {"folder": work + "/data/gw", "reading": "yearly",
                                   "base": s["groundwater_base"]}
    conf = {"store": "%s/%s.db" % (work, kind),
            "catalogues": [src + "/config/indicators/shijiazhuang-2021-2025.json"],
            "plugin_dir": work + "/plugins",
            "feeds": [{"name": "water", "plugin": "water", "settings": settings}]}
    json.dump(conf, open("%s/%s.json" % (work, kind), "w", encoding="utf-8"),
              ensure_ascii=False, indent=1)
PY
for kind in csv json; do
    "$PTD" --once --config "$WORK/$kind.json" > /dev/null 2> "$WORK/$kind.err" \
        || die "plantrackd on the $kind releases failed: $(tail -3 "$WORK/$kind.err")"
done
grep "feed water: run 1" "$WORK/csv.err" | sed 's/^/  /'

pt() { # store args…
    db=$1; shift
    "$PLANTRACK" --db "$WORK/$db.db" "$@"
}
for s in water_class_1m water_class_1y water_class_iii_share_1m water_class_iii_share_1y \
         water_sections_1y water_class_iii_sections_1y; do
    for kind in csv json; do
        pt "$kind" export observations --series "$s" > "$WORK/$kind.$s.csv" \
            || fail "export $s from the $kind store failed"
    done
    cmp -s "$WORK/csv.$s.csv" "$WORK/json.$s.csv" \
        || fail "$s differs between the CSV and the JSON releases: $(diff "$WORK/csv.$s.csv" "$WORK/json.$s.csv" | head -5)"
done
pt csv show 20 --json > "$WORK/show20.json" || fail "plantrack show 20 --json failed"
pt csv show 19 --json > "$WORK/show19.json" || fail "plantrack show 19 --json failed"
pt csv status --json > "$WORK/status.json" || fail "plantrack status --json failed"

python3 - "$WORK" <<'PY' || fail "the plugin's figures differ from expected.py's (above)"
import csv, json, sys
work = sys.argv[1]
exp = json.load(open(work + "/expected.json", encoding="utf-8"))
bad = []


def export(series):
    """{(site, "YYYY-MM"): value} of an exported series (local times)."""
    out = {}
    for r in csv.DictReader(open("%s/csv.%s.csv" % (work, series), encoding="utf-8")):
        out[(r["site"], r["time"][:7])] = r["value"]
    return out


def same(stored, want):
    """A stored REAL against an exact decimal string: the double nearest it."""
    return stored not in (None, "") and want is not None and float(stored) == float(want)


cls_m, cls_y = export("water_class_1m"), export("water_class_1y")
share_m, share_y = export("water_class_iii_share_1m"), export("water_class_iii_share_1y")
n_y, good_y = export("water_sections_1y"), export("water_class_iii_sections_1y")
checked = 0
for year, e in sorted(exp["years"].items()):
    ym = year + "-01"
    for sec, k in sorted(e["sections"].items()):
        got = cls_y.get((sec, ym))
        checked += 1
        if got is None or float(got) != k:
            bad.append("%s %s: class %s, expected %s" % (year, sec, got, k))
    if set(s for s, t in cls_y if t == ym) != set(e["sections"]):
        bad.append("%s: sections with a yearly class %s, expected %s" % (
            year, sorted(s for s, t in cls_y if t == ym), sorted(e["sections"])))
    if not same(share_y.get(("synthcity", ym)), e["share"]):
        bad.append("%s: share %s, expected %s" % (year, share_y.get(("synthcity", ym)), e["share"]))
    if float(n_y.get(("synthcity", ym), -1)) != e["assessed"] or \
            float(good_y.get(("synthcity", ym), -1)) != e["good"]:
        bad.append("%s: %s of %s sections at or better than III, expected %s of %s" % (
            year, good_y.get(("synthcity", ym)), n_y.get(("synthcity", ym)), e["good"], e["assessed"]))
    for m, me in sorted(e["months"].items()):
        for sec, k in sorted(me["sections"].items()):
            got = cls_m.get((sec, m))
            checked += 1
            if got is None or float(got) != k:
                bad.append("%s %s: class %s, expected %s" % (m, sec, got, k))
        if not same(share_m.get(("synthcity", m)), me["share"]):
            bad.append("%s: share %s, expected %s" % (m, share_m.get(("synthcity", m)), me["share"]))
    print("  %s: %d sections assessed, %d at or better than III: share %s (expected %s)" % (
        year, e["assessed"], e["good"], share_y.get(("synthcity", ym)), e["share"]))
print("  %d section classes compared (months and years)" % checked)

# indicator 20: final 2024, provisional 2025 as of the last month's end
acts = json.load(open(work + "/show20.json", encoding="utf-8"))["actuals"]
by = {(a["period"], a["status"]): a for a in acts}
a24, a25 = by.get(("2024", "final")), by.get(("2025", "provisional"))
if not a24 or a24["value"] != float(exp["years"]["2024"]["share"]):
    bad.append("indicator 20, 2024: %s, expected final %s" % (a24, exp["years"]["2024"]["share"]))
elif (a24["provenance"]["sections"], a24["provenance"]["class_i_iii"], a24["provenance"]["not_assessed"],
      len(a24["provenance"]["months"]), a24["run"]) != (16, 13, ["S18"], 12, 1):
    bad.append("indicator 20, 2024: provenance %s" % a24["provenance"])
else:
    print("  indicator 20: 2024 final %s (run %s, %d sections, months %s-%s)" % (
        a24["value"], a24["run"], a24["provenance"]["sections"], a24["provenance"]["months"][0],
        a24["provenance"]["months"][-1]))
if ("2025", "final") in by:
    bad.append("indicator 20, 2025: final without a December release")
if not a25 or a25["as_of"] != "2025-06-30" or a25["value"] != float(exp["years"]["2025"]["share"]) \
        or "no December release" not in a25["provenance"].get("not_final", ""):
    bad.append("indicator 20, 2025: %s, expected provisional %s as of 2025-06-30" % (
        a25, exp["years"]["2025"]["share"]))
else:
    print("  indicator 20: 2025 provisional %s as of %s (%s)" % (
        a25["value"], a25["as_of"], a25["provenance"]["not_final"]))

# indicator 19: base 1 (2020) plus the yearly cuts since
acts = json.load(open(work + "/show19.json", encoding="utf-8"))["actuals"]
got = {a["period"]: a["value"] for a in acts if a["status"] == "final"}
want = {y: float(v) for y, v in exp["groundwater"].items()}
if got != want:
    bad.append("indicator 19: %s, expected %s" % (got, want))
else:
    print("  indicator 19: cumulative cuts %s" % " ".join("%s %s" % kv for kv in sorted(got.items())))

# the status names both
status = {r["no"]: r for r in json.load(open(work + "/status.json", encoding="utf-8"))}
if status[20]["actual_period"] != "2025" or status[19]["actual"] != want["2025"]:
    bad.append("status: 20 %s %s, 19 %s" % (status[20]["actual_period"], status[20]["actual_status"],
                                           status[19]["actual"]))
for b in bad[:30]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Run again: nothing changes.
count() { sqlite3 "$WORK/csv.db" "SELECT (SELECT COUNT(*) FROM observations) || ' ' ||
    (SELECT COUNT(*) FROM observation_history) || ' ' || (SELECT COUNT(*) FROM actuals) || ' ' ||
    (SELECT group_concat(period || status || as_of || value, ';') FROM actuals)"; }
before=$(count)
"$PTD" --once --config "$WORK/csv.json" > /dev/null 2> "$WORK/csv2.err" \
    || fail "the second run failed: $(tail -3 "$WORK/csv2.err")"
[ "$(count)" = "$before" ] || fail "a second run changed the store: $before -> $(count)"

# A release with a wrong unit (line 5: COD in mg/m3) and one with a hostile
# section code: both refused with their file and line; nothing stored
# changes; the run fails.
python3 - "$D/csv" <<'PY'
import sys
d = sys.argv[1]
lines = open(d + "/2025-06.csv", encoding="utf-8").read().replace("2025-06-", "2025-07-").splitlines(True)
assert lines[4].startswith("S01,") and ",cod,12,mg/L" in lines[4]
bad = list(lines)
bad[4] = bad[4].replace(",cod,12,mg/L", ",cod,12,mg/m3")
open(d + "/2025-07.csv", "w", encoding="utf-8").write("".join(bad))
open(d + "/2025-07.fixed", "w", encoding="utf-8").write("".join(lines))
hostile = lines[0] + "S\x1b]0;pwned\x07,x,river,2025-08-10,tp,0.1,mg/L\n"
open(d + "/2025-08.csv", "w", encoding="utf-8").write(hostile)
PY
sed -i 's/"end": "2025-06"/"end": "2025-08"/' "$WORK/csv.json"
rc=0
"$PTD" --once --config "$WORK/csv.json" > /dev/null 2> "$WORK/bad.err" || rc=$?
[ "$rc" != 0 ] || fail "a run with refused releases exited 0"
grep -q '2025-07.csv: line 5: cod: unit "mg/m3" does not fit cod (use mg/L or µg/L)' "$WORK/bad.err" \
    || fail "the wrong unit's message does not name the file and line: $(grep 2025-07 "$WORK/bad.err" | head -2)"
grep -q '2025-08.csv: line 2: section "S?\]0;pwned?": expected a code' "$WORK/bad.err" \
    || fail "the hostile section's message: $(grep 2025-08 "$WORK/bad.err" | head -2)"
if LC_ALL=C grep -q "$(printf '\033')" "$WORK/bad.err"; then fail "a control character reached the log"; fi
grep 'unit 2025-0[78].csv failed' "$WORK/bad.err" | sed 's/^/  /'
[ "$(count)" = "$before" ] || fail "refused releases changed the store: $before -> $(count)"

# The fixed release goes in on the next run (retried first): 2025 is now as
# of July's end.
mv "$D/csv/2025-07.fixed" "$D/csv/2025-07.csv"
"$PTD" --once --config "$WORK/csv.json" > /dev/null 2> "$WORK/fixed.err" || true
grep -q "unit 2025-07.csv failed" "$WORK/fixed.err" && fail "the fixed release was refused again"
as_of=$(sqlite3 "$WORK/csv.db" "SELECT as_of FROM actuals a JOIN indicators i ON i.key = a.indicator_key
    WHERE i.no = 20 AND period = '2025' ORDER BY as_of DESC LIMIT 1")
[ "$as_of" = "2025-07-31" ] || fail "after the fixed July release, 2025 is as of $as_of, not 2025-07-31"

[ "$FAILED" = 0 ] || exit 1
echo ok
