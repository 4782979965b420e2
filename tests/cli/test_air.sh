#!/bin/sh
# The airquality plugin on real data: Shijiazhuang's station files of
# 2022-01-01/02 ingested as a feed through plantrackd --once. The derived
# aqi_1h and primary_1h equal the published aqi and primarypollutant for
# every station-hour that publishes them; pm2_5_24h, pm10_24h, no2_24h and
# so2_24h equal the published 24-hour means on every second-day hour
# (exceptions only as listed, with reasons, in the data's
# exceptions-derived.txt). Then one corrected station-hour changes its
# derived hours, days, year and actual, and nothing else.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/data" "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB PLANTRACK_NOW NOTIFY_SOCKET || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
DATA=$SRC/plugins/airquality/tests/data/cnemc
cp "$BUILD/plugins/airquality.so" "$WORK/plugins/"
cp "$DATA/2022-01-01.csv" "$DATA/2022-01-02.csv" "$WORK/data/"

cat > "$WORK/c.json" <<JSON
{"store": "$WORK/s.db", "catalogues": ["$SRC/config/indicators/shijiazhuang-2021-2025.json"],
 "plugin_dir": "$WORK/plugins",
 "feeds": [{"name": "air", "plugin": "airquality", "settings": {
   "city": "shijiazhuang", "folder": "$WORK/data", "template": "{date}.csv",
   "start": "2022-01-01T00:00", "end": "2022-01-02T00:00",
   "stations": ["1029A", "1030A", "1031A", "1032A", "1033A", "1034A"],
   "background": ["1035A"]}}]}
JSON
"$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run1.err" \
    || die "ingesting the station files failed: $(tail -3 "$WORK/run1.err")"

# every derived and published value, as series,site,time,value lines
dump() {
    sqlite3 -separator ',' "$WORK/s.db" "SELECT s.name, t.code, o.time, COALESCE(o.text, o.value, '')
        FROM observations o JOIN series s ON s.id = o.series_id JOIN sites t ON t.id = o.site_id
        WHERE s.name IN ('aqi_1h', 'primary_1h', 'pm2_5_24h', 'pm10_24h', 'no2_24h', 'so2_24h')"
}
dump > "$WORK/derived.csv"
python3 - "$WORK/derived.csv" "$DATA" <<'PY' || fail "derived values differ from the published ones (above)"
import csv, datetime, os, sys
derived = {}
for s, site, t, v in csv.reader(open(sys.argv[1], encoding="utf-8")):
    derived[(s, site, int(t))] = v
data = sys.argv[2]
exceptions = {}
path = os.path.join(data, "exceptions-derived.txt")
for line in open(path, encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        series, tp, station, reason = line.split(None, 3)
        exceptions[(series, tp, station)] = reason
names = {"细颗粒物(PM2.5)": "pm2_5", "颗粒物(PM10)": "pm10", "二氧化硫": "so2", "二氧化氮": "no2",
         "一氧化碳": "co", "臭氧1小时": "o3", "臭氧8小时": "o3_8h"}
order = ["pm2_5", "pm10", "so2", "no2", "co", "o3", "o3_8h"]
count = {}
bad = []
def check(series, tp, station, published, got, same):
    key = (series, tp, station)
    ok = same(published, got)
    if key in exceptions:
        if ok:
            bad.append("%s %s %s is listed as an exception but reproduces" % key)
        count.setdefault(series, [0, 0, 0])[2] += 1
        return
    count.setdefault(series, [0, 0, 0])[0 if ok else 1] += 1
    if not ok:
        bad.append("%s %s %s: published %r, derived %r" % (series, tp, station, published, got))
for day in ("2022-01-01", "2022-01-02"):
    for r in csv.DictReader(open(os.path.join(data, day + ".csv"), encoding="utf-8-sig")):
        local = datetime.datetime.fromisoformat(r["timepoint"])
        t = int(local.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8))).timestamp())
        st = r["stationcode"]
        if r["aqi"]:
            check("aqi_1h", r["timepoint"], st, r["aqi"], derived.get(("aqi_1h", st, t)),
                  lambda p, g: g not in (None, "") and float(g) == float(p))
            codes = {names[x.strip()] for x in r["primarypollutant"].split(",") if x.strip()}
            want = "+".join(c for c in order if c in codes)
            check("primary_1h", r["timepoint"], st, want, derived.get(("primary_1h", st, t), ""),
                  lambda p, g: p == (g or ""))
        if day == "2022-01-02":
            for p in ("pm2_5", "pm10", "no2", "so2"):
                if r[p + "_24h"]:
                    check(p + "_24h", r["timepoint"], st, r[p + "_24h"],
                          derived.get((p + "_24h", st, t)),
                          lambda a, g: g not in (None, "") and float(g) == float(a))
for s in sorted(count):
    print("%-11s %4d match, %d differ, %d listed exceptions" % (s, *count[s]))
for b in bad[:20]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# The year: two valid days are no valid year; the actuals are provisional
# and say why.
q() { sqlite3 "$WORK/s.db" "$1"; }
[ "$(q "SELECT status || ' ' || as_of FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 18 AND period = '2022'")" = "provisional 2022-01-02" ] \
    || fail "the 2022 PM2.5 actual: $(q 'SELECT * FROM actuals')"
q "SELECT provenance FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 17" | grep -q '324 needed' \
    || fail "an invalid year does not say why it is not final"
"$PLANTRACK" --db "$WORK/s.db" show 18 | grep -q "324 needed" || fail "plantrack show does not show why"

# A correction: 1029A's PM2.5 at 2022-01-02 12:00 is published again, 600
# higher. Its hour, the moving means after it, the station's and the city's
# day, the year and the actual change; nothing of another station or
# another pollutant does.
before=$(q "SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 18 ORDER BY vintage DESC LIMIT 1")
python3 - "$WORK/data/2022-01-02.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
col = rows[0].index("pm2_5")
for r in rows[1:]:
    if r[0] == "2022-01-02T12:00:00" and r[1] == "1029A":
        r[col] = str(int(r[col]) + 600)
csv.writer(open(sys.argv[1], "w", encoding="utf-8", newline="")).writerows(rows)
PY
touch -d '+1 minute' "$WORK/data/2022-01-02.csv"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run2.err" \
    || die "the correction run failed: $(tail -3 "$WORK/run2.err")"
after=$(q "SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 18 ORDER BY vintage DESC LIMIT 1")
[ "$before" != "$after" ] || fail "the corrected hour did not change the PM2.5 actual ($before)"
[ "$(q "SELECT COUNT(*) FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 17 AND vintage > 1")" = 0 ] \
    || fail "the good-day ratio changed, though no day changed category"
q "SELECT s.name || ' ' || t.code FROM observation_history h JOIN series s ON s.id = h.series_id
   JOIN sites t ON t.id = h.site_id GROUP BY s.name, t.code" > "$WORK/changed.txt"
python3 - "$WORK/changed.txt" <<'PY' || fail "the correction changed more than it should (above)"
import sys
allowed_station = {"pm2_5", "iaqi_1h_pm2_5", "aqi_1h", "primary_1h", "pm2_5_24h", "pm2_5_1d"}
allowed_city = {"pm2_5_1d", "aqi_1d", "category_1d", "pm2_5_1y", "pm2_5_1y_raw"}
bad = []
seen = set()
for line in open(sys.argv[1]):
    series, site = line.split()
    seen.add((series, site))
    if not ((site == "1029A" and series in allowed_station) or
            (site == "shijiazhuang" and series in allowed_city)):
        bad.append(line.strip())
for need in [("pm2_5", "1029A"), ("pm2_5_24h", "1029A"), ("pm2_5_1d", "1029A"),
             ("pm2_5_1d", "shijiazhuang"), ("pm2_5_1y", "shijiazhuang")]:
    if need not in seen:
        bad.append("%s %s did not change" % need)
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

[ "$FAILED" = 0 ] || exit 1
echo ok
