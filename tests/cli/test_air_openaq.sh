#!/bin/sh
# The airquality plugin on OpenAQ v3: pages fetched with the API key (a
# secret file) in its header, paged while meta.found says there is more,
# values in the units the API gives (converted by the host: mg/m³ → µg/m³;
# a unit that does not convert, ppb, fails that page's unit and names it),
# the cursor per sensor, and the days derived like file data.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/feeds" "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB PLANTRACK_NOW NOTIFY_SOCKET http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY || true
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
cp "$BUILD/plugins/airquality.so" "$WORK/plugins/"

# Sensor 11: PM2.5 at 1029A, two pages; 12: CO in mg/m³ at 1029A; 13: O3 in ppb.
python3 - "$WORK/feeds" <<'PY'
import json, os, sys
d = sys.argv[1]
def page(param, units, values, found, start_hour):
    res = []
    for i, v in enumerate(values):
        h = start_hour + i
        res.append({"value": v, "flagInfo": {"hasFlags": False},
                    "parameter": {"id": 2, "name": param, "units": units},
                    "period": {"label": "raw", "interval": "01:00:00",
                               "datetimeFrom": {"utc": "2024-01-01T%02d:00:00Z" % (h - 1)},
                               "datetimeTo": {"utc": "2024-01-01T%02d:00:00Z" % h}}})
    return {"meta": {"name": "openaq-api", "page": 1, "limit": 1000, "found": found}, "results": res}
json.dump(page("pm25", "µg/m³", [30 + i for i in range(12)], 1500, 1), open(os.path.join(d, "openaq-11-1.json"), "w"))
json.dump(page("pm25", "µg/m³", [50 + i for i in range(11)], 1500, 13), open(os.path.join(d, "openaq-11-2.json"), "w"))
json.dump(page("co", "mg/m³", [0.8] * 10, 10, 1), open(os.path.join(d, "openaq-12-1.json"), "w"))
json.dump(page("o3", "ppb", [20] * 5, 5, 1), open(os.path.join(d, "openaq-13-1.json"), "w"))
PY
printf 's3cret-openaq-key\n' > "$WORK/key"; chmod 600 "$WORK/key"

python3 "$SRC/tests/servers/httpd.py" --feeds "$WORK/feeds" --log "$WORK/access.log" \
    --lifetime 60 < /dev/null > "$WORK/port" 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT=$(cut -d' ' -f1 "$WORK/port")
[ -n "$PORT" ] || die "the test HTTP server did not start"

cat > "$WORK/c.json" <<JSON
{"store": "$WORK/s.db", "catalogues": ["$SRC/config/indicators/shijiazhuang-2021-2025.json"],
 "plugin_dir": "$WORK/plugins", "http": {"retries": 0},
 "feeds": [{"name": "openaq", "plugin": "airquality",
   "secrets": {"api_key": {"file": "$WORK/key"}},
   "settings": {"city": "shijiazhuang", "stations": ["1029A"],
     "openaq": {"api": "http://127.0.0.1:$PORT/openaq",
                "sensors": [{"id": 11, "station": "1029A"}, {"id": 12, "station": "1029A"},
                            {"id": 13, "station": "1029A"}]},
     "start": "2024-01-01T08:00", "end": "2024-01-02T08:00"}}]}
JSON
rc=0; "$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run.err" || rc=$?
[ "$rc" = 1 ] || fail "expected exit 1 (the ppb page fails), got $rc: $(tail -3 "$WORK/run.err")"
grep -q 'unit "ppb"' "$WORK/run.err" || fail "the refused unit is not named: $(grep -i ppb "$WORK/run.err")"
q() { sqlite3 "$WORK/s.db" "$1"; }
n() { q "SELECT COUNT(*) FROM observations o JOIN series s ON s.id = o.series_id WHERE s.name = '$1' AND o.value IS NOT NULL"; }
[ "$(n pm2_5)" = 23 ] || fail "PM2.5: $(n pm2_5) values stored, expected 23 (two pages)"
[ "$(n co)" = 10 ] || fail "CO: $(n co) values stored, expected 10"
[ "$(n o3)" = 0 ] || fail "O3 in ppb was stored"
[ "$(q "SELECT DISTINCT o.value FROM observations o JOIN series s ON s.id = o.series_id WHERE s.name = 'co'")" = 0.8 ] \
    || fail "CO not kept in mg/m³"
grep -q "page=2 - s3cret-openaq-key" "$WORK/access.log" || fail "page 2 was not fetched with the key: $(cat "$WORK/access.log")"
[ "$(q "SELECT json_extract(cursor, '\$.openaq.\"11\"') FROM cursors")" = 1704150000 ] \
    || fail "sensor 11's cursor: $(q 'SELECT cursor FROM cursors')"
[ "$(n aqi_1h)" -gt 0 ] || fail "no hourly AQI was derived"
[ "$(q "SELECT COUNT(*) FROM observations o JOIN series s ON s.id = o.series_id JOIN sites t ON t.id = o.site_id WHERE s.name = 'pm2_5_1d' AND t.code = 'shijiazhuang'")" -ge 1 ] \
    || fail "no city day was derived"
# The next run asks sensor 11 only for what came after its cursor.
: > "$WORK/access.log"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2>&1 || true
grep -q "sensors/11/measurements?datetime_from=2024-01-01T23:00:01Z" "$WORK/access.log" \
    || fail "the second run did not start after the cursor: $(grep sensors/11 "$WORK/access.log")"
# No key, no data: the secret is required.
sed 's/"secrets": {"api_key": {"file": "[^"]*"}},//' "$WORK/c.json" > "$WORK/nokey.json"
rc=0; "$PTD" --check-config --config "$WORK/nokey.json" > /dev/null 2> "$WORK/nokey.err" || rc=$?
[ "$rc" = 2 ] && grep -q "API key is missing" "$WORK/nokey.err" || fail "a feed without its key was accepted: $(cat "$WORK/nokey.err")"

[ "$FAILED" = 0 ] || exit 1
echo ok
