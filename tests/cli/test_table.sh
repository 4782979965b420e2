#!/bin/sh
# The status table: no colour off a terminal, a row per indicator, 100 display
# columns; the default year before and after the plan's end; indicators
# --json; --help of every command; usage errors.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/t.db
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
pt() { "$PLANTRACK" --db "$DB" "$@"; }
unset NO_COLOR PLANTRACK_DB || true
export PLANTRACK_NOW=2025-12-15T00:00:00Z
ESC=$(printf '\033')

"$PLANTRACK" init --catalogue "$CAT" --db "$DB" > "$WORK/init.out" 2>&1 \
    || die "init failed: $(cat "$WORK/init.out")"
# some actuals so that the table has values, periods, ytd, gaps and verdicts
while read -r id period value as_of; do
    if [ -n "$as_of" ]; then
        pt record "$id" "$period" "$value" --provisional --as-of "$as_of" > /dev/null < /dev/null \
            || die "record $id $period $value --provisional --as-of $as_of failed"
    else
        pt record "$id" "$period" "$value" > /dev/null < /dev/null || die "record $id $period $value failed"
    fi
done <<'EOF'
3 2021 66.9
3 2022 67.7
3 2023 67.9
1 2021 6.5
1 2022 3.8
15 2021 -3.2
17 2024 61.0
17 2025 57.4 2025-06-30
18 2023 47
22 2023 455
24 2024 123456789.125
13 2024 0.25
EOF

# table_checks FILE LABEL: the table has a row for each of the 30 indicators
# and every line fits 100 display columns
cat > "$WORK/table.py" <<'PY'
import json, sys, unicodedata
table, label, indicators = sys.argv[1:4]
def width(s):
    n = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n
lines = open(table, encoding="utf-8").read().split("\n")
errs = []
for i, l in enumerate(lines, 1):
    if width(l) > 100:
        errs.append("%s: line %d is %d columns wide: %s" % (label, i, width(l), l))
for ind in json.load(open(indicators, encoding="utf-8")):
    no, name = ind["no"], ind["name_zh"]
    # the row: the number right-aligned in two columns, then the name
    rows = [l for l in lines if l.startswith("%2d %s" % (no, name[:3]))]
    if len(rows) != 1:
        errs.append("%s: %d rows start with %r, expected 1"
                    % (label, len(rows), "%2d %s" % (no, name[:3])))
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

pt indicators --json > "$WORK/indicators.json" || die "indicators --json failed"
python3 - "$WORK/indicators.json" <<'PY' || fail "indicators --json (see above)"
import json, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(rows, list), "not an array"
assert len(rows) == 30, "%d entries, expected 30" % len(rows)
bad = [r.get("no") for r in rows if not isinstance(r.get("feed"), str) or not r["feed"]]
assert not bad, "entries without a feed: %s" % bad
assert sorted(r["no"] for r in rows) == list(range(1, 31)), "numbers are not 1..30"
PY

# --- not a terminal: no colour
pt status > "$WORK/status.txt" || fail "status failed"
if grep -q "$ESC" "$WORK/status.txt"; then fail "status off a terminal prints ANSI escapes"; fi
python3 "$WORK/table.py" "$WORK/status.txt" "status" "$WORK/indicators.json" || fail "status table (see above)"

# --- --color=always: colour
pt status --color=always > "$WORK/color.txt" || fail "status --color=always failed"
grep -q "$ESC" "$WORK/color.txt" || fail "status --color=always prints no ANSI escape"
pt status --color=never > "$WORK/nocolor.txt" || fail "status --color=never failed"
if grep -q "$ESC" "$WORK/nocolor.txt"; then fail "status --color=never prints ANSI escapes"; fi

# --- an ended plan: the final assessment for its target year
PLANTRACK_NOW=2026-11-28T00:00:00Z pt status > "$WORK/ended.txt" || fail "status (2026) failed"
grep -q "final assessment for 2025" "$WORK/ended.txt" \
    || fail "status in 2026 does not say final assessment for 2025: $(head -3 "$WORK/ended.txt")"
python3 "$WORK/table.py" "$WORK/ended.txt" "status in 2026" "$WORK/indicators.json" \
    || fail "status table in 2026 (see above)"
PLANTRACK_NOW=2026-11-28T00:00:00Z pt status --json > "$WORK/ended.json" || fail "status --json (2026) failed"
python3 -c '
import json, sys
ys = sorted({r["year"] for r in json.load(open(sys.argv[1]))})
assert ys == [2025], "years %s, expected [2025]" % ys
' "$WORK/ended.json" || fail "status --json in 2026: year is not 2025"

# --- a running plan: the current year
PLANTRACK_NOW=2023-05-01T00:00:00Z pt status --json > "$WORK/2023.json" || fail "status --json (2023) failed"
python3 -c '
import json, sys
ys = sorted({r["year"] for r in json.load(open(sys.argv[1]))})
assert ys == [2023], "years %s, expected [2023]" % ys
' "$WORK/2023.json" || fail "status --json on 2023-05-01: year is not 2023"
PLANTRACK_NOW=2023-05-01T00:00:00Z pt status > "$WORK/2023.txt" || fail "status (2023) failed"
grep -q "for 2023" "$WORK/2023.txt" || fail "status on 2023-05-01 does not say it is for 2023: $(head -3 "$WORK/2023.txt")"
if grep -q "final assessment" "$WORK/2023.txt"; then fail "status on 2023-05-01 says final assessment"; fi

# --- --help
for cmd in "" init status indicators show record; do
    rc=0
    # shellcheck disable=SC2086
    "$PLANTRACK" $cmd --help > "$WORK/help.txt" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "plantrack $cmd --help: exit status $rc"
    for s in NAME SYNOPSIS DESCRIPTION; do
        grep -q "^$s" "$WORK/help.txt" || fail "plantrack $cmd --help has no $s"
    done
done

# --- usage errors
rc=0; pt frobnicate > /dev/null 2> "$WORK/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown command: exit status $rc, expected 2"
grep -q frobnicate "$WORK/err" || fail "unknown command: stderr does not name it: $(cat "$WORK/err")"
rc=0; pt status --frobnicate > /dev/null 2> "$WORK/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown option of status: exit status $rc, expected 2"
rc=0; "$PLANTRACK" --frobnicate status > /dev/null 2> "$WORK/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown global option: exit status $rc, expected 2"

[ "$FAILED" = 0 ] || exit 1
echo ok
