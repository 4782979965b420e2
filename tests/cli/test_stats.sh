#!/bin/sh
# The stats plugin through plantrackd --once: three releases in three
# formats (the bureau's query API, SDMX-JSON flat, CSV) become series,
# derived series and actuals with provenance; hasdata false is missing, not
# zero; a second run changes nothing; a census release revising three years
# adds a vintage per year, the status takes the latest, `plantrack show`
# lists all and the verdict moves; malformed releases fail alone, named
# with where they fail, and change nothing stored; refused settings name
# the setting; the demo's releases fill the stats bureau's indicators with
# the feed stanza proposed for config/demo/plantrack.json.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/rel" "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB NOTIFY_SOCKET NO_COLOR || true
export PLANTRACK_NOW=2025-03-15T00:00:00Z
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
DATA=$SRC/plugins/stats/tests/data/cli
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
cp "$BUILD/plugins/stats.so" "$WORK/plugins/"
cp "$DATA/01-nbs-2024-02.json" "$DATA/02-population-flat.json" "$DATA/03-gdp-ytd-2024.csv" \
    "$WORK/rel/"
pt() { "$PLANTRACK" --db "$WORK/s.db" "$@"; }
q() { sqlite3 "$WORK/s.db" "$1"; }
# the latest vintage of an actual: q_actual ID PERIOD STATUS
q_actual() {
    q "SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key
       WHERE i.id = '$1' AND period = '$2' AND status = '$3' ORDER BY as_of DESC, vintage DESC LIMIT 1"
}
# the stored data, without the run bookkeeping
dump() {
    q "SELECT i.id, period, status, as_of, vintage, value, source, provenance FROM actuals a
       JOIN indicators i ON i.key = a.indicator_key ORDER BY 1, 2, 3, 4, 5;
       SELECT s.name, t.code, time, quote(value), flags FROM observations o
       JOIN series s ON s.id = o.series_id JOIN sites t ON t.id = o.site_id ORDER BY 1, 2, 3;
       SELECT series_id, time, quote(value) FROM observation_history ORDER BY 1, 2, 3"
}
verdict() { python3 -c '
import json, sys
for r in json.load(open(sys.argv[1], encoding="utf-8")):
    if r["id"] == sys.argv[2]:
        print(r["verdict"], r["actual"], r["actual_period"], r.get("actual_status"))' "$1" "$2"; }

cat > "$WORK/c.json" <<JSON
{"store": "$WORK/s.db", "catalogues": ["$CAT"], "plugin_dir": "$WORK/plugins",
 "feeds": [{"name": "stats", "plugin": "stats", "settings": {
   "folder": "$WORK/rel", "site": "shijiazhuang", "first_year": 2020,
   "series": [
     {"name": "gdp", "nbs": {"zb": "A020101", "reg": "130100"}, "unit": "亿元",
      "actual": {"indicator": "gdp-total"}},
     {"name": "gdp_index", "nbs": {"zb": "A020201", "reg": "130100"}, "unit": "1",
      "basis": "real"},
     {"name": "pop_urban", "sdmx": {"REF_AREA": "130100", "INDICATOR": "POP_URB"},
      "unit": "万人", "source_unit": "PS_1E4"},
     {"name": "pop_resident", "sdmx": {"REF_AREA": "130100", "INDICATOR": "POP_RES"},
      "unit": "万人", "source_unit": "PS_1E4"},
     {"name": "gdp_growth_ytd", "csv": {"series": "gdp_growth_ytd", "region": "130100"},
      "unit": "%", "frequency": "quarterly", "ytd": true, "basis": "real",
      "actual": {"indicator": "gdp-growth", "basis": "real"}}],
   "derive": [
     {"name": "gdp_growth", "op": "index_growth", "from": "gdp_index", "decimals": 1,
      "actual": {"indicator": "gdp-growth", "basis": "real"}},
     {"name": "gdp_growth_cumulative", "op": "chain", "from": "gdp_growth", "base_year": 2020,
      "decimals": 2},
     {"name": "urbanization", "op": "share", "numerator": "pop_urban",
      "denominator": "pop_resident", "decimals": 2,
      "actual": {"indicator": "urbanization-rate"}}]}}]}
JSON

# ---- 1. three releases, three formats
"$PTD" --once --config "$WORK/c.json" > "$WORK/run1.out" 2> "$WORK/run1.err" \
    || die "the first run failed: $(tail -3 "$WORK/run1.err")"
grep -q "3 releases ingested, 0 unchanged, 0 failed" "$WORK/run1.err" \
    || fail "run 1: $(grep 'feed stats' "$WORK/run1.err")"
[ "$(q_actual gdp-growth 2023 final)" = 6.3 ] || fail "gdp-growth 2023: $(q_actual gdp-growth 2023 final)"
[ "$(q_actual gdp-growth 2021 final)" = 6.5 ] || fail "gdp-growth 2021: $(q_actual gdp-growth 2021 final)"
[ "$(q_actual gdp-growth 2024 provisional)" = 6.1 ] \
    || fail "gdp-growth 2024 year to date: $(q_actual gdp-growth 2024 provisional)"
[ "$(q "SELECT group_concat(as_of) FROM actuals a JOIN indicators i ON i.key = a.indicator_key
       WHERE i.id = 'gdp-growth' AND status = 'provisional'")" = "2024-03-31,2024-06-30,2024-09-30" ] \
    || fail "the year-to-date actuals are not provisional as of each quarter's end"
[ "$(q_actual gdp-total 2023 final)" = 7534.2 ] || fail "gdp-total 2023: $(q_actual gdp-total 2023 final)"
# 762.76 / 1123.36 = 67.8999…% to two decimals
[ "$(q_actual urbanization-rate 2023 final)" = 67.9 ] \
    || fail "urbanization-rate 2023: $(q_actual urbanization-rate 2023 final)"
# 749.59 from the message's second data set, which revises the first's 749.00
[ "$(q_actual urbanization-rate 2021 final)" = 66.9 ] \
    || fail "urbanization-rate 2021: $(q_actual urbanization-rate 2021 final)"
# hasdata false: stored as missing (NULL), never 0; no 2024 final
T2024=1704038400 # 2024-01-01T00:00+08:00
[ "$(q "SELECT quote(value) FROM observations o JOIN series s ON s.id = o.series_id
       WHERE s.name = 'gdp_index' AND time = $T2024")" = NULL ] \
    || fail "gdp_index 2024 (hasdata false) is not stored as missing"
[ "$(q "SELECT count(*) FROM observations o JOIN series s ON s.id = o.series_id
       WHERE s.name = 'gdp_growth' AND time = $T2024")" = 0 ] \
    || fail "a growth was derived from a missing index"
[ -z "$(q_actual gdp-growth 2024 final)" ] || fail "a 2024 final came from hasdata false"
[ -z "$(q_actual gdp-total 2024 final)" ] || fail "gdp-total 2024 came from hasdata false"
# the other city's rows are not this feed's
[ "$(q "SELECT count(*) FROM sites")" = 1 ] || fail "sites: $(q 'SELECT code FROM sites')"
# a chained, derived series, exportable
pt export observations --series gdp_growth_cumulative > "$WORK/cum.csv" \
    || fail "export of gdp_growth_cumulative failed"
python3 - "$WORK/cum.csv" <<'PY' || fail "gdp_growth_cumulative (above)"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
want = {"2021": 6.5, "2022": 13.10, "2023": 20.23}  # (1.065 · 1.062 · 1.063 − 1) · 100
got = {r["time"][:4]: float(r["value"]) for r in rows}
print("gdp_growth_cumulative:", got)
if got != want:
    sys.exit("expected %s" % want)
PY
# provenance: how each actual was derived and from which releases
prov=$(q "SELECT provenance FROM actuals a JOIN indicators i ON i.key = a.indicator_key
          WHERE i.id = 'urbanization-rate' AND period = '2023'")
python3 - "$prov" <<'PY' || fail "urbanization-rate provenance: $prov"
import json, sys
p = json.loads(sys.argv[1])
assert p["op"] == "ratio" and p["formula"] == "pop_urban / pop_resident * 100", p
assert p["inputs"][0] == {"series": "pop_urban", "values": {"2023": 762.76}}, p
assert p["releases"] == ["02-population-flat.json"], p
assert p["feed"] == "stats" and p["period"] == "2023", p
PY
prov=$(q "SELECT provenance FROM actuals a JOIN indicators i ON i.key = a.indicator_key
          WHERE i.id = 'gdp-total' AND period = '2022'")
echo "$prov" | grep -q '"at":"returndata.datanodes\[1\] (zb A020101, reg 130100, sj 2022)"' \
    || fail "gdp-total provenance does not say where in the release: $prov"
pt status --json > "$WORK/status1.json" || die "status --json failed"
before=$(verdict "$WORK/status1.json" gdp-growth)
echo "gdp-growth before the census: $before"
case $before in on_track*" 2024 provisional") ;; *) fail "gdp-growth before the census: $before" ;; esac

# ---- 2. again: nothing new, nothing changes
dump > "$WORK/dump1"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run2.err" \
    || die "the second run failed: $(tail -3 "$WORK/run2.err")"
grep -q "0 releases ingested, 3 unchanged, 0 failed" "$WORK/run2.err" \
    || fail "run 2: $(grep 'feed stats' "$WORK/run2.err")"
dump > "$WORK/dump2"
cmp -s "$WORK/dump1" "$WORK/dump2" || fail "a second run changed the store: $(diff "$WORK/dump1" "$WORK/dump2" | head -5)"

# ---- 3. the census revises 2021-2023 at once
cp "$DATA/census/04-census-2025-01.json" "$WORK/rel/"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run3.err" \
    || die "the census run failed: $(tail -3 "$WORK/run3.err")"
pt show gdp-growth --json > "$WORK/show.json" || die "show gdp-growth --json failed"
python3 - "$WORK/show.json" <<'PY' || fail "show gdp-growth after the census (above)"
import json, sys
show = json.load(open(sys.argv[1], encoding="utf-8"))
acts = show["actuals"]
def vintages(period, status="final"):
    return [(a["vintage"], a["value"]) for a in acts
            if a["period"] == period and a.get("status", "final") == status]
want = {"2021": [(1, 6.5), (2, 5.0)], "2022": [(1, 6.2), (2, 4.8)], "2023": [(1, 6.3), (2, 5.1)]}
for p, w in want.items():
    got = sorted(vintages(p))
    print("gdp-growth %s: %s" % (p, got))
    assert got == w, (p, got)
assert len(vintages("2024", "provisional")) == 3, vintages("2024", "provisional")
rev = [a for a in acts if a["period"] == "2022" and a["vintage"] == 2][0]
prov = rev["provenance"] if isinstance(rev["provenance"], dict) else json.loads(rev["provenance"])
assert prov["releases"] == ["04-census-2025-01.json"], prov
PY
for y in 2021 2022 2023; do
    [ "$(q "SELECT count(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key
           WHERE i.id = 'gdp-total' AND period = '$y'")" = 2 ] || fail "gdp-total $y: no new vintage"
done
pt show gdp-growth > "$WORK/show.txt"
[ "$(grep -c ' final  *v[12] ' "$WORK/show.txt")" -ge 6 ] \
    || fail "plantrack show does not list every vintage: $(grep final "$WORK/show.txt")"
pt status --json > "$WORK/status2.json"
after=$(verdict "$WORK/status2.json" gdp-growth)
echo "gdp-growth after the census: $after"
case $after in off_track*) ;; *) fail "the verdict did not move: $before -> $after" ;; esac
# the old values are kept: the index, the growth derived from it, the chain
[ "$(q "SELECT count(*) FROM observation_history h JOIN series s ON s.id = h.series_id
       WHERE s.name IN ('gdp_index', 'gdp_growth', 'gdp_growth_cumulative', 'gdp')")" = 12 ] \
    || fail "observation history: $(q 'SELECT series_id, time, value FROM observation_history')"

# ---- 4. malformed releases: each fails alone, says where, changes nothing
dump > "$WORK/dump3"
cp "$DATA"/bad/*.json "$WORK/rel/"
rc=0
"$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run4.err" || rc=$?
[ "$rc" = 1 ] || fail "a run with bad releases exits $rc, not 1"
for want in '05-broken.json: line 3, column 0:' \
    '06-wrong-unit.json: returndata.datanodes[0] (zb A020101, reg 130100, sj 2024): series gdp: the release gives unit "亿美元", the series is in "亿元"' \
    '07-huge-index.json: data.dataSets[0].observations["0:99999999999"]: key "0:99999999999": index too large' \
    '08-returncode.json: returncode 501: the bureau answered with an error: 查询参数错误'; do
    grep -qF "$want" "$WORK/run4.err" || fail "no error saying: $want"
done
grep -F 'feed stats' "$WORK/run4.err" | sed 's/^/  /'
dump > "$WORK/dump4"
cmp -s "$WORK/dump3" "$WORK/dump4" || fail "bad releases changed the store: $(diff "$WORK/dump3" "$WORK/dump4" | head -5)"
q "SELECT error FROM runs ORDER BY id DESC LIMIT 1" | grep -q "07-huge-index.json" \
    || fail "the run record does not name the failed release"
rm -f "$WORK"/rel/0[5-8]-*.json

# ---- 5. settings refused with the setting's name
check() {
    python3 - "$WORK/c.json" "$WORK/bad.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
exec(sys.argv[3], {"s": c["feeds"][0]["settings"]})
json.dump(c, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
    rc=0
    "$PTD" --check-config --config "$WORK/bad.json" > /dev/null 2> "$WORK/check.err" || rc=$?
    [ "$rc" = 2 ] || fail "check-config with $1 exits $rc"
    grep -qF "$2" "$WORK/check.err" || fail "check-config with $1: $(cat "$WORK/check.err")"
}
check 's["derive"][0]["op"] = "index_grwth"' 'settings.derive[0].op: expected index_growth'
check 's["series"][1]["frequncy"] = "annual"' 'settings.series[1].frequncy: unknown key'
check 's["series"][1]["basis"] = "nominal"' \
    'settings.derive[0].actual.basis: indicator gdp-growth takes real figures, but series gdp_growth is nominal'
check 's["derive"][1]["from"] = "gdp_growth_cumulative"' \
    'settings.derive[1].from: no series "gdp_growth_cumulative" before this entry'
check 's["series"][4]["ytd"] = False' 'a quarterly series fills an indicator only as the year to date'
check 's["derive"][2]["numerator"] = "gdp"' 'a share needs numerator and denominator in one unit'
check 'del s["first_year"]' 'settings.series[0].actual.first_year: missing'
check 's["series"][0]["name"] = "GDP total"' 'settings.series[0].name: expected a series name'
check 's["series"][0]["nbs"]["zb"] = "A02\u0001"' 'settings.series[0].nbs.zb: expected a code'

# ---- 5b. a unit prefix or UNIT_MULT moves the decimal point: 75342000 万元 is
# the published 7534.2 亿元 (× 1e-4 in binary gives 7534.200000000001, and the
# same figure published in 亿元 would then be a spurious revision); a.csv, a
# one-letter name, is a release too
mkdir -p "$WORK/rel2"
printf 'series,period,value,unit\ngdp,2023,75342000,万元\n' > "$WORK/rel2/a.csv"
cat > "$WORK/rel2/b.json" <<'JSON'
{"data": {"structures": [{"dimensions": {
   "series": [{"id": "INDICATOR", "values": [{"id": "POP"}]}],
   "observation": [{"id": "TIME_PERIOD", "roles": ["TIME_PERIOD"], "values": [{"id": "2023"}]}]},
  "attributes": {"series": [{"id": "UNIT_MULT", "values": [{"id": "-4"}]},
                            {"id": "UNIT_MEASURE", "values": [{"id": "PS_1E4"}]}]}}],
  "dataSets": [{"series": {"0": {"attributes": [0, 0], "observations": {"0": [11233500]}}}}]}}
JSON
cat > "$WORK/c2.json" <<JSON
{"store": "$WORK/s2.db", "catalogues": ["$CAT"], "plugin_dir": "$WORK/plugins",
 "feeds": [{"name": "stats", "plugin": "stats", "settings": {
   "folder": "$WORK/rel2", "site": "shijiazhuang", "first_year": 2020,
   "series": [{"name": "gdp", "csv": "gdp", "unit": "亿元", "actual": {"indicator": "gdp-total"}},
              {"name": "pop", "sdmx": {"INDICATOR": "POP"}, "unit": "万人", "source_unit": "PS_1E4"}]}}]}
JSON
"$PTD" --once --config "$WORK/c2.json" > /dev/null 2> "$WORK/run5.err" \
    || fail "the unit run failed: $(grep 'feed stats' "$WORK/run5.err")"
got=$(sqlite3 "$WORK/s2.db" "SELECT group_concat(s.name || '=' || quote(value), ' ') FROM observations o
        JOIN series s ON s.id = o.series_id")
[ "$got" = "gdp=7534.2 pop=1123.35" ] || fail "unit prefixes, UNIT_MULT: $got"
got=$(sqlite3 "$WORK/s2.db" "SELECT quote(value) FROM actuals")
[ "$got" = 7534.2 ] || fail "gdp-total from 万元: $got"

# ---- 6. the demo: its releases with the proposed feed stanza
python3 - "$SRC" "$WORK/demo.json" "$WORK" "$CAT" <<'PY' || die "cannot build the demo configuration"
import json, os, sys
src, out, work, cat = sys.argv[1:]
demo = json.load(open(os.path.join(src, "config/demo/plantrack.json"), encoding="utf-8"))
feed = [f for f in demo.get("feeds", []) if f.get("plugin") == "stats"]
feed = feed[0] if feed else json.load(open(os.path.join(src, "config/demo/stats/feed.json"),
                                           encoding="utf-8"))
feed["settings"]["folder"] = os.path.join(src, "config/demo", feed["settings"]["folder"])
json.dump({"store": work + "/demo.db", "catalogues": [cat], "plugin_dir": work + "/plugins",
           "feeds": [feed]}, open(out, "w", encoding="utf-8"), ensure_ascii=False)
PY
unset PLANTRACK_NOW
"$PTD" --once --config "$WORK/demo.json" > /dev/null 2> "$WORK/demo.err" \
    || fail "the demo's stats feed failed: $(grep 'feed stats' "$WORK/demo.err")"
"$PLANTRACK" --db "$WORK/demo.db" status --json > "$WORK/demo-status.json"
python3 - "$WORK/demo-status.json" <<'PY' || fail "the demo does not fill the stats bureau's indicators (above)"
import json, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1], encoding="utf-8"))}
want = ["gdp-growth", "labour-productivity-growth", "urbanization-rate",
        "disposable-income-growth", "gdp-total"]
for i in want:
    r = rows[i]
    print("demo %-28s %-9s actual %s (%s)" % (i, r["verdict"], r["actual"], r["actual_period"]))
    assert r["actual"] is not None, i
PY

[ "$FAILED" = 0 ] || exit 1
echo ok
