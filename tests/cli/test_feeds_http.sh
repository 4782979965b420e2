#!/bin/sh
# Feeds over HTTP through the daemon: a 404 fails its unit and nothing else;
# a 500 is retried; an unchanged feed costs a 304 and no parsing; a unit
# whose fetch or whose content failed is fetched in full on the next run;
# another feed beside them commits regardless.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK/feeds" "$WORK/plugins"
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
unset PLANTRACK_DB NOTIFY_SOCKET http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY || true
export PLANTRACK_NOW=2025-12-15T00:00:00Z
BUILD=$(cd "$(dirname "$PLANTRACK")/.." && pwd)
PTD=$BUILD/core/plantrackd
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
cp "$BUILD/plugins/csvdrop.so" "$BUILD/tests/plugins/testfeed/testfeed.so" "$WORK/plugins/"

printf 'indicator,period,value\n3,2023,67.9\n' > "$WORK/feeds/good.csv"
printf 'indicator,period,value\n10,2023,78.2\n' > "$WORK/feeds/flaky.csv"
printf 'indicator,period,value\n14,2023,eleven\n' > "$WORK/feeds/broken.csv"

python3 "$SRC/tests/servers/httpd.py" --feeds "$WORK/feeds" --log "$WORK/access.log" \
    --lifetime 60 < /dev/null > "$WORK/port" 2>/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT=$(cut -d' ' -f1 "$WORK/port")
[ -n "$PORT" ] || die "the test HTTP server did not start"
U=http://127.0.0.1:$PORT/feed

cat > "$WORK/c.json" <<JSON
{"store": "$WORK/s.db", "catalogues": ["$CAT"], "plugin_dir": "$WORK/plugins",
 "http": {"retries": 2, "backoff": 0.02, "backoff_max": 0.1, "timeout": 5},
 "feeds": [
  {"name": "web", "plugin": "csvdrop", "settings": {"urls": [
     "$U?file=good.csv", "$U?file=late.csv", "$U?file=flaky.csv&fail=1", "$U?file=broken.csv"]}},
  {"name": "local", "plugin": "testfeed", "settings": {"units": [
     {"name": "u", "actuals": [{"indicator": "21", "period": "2024", "value": 42.6}]}]}}]}
JSON
q() { sqlite3 "$WORK/s.db" "$1"; }
val() { q "SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = $1 ORDER BY vintage DESC LIMIT 1"; }

rc=0; "$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run1.err" || rc=$?
[ "$rc" = 1 ] || fail "first run exited $rc, expected 1 (late.csv is missing): $(tail -3 "$WORK/run1.err")"
grep -F -q "HTTP 404 from $U?file=late.csv" "$WORK/run1.err" || fail "the 404 is not reported with its URL"
grep -F -q "broken.csv: line 2" "$WORK/run1.err" || fail "the broken file is not reported with its line"
[ "$(val 3)" = 67.9 ] || fail "good.csv was not ingested"
[ "$(val 10)" = 78.2 ] || fail "flaky.csv was not ingested after its 500 was retried"
[ "$(val 21)" = 42.6 ] || fail "the other feed did not commit"
[ -z "$(val 14)" ] || fail "the broken file committed something"
[ "$(grep -c 'file=flaky.csv' "$WORK/access.log")" = 2 ] || fail "the 500 was not retried exactly once"

# The missing file appears, the broken one is mended; run again.
printf 'indicator,period,value\n12,2023,97.6\n' > "$WORK/feeds/late.csv"
printf 'indicator,period,value\n14,2023,11.0\n' > "$WORK/feeds/broken.csv"
: > "$WORK/access.log"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2> "$WORK/run2.err" \
    || fail "second run failed: $(tail -3 "$WORK/run2.err")"
# good.csv: asked conditionally, answered 304, not parsed again
grep -q 'file=good.csv "' "$WORK/access.log" || fail "good.csv was not asked for conditionally: $(cat "$WORK/access.log")"
grep -q "2 files ingested, 2 unchanged, 0 failed" "$WORK/run2.err" \
    || fail "expected 2 files ingested and 2 unchanged: $(grep 'feed web' "$WORK/run2.err")"
# late.csv (fetch failed) and broken.csv (content failed): fetched in full
grep -q 'file=late.csv - -$' "$WORK/access.log" || fail "late.csv was fetched conditionally after a failed fetch"
grep -q 'file=broken.csv - -$' "$WORK/access.log" || fail "broken.csv was fetched conditionally after a failed unit"
[ "$(val 12)" = 97.6 ] || fail "late.csv was not ingested on the next run"
[ "$(val 14)" = 11.0 ] || fail "the mended file was not ingested on the next run"
[ "$(q "SELECT COUNT(*) FROM actuals WHERE vintage > 1")" = 0 ] || fail "a re-run added vintages"

# A file that changes back (A, B, A) is ingested each time: the value
# returns to A's as a third vintage.
printf 'indicator,period,value\n13,2023,0.5\n' > "$WORK/feeds/good.csv"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2>&1 || fail "third run failed"
printf 'indicator,period,value\n13,2023,0.6\n' > "$WORK/feeds/good.csv"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2>&1 || fail "fourth run failed"
printf 'indicator,period,value\n13,2023,0.5\n' > "$WORK/feeds/good.csv"
"$PTD" --once --config "$WORK/c.json" > /dev/null 2>&1 || fail "fifth run failed"
[ "$(q "SELECT group_concat(value, ' ') FROM (SELECT value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 13 ORDER BY vintage)")" = "0.5 0.6 0.5" ] \
    || fail "a file changed back was not ingested again: $(q "SELECT vintage, value FROM actuals a JOIN indicators i ON i.key = a.indicator_key WHERE i.no = 13")"

[ "$FAILED" = 0 ] || exit 1
echo ok
