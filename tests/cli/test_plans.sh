#!/bin/sh
# Two plans side by side: the ended 14th plan shows its final assessment
# (2025) while the running one is evaluated for the current year; an id in
# both plans needs --plan.
set -eu
rm -rf "$WORK"; mkdir -p "$WORK"
DB=$WORK/plans.db
fail() { echo "FAIL: $*" >&2; exit 1; }
pt() { "$PLANTRACK" --db "$DB" "$@"; }
export PLANTRACK_NOW=2026-11-28T12:00:00Z

pt init --catalogue "$SRC/config/indicators/shijiazhuang-2021-2025.json" \
        --catalogue "$SRC/tests/fixtures/catalogues/example-2026-2030.json" >/dev/null

# urbanization-rate is in both plans: ambiguous without --plan
if pt record urbanization-rate 2026 70.5 2>"$WORK/err"; then fail "ambiguous id accepted"; fi
grep -q -- "--plan" "$WORK/err" || fail "ambiguity message does not mention --plan: $(cat "$WORK/err")"
pt record urbanization-rate 2026 70.5 --plan example-2026-2030 >/dev/null
pt record urbanization-rate 2024 68.6 --plan shijiazhuang-2021-2025 >/dev/null
# the 15th plan's range starts at its base year 2025
if pt record urbanization-rate 2024 68.6 --plan example-2026-2030 2>/dev/null; then
    fail "period before the plan's base year accepted"
fi

pt status --json > "$WORK/status.json"
python3 - "$WORK/status.json" <<'PY' || fail "status --json across plans"
import json, sys
rows = json.load(open(sys.argv[1]))
by = {(r["plan"], r["id"]): r for r in rows}
assert len(rows) == 32, len(rows)
old = by[("shijiazhuang-2021-2025", "urbanization-rate")]
new = by[("example-2026-2030", "urbanization-rate")]
assert old["year"] == 2025, old["year"]          # final assessment of the ended plan
assert new["year"] == 2026, new["year"]          # the running plan, this year
assert abs(new["expected"] - 70.8) < 1e-9, new["expected"]
assert new["actual"] == 70.5 and new["actual_period"] == "2026"
assert old["actual"] == 68.6 and old["actual_period"] == "2024"
PY

pt status > "$WORK/status.txt"
grep -q "final assessment for 2025" "$WORK/status.txt" || fail "no final assessment header"
grep -q "example-2026-2030" "$WORK/status.txt" || fail "second plan missing from the table"
pt status --plan example-2026-2030 --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 2' \
    || fail "--plan does not select the plan"
if pt status --plan nope 2>/dev/null; then fail "unknown plan accepted"; fi
echo ok
