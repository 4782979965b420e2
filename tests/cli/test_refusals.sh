#!/bin/sh
# Refused input: exit status 2, a message on stderr that names what is wrong
# and where, and the store byte-identical before and after. Covers record's
# argument checks and catalogues broken in exactly one place.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/s.db
CAT=$SRC/config/indicators/shijiazhuang-2021-2025.json
FAILED=0
fail() { echo "FAIL: $*" >&2; FAILED=1; }
die() { echo "FAIL: $*" >&2; exit 1; }
export PLANTRACK_NOW=2025-12-15T00:00:00Z
unset PLANTRACK_DB || true

"$PLANTRACK" init --catalogue "$CAT" --db "$DB" > "$WORK/init.out" 2>&1 \
    || die "init failed: $(cat "$WORK/init.out")"
"$PLANTRACK" --db "$DB" record 3 2023 67.9 > "$WORK/rec.out" 2>&1 \
    || die "record 3 2023 67.9 failed: $(cat "$WORK/rec.out")"
sqlite3 "$DB" .dump > "$WORK/ref.dump"

# refused LABEL CMD...: CMD must exit 2, say something on stderr and leave the
# store as it was. Its stderr is left in $WORK/err for has().
refused() {
    label=$1; shift
    rc=0
    "$@" < /dev/null > "$WORK/out" 2> "$WORK/err" || rc=$?
    if [ "$rc" != 2 ]; then
        fail "$label: exit status $rc, expected 2 (stdout: $(cat "$WORK/out"); stderr: $(cat "$WORK/err"))"
    fi
    [ -s "$WORK/err" ] || fail "$label: nothing on stderr"
    sqlite3 "$DB" .dump < /dev/null > "$WORK/now.dump"
    cmp -s "$WORK/ref.dump" "$WORK/now.dump" \
        || fail "$label: the store changed: $(diff "$WORK/ref.dump" "$WORK/now.dump" | head -5)"
}
# has LABEL TEXT: the last refusal's stderr contains TEXT
has() {
    grep -F -q -e "$2" "$WORK/err" || fail "$1: stderr does not mention '$2': $(cat "$WORK/err")"
}
rec() { "$PLANTRACK" --db "$DB" record "$@"; }

# --- record: values that are not numbers
refused 'record 3 2023 abc' rec 3 2023 abc
has 'record 3 2023 abc' 'value'; has 'record 3 2023 abc' '"abc"'
refused 'record 3 2023 1.2.3' rec 3 2023 1.2.3
has 'record 3 2023 1.2.3' 'value'; has 'record 3 2023 1.2.3' '"1.2.3"'
refused 'record 3 2023 ""' rec 3 2023 ''
has 'record 3 2023 ""' 'value'; has 'record 3 2023 ""' '""'

# --- unknown indicators
refused 'record nope 2023 1' rec nope 2023 1
has 'record nope 2023 1' 'indicator'; has 'record nope 2023 1' 'nope'
refused 'record 99 2023 1' rec 99 2023 1
has 'record 99 2023 1' 'indicator'; has 'record 99 2023 1' '99'

# --- periods outside the plan's range (2020-2035) or not a year
for p in 2019 2036 20x3; do
    refused "record 3 $p 67" rec 3 "$p" 67
    has "record 3 $p 67" "$p"; has "record 3 $p 67" 'period'; has "record 3 $p 67" 'urbanization-rate'
done

# --- units
refused 'record 3 2023 1 --unit mg/m³' rec 3 2023 1 --unit 'mg/m³'
has 'record 3 2023 1 --unit mg/m³' 'mg/m³'; has 'record 3 2023 1 --unit mg/m³' 'urbanization-rate'
refused 'record 3 2023 1 --unit furlongs' rec 3 2023 1 --unit furlongs
has 'record 3 2023 1 --unit furlongs' 'furlongs'; has 'record 3 2023 1 --unit furlongs' 'urbanization-rate'

# --- provisional values
refused 'record 17 2024 55 --as-of 2024-06-30 (no --provisional)' rec 17 2024 55 --as-of 2024-06-30
has 'record --as-of without --provisional' '--as-of'; has 'record --as-of without --provisional' '--provisional'
refused 'record 17 2024 55 --provisional --as-of 2024-02-30' rec 17 2024 55 --provisional --as-of 2024-02-30
has 'record --as-of 2024-02-30' '2024-02-30'; has 'record --as-of 2024-02-30' 'good-air-days-ratio'

# --- nothing can be reported for the future (it is 2025-12-15 here)
refused 'record 3 2026 70 (a year not begun)' rec 3 2026 70
has 'record 3 2026 70' 'future'; has 'record 3 2026 70' '2026'
refused 'record 17 2025 60 --provisional --as-of 2025-12-31' rec 17 2025 60 --provisional --as-of 2025-12-31
has 'record 17 2025 60 --as-of 2025-12-31' 'future'
refused 'record 15 2021 0x10 (hexadecimal)' rec 15 2021 0x10
refused 'record 15 2021 nan' rec 15 2021 nan

# --- catalogues broken in exactly one place
# break.py SRC DST CASE: copy the catalogue with one thing broken
cat > "$WORK/break.py" <<'PY'
import json, sys
src, dst, case = sys.argv[1:4]
d = json.load(open(src, encoding="utf-8"))
ind = d["indicators"]
if case == "kind":
    ind[4]["kind"] = "sideways"
elif case == "target-year":
    del ind[2]["target"]["year"]
elif case == "duplicate-id":
    ind[5]["id"] = ind[3]["id"]
elif case == "bureau":
    ind[7]["bureau"] = "no-such-bureau"
elif case == "base-year":
    assert ind[2]["kind"] == "level"
    ind[2]["base"]["year"] = 2026
elif case == "typo":
    # a typo of a key: "kind" spelt "knd" (same place in the object)
    ind[6] = {("knd" if k == "kind" else k): v for k, v in ind[6].items()}
elif case != "duplicate-key":
    sys.exit("unknown case " + case)
text = json.dumps(d, ensure_ascii=False, indent=2)
if case == "duplicate-key":
    anchor = '"id": "%s",' % ind[9]["id"]
    assert text.count(anchor) == 1 and ind[9]["kind"] == "level"
    text = text.replace(anchor, anchor + '\n      "kind": "level",', 1)
    assert text.count('"kind"') == json.dumps(d).count('"kind"') + 1
open(dst, "w", encoding="utf-8").write(text)
PY
# case  what stderr must also contain (besides the file name)
while read -r case needle; do
    broken=$WORK/broken-$case.json
    python3 "$WORK/break.py" "$CAT" "$broken" "$case" < /dev/null || die "could not make $broken"
    refused "init --catalogue broken-$case.json (existing store)" \
        "$PLANTRACK" init --catalogue "$broken" --db "$DB"
    has "init broken-$case.json" "broken-$case.json"
    has "init broken-$case.json" "$needle"
    # one broken thing is one problem: no problem is listed twice
    dups=$(grep -v '^plantrack' "$WORK/err" | sort | uniq -d)
    [ -z "$dups" ] || fail "BUG: init broken-$case.json lists the same problem more than once: $dups"
    # a store that does not exist yet is not created
    fresh=$WORK/fresh-$case.db
    rc=0
    "$PLANTRACK" init --catalogue "$broken" --db "$fresh" < /dev/null > "$WORK/out" 2> "$WORK/err" || rc=$?
    [ "$rc" = 2 ] || fail "init broken-$case.json on a new path: exit status $rc, expected 2"
    for f in "$fresh" "$fresh-journal" "$fresh-wal" "$fresh-shm"; do
        [ ! -e "$f" ] || fail "init broken-$case.json on a new path created $f"
    done
done <<'EOF'
kind indicators[4].kind
target-year indicators[2].target.year
duplicate-id duplicate
bureau indicators[7].bureau
base-year base
typo knd
duplicate-key duplicate
EOF

[ "$FAILED" = 0 ] || exit 1
echo ok
