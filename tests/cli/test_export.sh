#!/bin/sh
# export observations: CSV bytes exactly (header, time-then-site order, +08:00
# hour-ending times, number formatting, empty missing values, quoted text),
# JSON, --site, --from/--to as local days and as instants (both inclusive),
# --tz across a DST change, --with-flags, refusals (exit 2) and --help.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/s.db
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
pt() { "$PLANTRACK" --db "$DB" "$@"; }
export PLANTRACK_NOW=2025-12-15T00:00:00Z
unset PLANTRACK_DB TZ || true

"$PLANTRACK" init --catalogue "$CAT" --db "$DB" > "$WORK/init.out" 2>&1 \
    || die "init failed: $(cat "$WORK/init.out")"

# Two stations whose ids run against their codes (the order must follow the
# code), four hour-ending hours across Shanghai's midnight of 1-2 January 2022:
# 22:00, 23:00 on the 1st and 00:00, 01:00 on the 2nd, +08:00, which are
# 14:00-17:00Z on the 1st (1641045600 + k*3600). A text series shares the
# instants; dst_1h straddles Berlin's spring-forward on 2022-03-27 at 01:00Z.
sqlite3 "$DB" <<'SQL' || die "inserting the fixture failed"
INSERT INTO sites (id, code, name, kind) VALUES
  (1, '1029A', '高新区', 'station'), (2, '1001A', '世纪公园', 'station'),
  (3, '1002A', '人民会堂', 'station');
INSERT INTO series (id, name, unit) VALUES
  (1, 'pm2_5_1h', 'µg/m³'), (2, 'primary_1h', ''), (3, 'dst_1h', 'µg/m³'),
  (4, 'co_1h', 'mg/m³'), (5, 'co_1d', 'mg/m³');
INSERT INTO observations (time, series_id, site_id, value, text, unit, flags, source) VALUES
  (1641045600, 1, 1, 36, NULL, 'µg/m³', 0, 'test'),
  (1641045600, 1, 2, 0.041, NULL, 'µg/m³', 0, 'test'),
  (1641049200, 1, 1, NULL, NULL, 'µg/m³', 0, 'test'),
  (1641049200, 1, 2, 123.456789012345678, NULL, 'µg/m³', 0, 'test'),
  (1641052800, 1, 1, -5, NULL, 'µg/m³', 1, 'test'),
  (1641052800, 1, 2, 100, NULL, 'µg/m³', 0, 'test'),
  (1641056400, 1, 1, 2.50, NULL, 'µg/m³', 0, 'test'),
  (1641056400, 1, 2, 0.1 + 0.2, NULL, 'µg/m³', 0, 'test'),
  (1641045600, 2, 1, NULL, 'pm2_5', '', 0, 'test'),
  (1641045600, 2, 2, NULL, '', '', 0, 'test'),
  (1641049200, 2, 2, NULL, 'pm2_5+pm10', '', 0, 'test'),
  (1641052800, 2, 1, NULL, 'a,"b"', '', 0, 'test'),
  (1641052800, 2, 2, NULL, 'x' || char(10) || 'y', '', 0, 'test'),
  (1641056400, 2, 1, NULL, NULL, '', 0, 'test'),
  (1648339200, 3, 1, 1, NULL, 'µg/m³', 0, 'test'),
  (1648342800, 3, 1, 2, NULL, 'µg/m³', 0, 'test'),
  (1641045600, 4, 3, 0.6, NULL, 'mg/m³', 0, 'test'),
  (1641052800, 5, 3, 0.6, NULL, 'mg/m³', 0, 'test');
SQL

# exports LABEL EXPECTED ARGS...: export observations ARGS must exit 0 and
# print exactly EXPECTED (a printf format without arguments).
exports() {
    label=$1 want=$2; shift 2
    # shellcheck disable=SC2059 # want is the format: it holds the \n escapes
    printf "$want" > "$WORK/want"
    rc=0
    pt export observations "$@" > "$WORK/got" 2> "$WORK/err" < /dev/null || rc=$?
    if [ "$rc" != 0 ]; then
        fail "$label: exit status $rc: $(cat "$WORK/err")"
    elif ! cmp -s "$WORK/want" "$WORK/got"; then
        fail "$label: output differs (- expected, + got):
$(diff -u "$WORK/want" "$WORK/got" | tail -n +3)"
    fi
}

H='series,site,time,value\n'
P1='pm2_5_1h,1001A,2022-01-01T22:00:00+08:00,0.041\npm2_5_1h,1029A,2022-01-01T22:00:00+08:00,36\n'
P2='pm2_5_1h,1001A,2022-01-01T23:00:00+08:00,123.456789012346\npm2_5_1h,1029A,2022-01-01T23:00:00+08:00,\n'
P3='pm2_5_1h,1001A,2022-01-02T00:00:00+08:00,100\npm2_5_1h,1029A,2022-01-02T00:00:00+08:00,-5\n'
P4='pm2_5_1h,1001A,2022-01-02T01:00:00+08:00,0.3\npm2_5_1h,1029A,2022-01-02T01:00:00+08:00,2.5\n'

# --- CSV: the whole series, default format, the plan's zone (Asia/Shanghai)
exports "csv" "$H$P1$P2$P3$P4" --series pm2_5_1h
exports "--format csv" "$H$P1$P2$P3$P4" --series pm2_5_1h --format csv
exports "text series" "${H}primary_1h,1001A,2022-01-01T22:00:00+08:00,
primary_1h,1029A,2022-01-01T22:00:00+08:00,pm2_5
primary_1h,1001A,2022-01-01T23:00:00+08:00,pm2_5+pm10
primary_1h,1001A,2022-01-02T00:00:00+08:00,\"x\ny\"
primary_1h,1029A,2022-01-02T00:00:00+08:00,\"a,\"\"b\"\"\"
primary_1h,1029A,2022-01-02T01:00:00+08:00,
" --series primary_1h

# --- --site
exports "--site 1029A" "${H}pm2_5_1h,1029A,2022-01-01T22:00:00+08:00,36
pm2_5_1h,1029A,2022-01-01T23:00:00+08:00,
pm2_5_1h,1029A,2022-01-02T00:00:00+08:00,-5
pm2_5_1h,1029A,2022-01-02T01:00:00+08:00,2.5
" --series pm2_5_1h --site 1029A
exports "--site of another series' station" "$H" --series pm2_5_1h --site 1002A

# --- --from/--to: a date is the local day as the method counts it: for
# hourly series the hours ending 01:00 … 24:00
exports "local day 2022-01-02" "$H$P4" --series pm2_5_1h --from 2022-01-02 --to 2022-01-02
exports "local day 2022-01-01" "$H$P1$P2$P3" --series pm2_5_1h --from 2022-01-01 --to 2022-01-01
exports "--to 2022-01-01" "$H$P1$P2$P3" --series pm2_5_1h --to 2022-01-01
exports "--from 2022-01-02" "$H$P4" --series pm2_5_1h --from 2022-01-02
# daily series are stamped with the midnight that starts their day
exports "daily series" "${H}co_1d,1002A,2022-01-02T00:00:00+08:00,0.6
" --series co_1d --from 2022-01-02 --to 2022-01-02
exports "daily series, day before" "$H" --series co_1d --to 2022-01-01
exports "--from 2022-01-03" "$H" --series pm2_5_1h --from 2022-01-03
exports "instants, inclusive" "$H$P2$P3" --series pm2_5_1h \
    --from 2022-01-01T23:00:00+08:00 --to 2022-01-01T16:00:00Z
exports "one instant" "$H$P2" --series pm2_5_1h --from 2022-01-01T15:00Z --to=2022-01-01T23:00+0800
exports "a second past an instant" "$H$P3" --series pm2_5_1h \
    --from 2022-01-01T23:00:01+08:00 --to 2022-01-02T00:59:59+08
exports "T24:00" "$H$P3" --series pm2_5_1h --from 2022-01-01T24:00:00+08:00 --to 2022-01-02T00:00:00+08:00
# in UTC all four hours lie on 1 January
exports "--tz UTC day" "$H" --series pm2_5_1h --tz UTC --from 2022-01-02
exports "--tz UTC times" "${H}pm2_5_1h,1029A,2022-01-01T14:00:00+00:00,36
pm2_5_1h,1029A,2022-01-01T15:00:00+00:00,
pm2_5_1h,1029A,2022-01-01T16:00:00+00:00,-5
pm2_5_1h,1029A,2022-01-01T17:00:00+00:00,2.5
" --series pm2_5_1h --tz UTC --site 1029A --to 2022-01-01
# the offset is the one in force at each instant
exports "--tz Europe/Berlin" "${H}dst_1h,1029A,2022-03-27T01:00:00+01:00,1
dst_1h,1029A,2022-03-27T03:00:00+02:00,2
" --series dst_1h --tz Europe/Berlin --from 2022-03-27 --to 2022-03-27

# --- --with-flags: a fifth column; invalid rows are exported either way
exports "--with-flags" "series,site,time,value,flags
pm2_5_1h,1001A,2022-01-02T00:00:00+08:00,100,
pm2_5_1h,1029A,2022-01-02T00:00:00+08:00,-5,invalid
" --series pm2_5_1h --with-flags --from 2022-01-02T00:00:00+08:00 --to 2022-01-02T00:00:00+08:00

# --- JSON
pt export observations --series pm2_5_1h --format json > "$WORK/p.json" 2> "$WORK/err" \
    || fail "--format json: exit status $?: $(cat "$WORK/err")"
pt export observations --series primary_1h --format=json > "$WORK/t.json" 2> "$WORK/err" \
    || fail "--format json (text): exit status $?: $(cat "$WORK/err")"
pt export observations --series pm2_5_1h --format json --from 2022-01-03 > "$WORK/e.json" 2> "$WORK/err" \
    || fail "--format json (empty): exit status $?: $(cat "$WORK/err")"
pt export observations --series pm2_5_1h --format json --with-flags --site 1029A > "$WORK/f.json" \
    2> "$WORK/err" || fail "--format json --with-flags: exit status $?: $(cat "$WORK/err")"
python3 - "$WORK" <<'PY' || fail "JSON output (see above)"
import json, sys
w = sys.argv[1]
errs = []
def load(name):
    try:
        return json.load(open(w + "/" + name, encoding="utf-8"))
    except Exception as e:
        errs.append("%s: not JSON: %s" % (name, e))
        return None
def row(series, site, time, value, **kw):
    return dict(series=series, site=site, time=time, value=value, **kw)
T = ["2022-01-01T22:00:00+08:00", "2022-01-01T23:00:00+08:00",
     "2022-01-02T00:00:00+08:00", "2022-01-02T01:00:00+08:00"]
want_p = [row("pm2_5_1h", s, T[i], v) for i, s, v in [
    (0, "1001A", 0.041), (0, "1029A", 36), (1, "1001A", 123.456789012346), (1, "1029A", None),
    (2, "1001A", 100), (2, "1029A", -5), (3, "1001A", 0.3), (3, "1029A", 2.5)]]
want_t = [row("primary_1h", s, T[i], v) for i, s, v in [
    (0, "1001A", ""), (0, "1029A", "pm2_5"), (1, "1001A", "pm2_5+pm10"),
    (2, "1001A", "x\ny"), (2, "1029A", 'a,"b"'), (3, "1029A", None)]]
want_f = [row("pm2_5_1h", "1029A", T[i], v, flags=f) for i, v, f in [
    (0, 36, ""), (1, None, ""), (2, -5, "invalid"), (3, 2.5, "")]]
for name, want in [("p.json", want_p), ("t.json", want_t), ("e.json", []), ("f.json", want_f)]:
    got = load(name)
    if got is None:
        continue
    if got != want:
        errs.append("%s:\n  got  %r\n  want %r" % (name, got, want))
    for i, r in enumerate(got if isinstance(got, list) else []):
        if isinstance(r, dict) and isinstance(r.get("value"), float) and r["value"] == int(r["value"]):
            errs.append("%s[%d]: value %r written as a float, not %d" % (name, i, r["value"], r["value"]))
        if isinstance(r, dict) and list(r)[:4] != ["series", "site", "time", "value"]:
            errs.append("%s[%d]: keys in order %s" % (name, i, list(r)))
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# --- refusals: exit 2, a message naming the option and the value, no output
refused() {
    label=$1 text=$2; shift 2
    rc=0
    "$@" < /dev/null > "$WORK/out" 2> "$WORK/err" || rc=$?
    [ "$rc" = 2 ] || fail "$label: exit status $rc, expected 2 (stderr: $(cat "$WORK/err"))"
    [ -s "$WORK/out" ] && fail "$label: wrote to stdout: $(head -3 "$WORK/out")"
    grep -F -q -e "$text" "$WORK/err" || fail "$label: stderr does not mention '$text': $(cat "$WORK/err")"
}
ex() { pt export observations "$@"; }
refused "unknown series" "unknown series pm25 (known: co_1d, co_1h, dst_1h, pm2_5_1h, primary_1h)" ex --series pm25
refused "unknown site" "unknown site 9999A (known: 1001A, 1002A, 1029A)" ex --series pm2_5_1h --site 9999A
refused "no --series" "--series" ex --site 1029A
refused "month 13" '--from "2022-13-01"' ex --series pm2_5_1h --from 2022-13-01
refused "30 February" '--to "2022-02-30"' ex --series pm2_5_1h --to 2022-02-30
refused "a word" '--from "yesterday"' ex --series pm2_5_1h --from yesterday
refused "no offset" '--from "2022-01-01T16:00:00"' ex --series pm2_5_1h --from 2022-01-01T16:00:00
refused "hour 25" '--to "2022-01-01T25:00:00Z"' ex --series pm2_5_1h --to 2022-01-01T25:00:00Z
refused "trailing junk" '--from "2022-01-01T16:00:00+08:00x"' ex --series pm2_5_1h --from 2022-01-01T16:00:00+08:00x
refused "--from after --to" "--from 2022-01-03 is after --to 2022-01-02" \
    ex --series pm2_5_1h --from 2022-01-03 --to 2022-01-02
refused "--format xml" '"xml"' ex --series pm2_5_1h --format xml
refused "--tz Mars" 'Mars/Olympus' ex --series pm2_5_1h --tz Mars/Olympus
refused "unknown option" "--sites" ex --series pm2_5_1h --sites 1029A
refused "no subject" "observations" pt export
refused "unknown subject" '"actuals"' pt export actuals

# --- --help reads like a man page
for args in "export" "export observations"; do
    rc=0
    # shellcheck disable=SC2086
    "$PLANTRACK" $args --help > "$WORK/help.txt" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "plantrack $args --help: exit status $rc"
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do
        grep -q "^$s" "$WORK/help.txt" || fail "plantrack $args --help has no $s"
    done
done
"$PLANTRACK" --help | grep -q '^    export ' || fail "plantrack --help does not list export"

exit $FAILED
