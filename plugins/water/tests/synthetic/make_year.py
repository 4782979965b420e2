#!/usr/bin/env python3
"""Writes a synthetic city of surface-water sections for the water plugin's
end-to-end test (tests/cli/test_water.sh): every month of 2024 and
January-June 2025, once as CSV releases and once as the same releases in
JSON, the water bureau's groundwater submissions, and settings.json (the
assessment sections, as the plugin's settings take them).

    python3 make_year.py DIR

Writes DIR/csv/YYYY-MM.csv, DIR/json/YYYY-MM.json, DIR/gw/*.{csv,json} and
DIR/settings.json. Deterministic: no randomness. Each section is built to
exercise one rule (see SECTIONS); expected.py computes what the plugin must
store from these files alone.
"""
import json
import os
import sys

# A clean river sample: Class II at worst (CODMn 3.1, NH3-N 0.32, TP 0.06).
BASE = {"ph": "7.8", "do": "8.2", "codmn": "3.1", "cod": "12", "bod5": "2.1",
        "nh3_n": "0.32", "tp": "0.06", "petroleum": "0.01L", "volatile_phenol": "0.0003L",
        "fecal_coliform": "800"}
# Quarterly (March, June, September, December): metals and the rest, Class I.
QUARTERLY = {"cu": "0.005", "zn": "0.02", "fluoride": "0.45", "se": "0.0004L",
             "as": "0.0012", "hg": "0.04L", "cd": "0.0005L", "cr6": "0.004L", "pb": "0.002",
             "cyanide": "0.004L", "las": "0.05L", "sulfide": "0.01L"}
UNITS = {"ph": "", "fecal_coliform": "个/L", "hg": "µg/L"}  # the rest mg/L
LAKE = {"tp": "0.02", "tn": "0.8"}  # Class II in a lake or reservoir


def river(**kw):
    return dict(kw)


# code: (name, type, per-sample overrides, samples a month as days, months dry,
#        a function (month, sample index) -> extra overrides)
SECTIONS = {
    "S01": ("河 S01 清水", "river", {}, [10], [], None),
    # three samples a month whose NH3-N mean is exactly the Class III limit
    "S02": ("河 S02 三次采样", "river", {}, [5, 15, 25], [],
            lambda m, i: {"nh3_n": ["0.9", "1.1", "1.0"][i] if m != 7
                          else ["0.95", "1.05", "0.999999997"][i]}),
    # a lake with TP between the river and the lake limits: Class V, not III
    "S03": ("湖 S03", "lake", {"tp": "0.12", "tn": "0.9"}, [12], [], None),
    # a reservoir with TN 劣V: left out (lake_tn false): Class II
    "S04": ("库 S04", "reservoir", {"tp": "0.02", "tn": "2.5"}, [12], [], None),
    # 劣V: NH3-N 2.6
    "S05": ("河 S05 劣五类", "river", {"nh3_n": "2.6", "codmn": "11"}, [10], [], None),
    # DO exactly at the Class III limit
    "S06": ("河 S06 溶解氧边界", "river", {"do": "5"}, [10], [], None),
    # DO 4.8 / 5.2 in turn: months IV / III, the year's mean 5: III
    "S07": ("河 S07 溶解氧交替", "river", {}, [10], [],
            lambda m, i: {"do": "4.8" if m % 2 else "5.2"}),
    # below detection limits everywhere they can be: Class I
    "S08": ("河 S08 未检出", "river", {"nh3_n": "0.025L", "cod": "4L", "codmn": "1.8",
                                    "do": "8.5", "tp": "0.015", "bod5": "0.5L"}, [10], [], None),
    # TP 0.19 and 0.21 each month: the mean is exactly 0.2 (Class III)
    "S09": ("河 S09 总磷均值", "river", {}, [8, 22], [],
            lambda m, i: {"tp": ["0.19", "0.21"][i]}),
    "S10": ("河 S10 四类", "river", {"codmn": "8"}, [10], [], None),
    # dry in July-September (断流): assessed on the other months
    "S11": ("河 S11 断流", "river", {}, [10], [7, 8, 9], None),
    # fecal coliform and TN far out: never assessed for rivers
    "S12": ("河 S12 粪大肠", "river", {"fecal_coliform": "100000", "tn": "5"}, [10], [], None),
    "S13": ("湖 S13", "lake", dict(LAKE), [12], [], None),
    "S14": ("库 S14 一类", "reservoir", {"do": "9", "codmn": "1.5", "tp": "0.008",
                                       "nh3_n": "0.1", "tn": "0.15"}, [12], [], None),
    "S15": ("河 S15 三类", "river", {"cod": "18"}, [10], [], None),
    "S16": ("河 S16 二类", "river", {"codmn": "3.9"}, [10], [], None),
    # not an assessment section: stored and classed, not counted
    "S17": ("河 S17 非考核", "river", {"nh3_n": "1.8"}, [10], [], None),
}
ASSESSED = ["S%02d" % i for i in range(1, 17)] + ["S18"]  # S18 is never sampled
MONTHS = [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 7)]


def samples(year, month):
    """[(code, name, type, date, {param: value text})] of one month."""
    out = []
    for code, (name, typ, over, days, dry, fn) in SECTIONS.items():
        if month in dry:
            continue
        for i, day in enumerate(days):
            v = dict(BASE)
            if typ != "river":
                v.update(LAKE)
            if month in (3, 6, 9, 12):
                v.update(QUARTERLY)
            v.update(over)
            if fn:
                v.update(fn(month, i))
            time = "%04d-%02d-%02d" % (year, month, day)
            if len(days) > 1:
                time += "T%02d:30" % (9 + i)
            out.append((code, name, typ, time, v))
    return out


def unit(p):
    return UNITS.get(p, "mg/L")


def main():
    d = sys.argv[1]
    for sub in ("csv", "json", "gw"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for year, month in MONTHS:
        rows = samples(year, month)
        name = "%04d-%02d" % (year, month)
        with open(os.path.join(d, "csv", name + ".csv"), "w", encoding="utf-8", newline="") as f:
            f.write("section,name,type,date,parameter,value,unit\n")
            for code, sname, typ, time, v in rows:
                for p, val in v.items():
                    f.write("%s,%s,%s,%s,%s,%s,%s\n" % (code, sname, typ, time, p, val, unit(p)))
                f.write("%s,%s,%s,%s,water_temp,%s,℃\n" % (code, sname, typ, time, month + 3))
        sections, units = {}, {}
        for code, sname, typ, time, v in rows:
            s = sections.setdefault(code, {"code": code, "name": sname, "type": typ,
                                           "samples": []})
            smp = {"date": time}
            for p, val in v.items():
                units[p] = unit(p) or "1"
                # decimals as JSON numbers where they are plain, as text
                # where they carry a detection limit
                smp[p] = val if val.endswith("L") else json.loads(val)
            s["samples"].append(smp)
        doc = {"month": name, "units": units, "sections": list(sections.values())}
        with open(os.path.join(d, "json", name + ".json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
    # groundwater: yearly cuts, one submission in 亿立方米 (a row in 万立方米),
    # the next in JSON and 万立方米
    with open(os.path.join(d, "gw", "2021-2023.csv"), "w", encoding="utf-8") as f:
        f.write("year,cut,unit\n2021,0.17,亿立方米\n2022,1600,万立方米\n2023,0.19,亿立方米\n")
    with open(os.path.join(d, "gw", "2024-2025.json"), "w", encoding="utf-8") as f:
        json.dump({"unit": "万立方米", "cuts": [{"year": 2024, "cut": 1500},
                                              {"year": 2025, "cut": 1600}]}, f,
                  ensure_ascii=False)
    with open(os.path.join(d, "settings.json"), "w", encoding="utf-8") as f:
        json.dump({"city": "synthcity", "sections": ASSESSED, "lake_tn": False,
                   "groundwater_base": {"year": 2020, "value": "1"}}, f, ensure_ascii=False)


main()
