#!/bin/sh
# The airquality plugin over a synthetic year with known gaps
# (plugins/airquality/tests/synthetic/): the year figures it stores equal
# the ones expected.py computes from the same files in exact arithmetic,
# its FINAL actuals 17 and 18 carry them, and a year with only 20 valid days
# in July yields no final actual, only provisional ones that say why.
#
# Two stores, two daemons run side by side:
#   valid    2024 (a leap year; February keeps exactly 25 valid days, April 27)
#   invalid  2023 (the same, but July keeps 20 valid days)
# Years must lie in the plan's range (2020-2035 for shijiazhuang-2021-2025):
# the host refuses an actual outside it, and with it the year's unit.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB PLANTRACK_NOW NOTIFY_SOCKET || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
SYN=$SRC/plugins/airquality/tests/synthetic
cp "$BUILD/plugins/airquality.so" "$WORK/plugins/"
T0=$(date +%s)

setup() { # mode year
    d=$WORK/$1
    mkdir -p "$d"
    python3 "$SYN/make_year.py" "$1" "$2" "$d/data" || die "make_year.py $1 $2 failed"
    python3 - "$d" "$2" "$SRC" "$WORK/plugins" <<'PY'
import json, sys
d, year, src, plugins = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
meta = json.load(open(d + "/data/year.json", encoding="utf-8"))
settings = {"city": "synthcity", "folder": d + "/data", "template": "{date}.csv",
            "start": "%d-01-01T00:00" % year, "end": "%d-01-01T00:00" % (year + 1),
            "stations": meta["stations"], "background": meta["background"],
            "dust_days": meta["dust_days"], "max_files": 400}
conf = {"store": d + "/s.db",
        "catalogues": [src + "/config/indicators/shijiazhuang-2021-2025.json"],
        "plugin_dir": plugins,
        "feeds": [{"name": "air", "plugin": "airquality", "settings": settings}]}
json.dump(conf, open(d + "/c.json", "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
}
setup valid 2024 &
g1=$!
setup invalid 2023 &
g2=$!
wait $g1 || die "generating the valid year failed"
wait $g2 || die "generating the invalid year failed"
T1=$(date +%s)

# the daemon, once per store, in parallel; the expected figures meanwhile
"$PTD" --once --config "$WORK/valid/c.json" > /dev/null 2> "$WORK/valid/run.err" &
p1=$!
"$PTD" --once --config "$WORK/invalid/c.json" > /dev/null 2> "$WORK/invalid/run.err" &
p2=$!
python3 "$SYN/expected.py" "$WORK/valid/data" --days > "$WORK/valid/expected.json" \
    || fail "expected.py on the valid year failed"
python3 "$SYN/expected.py" "$WORK/invalid/data" --days > "$WORK/invalid/expected.json" \
    || fail "expected.py on the invalid year failed"
T2=$(date +%s)
rc1=0; wait $p1 || rc1=$?
rc2=0; wait $p2 || rc2=$?
T3=$(date +%s)
[ "$rc1" = 0 ] || fail "plantrackd on the valid year exited $rc1: $(tail -3 "$WORK/valid/run.err")"
[ "$rc2" = 0 ] || fail "plantrackd on the invalid year exited $rc2: $(tail -3 "$WORK/invalid/run.err")"
echo "timing: generate $((T1 - T0)) s, expected.py $((T2 - T1)) s (beside the daemons), daemons $((T3 - T1)) s (both years in parallel)"

# city series (daily and yearly) and the actuals, dumped for the comparison
dump() { # mode
    sqlite3 -separator '|' "$WORK/$1/s.db" "SELECT s.name, o.time, COALESCE(o.value, ''), o.flags
        FROM observations o JOIN series s ON s.id = o.series_id JOIN sites t ON t.id = o.site_id
        WHERE t.code = 'synthcity' AND (s.name LIKE '%\_1d' ESCAPE '\' OR s.name LIKE '%\_1y%' ESCAPE '\')" \
        > "$WORK/$1/city.txt"
    sqlite3 -separator '|' "$WORK/$1/s.db" "SELECT i.no, a.period, a.status, a.as_of, a.value, COALESCE(a.provenance, '')
        FROM actuals a JOIN indicators i ON i.key = a.indicator_key ORDER BY i.no, a.period, a.status" \
        > "$WORK/$1/actuals.txt"
}
dump valid
dump invalid

python3 - "$WORK" <<'PY' || fail "the plugin's figures differ from expected.py's (above)"
import datetime, json, sys
work = sys.argv[1]
TZ = datetime.timezone(datetime.timedelta(hours=8))
YEAR_SERIES = ["pm2_5_1y", "pm2_5_1y_raw", "pm2_5_1y_days", "pm10_1y", "pm10_1y_raw",
               "good_ratio_1y", "good_ratio_1y_days", "o3_8h_p90_1y", "o3_8h_p90_1y_days",
               "co_p95_1y", "co_p95_1y_days"]
DAY_SERIES = ["pm2_5_1d", "pm10_1d", "so2_1d", "no2_1d", "co_1d", "o3_1h_max_1d",
              "o3_8h_max_1d", "aqi_1d", "good_1d"]
bad = []


def same(stored, want):
    """A stored REAL against an exact decimal string: the double nearest the
    decimal, or both missing."""
    if want is None or stored in (None, ""):
        return (want is None) == (stored in (None, ""))
    return float(stored) == float(want)


for mode in ("valid", "invalid"):
    exp = json.load(open("%s/%s/expected.json" % (work, mode), encoding="utf-8"))
    year = exp["year"]
    y0 = int(datetime.datetime(year, 1, 1, tzinfo=TZ).timestamp())
    stored_year, stored_day = {}, {}
    for line in open("%s/%s/city.txt" % (work, mode), encoding="utf-8"):
        name, t, value, flags = line.rstrip("\n").split("|")
        t = int(t)
        if name in YEAR_SERIES and t == y0:
            stored_year[name] = (value, int(flags))
        elif name in DAY_SERIES:
            day = datetime.datetime.fromtimestamp(t, TZ).date().isoformat()
            stored_day[(name, day)] = value
    print("%s year %d: %s%s; valid days by month %s" % (
        mode, year, "valid" if exp["valid_year"] else "not valid",
        "" if exp["valid_year"] else " (" + exp["invalid_reason"] + ")",
        " ".join(str(exp["month_valid_days"][str(m)]) for m in range(1, 13))))
    print("  %-20s %10s %10s   %s" % ("series", "expected", "stored", "expected over AQI days only"))
    for s in YEAR_SERIES:
        want = exp["figures"][s]
        value, flags = stored_year.get(s, (None, 0))
        ok = s in stored_year and same(value, want)
        alt = exp["aqi_days_only"][s]
        print("  %-20s %10s %10s   %s%s" % (s, want, value if value not in (None, "") else "-",
                                           alt, "" if ok else "   <- differs"))
        if not ok:
            bad.append("%d %s: expected %s, stored %s%s" % (
                year, s, want, value,
                " (the value over valid AQI days only, %s)" % alt
                if value not in (None, "") and alt is not None and float(value) == float(alt) else ""))
        elif flags & 2:
            bad.append("%d %s: flagged year-to-date though the year is over" % (year, s))
    # the city's days, series by series
    diff = {}
    for day, want_day in exp["days"].items():
        for s in DAY_SERIES:
            want = want_day[s]
            got = stored_day.get((s, day))
            if not same(got, want):
                diff.setdefault(s, []).append("%s expected %s stored %s" % (day, want, got))
    print("  city days: %d days x %d series compared, %d differ" % (
        len(exp["days"]), len(DAY_SERIES), sum(len(v) for v in diff.values())))
    for s, v in sorted(diff.items()):
        bad.append("%d %s: %d days differ, e.g. %s" % (year, s, len(v), "; ".join(v[:3])))

    # the actuals
    acts = [l.rstrip("\n").split("|", 5) for l in open("%s/%s/actuals.txt" % (work, mode), encoding="utf-8")]
    mine = [a for a in acts if a[1] == str(year)]
    for a in mine:
        print("  actual %s %s %s%s value %s  %s" % (a[0], a[1], a[2], " as of " + a[3] if a[3] else "",
                                                  a[4], a[5]))
    if mode == "valid":
        for no, series in (("17", "good_ratio_1y"), ("18", "pm2_5_1y")):
            final = [a for a in mine if a[0] == no and a[2] == "final"]
            if not final:
                bad.append("%d: no final actual for indicator %s" % (year, no))
            elif not same(final[-1][4], exp["figures"][series]):
                bad.append("%d: indicator %s final actual %s, expected %s (%s)" % (
                    year, no, final[-1][4], exp["figures"][series], series))
            prov = [a for a in mine if a[0] == no and a[2] != "final"]
            if prov:
                bad.append("%d: indicator %s has a provisional actual too: %s" % (year, no, prov))
    else:
        final = [a for a in mine if a[2] == "final"]
        if final:
            bad.append("%d (not a valid year): final actuals %s" % (year, final))
        for no in ("17", "18"):
            prov = [a for a in mine if a[0] == no and a[2] == "provisional"]
            if not prov:
                bad.append("%d: no provisional actual for indicator %s" % (year, no))
                continue
            p = json.loads(prov[-1][5] or "{}")
            why = p.get("not_final", "")
            # 17 counts AQI days, 18 its own daily PM2.5 values (GB 3095-2012)
            want = "month 7 has 20 valid days" if no == "17" else "month 7 has 21 valid daily PM2.5 values"
            if want not in why:
                bad.append("%d: indicator %s provisional actual does not say which month: %r" % (year, no, why))
            if prov[-1][3] != exp["last_valid_day"]:
                bad.append("%d: indicator %s provisional as of %s, the last valid day is %s" % (
                    year, no, prov[-1][3], exp["last_valid_day"]))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

"$PLANTRACK" --db "$WORK/invalid/s.db" show 18 > "$WORK/invalid/show18.txt" 2>&1 || true
grep -q "month 7 has 21 valid daily PM2.5 values" "$WORK/invalid/show18.txt" \
    || fail "plantrack show 18 does not say why 2023 is not final: $(head -20 "$WORK/invalid/show18.txt")"

echo "timing: whole test $(($(date +%s) - T0)) s"
[ "$FAILED" = 0 ] || exit 1
echo ok
