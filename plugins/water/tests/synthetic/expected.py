#!/usr/bin/env python3
"""What the water plugin must store for a folder of monthly CSV releases
and groundwater submissions, computed from the files alone in exact
arithmetic (fractions.Fraction, decimal.Decimal; no float anywhere in the
method). Independent of the plugin's code: the limits below are transcribed
from ../shared/reference/standards.md (and GB 3838-2002 Table 1 for the
metals, cyanide, LAS and sulfide), not imported. Standard library only.

    python3 expected.py DIR

DIR is what make_year.py writes (csv/, gw/, settings.json). Prints JSON:
  years: {year: {sections: {code: class}, assessed, good, worse_v,
                 share: "81.2", months: {"YYYY-MM": {sections: {code: class},
                 assessed, good, share}}}}
  groundwater: {year: cumulative cut as a decimal string}

The rules (standards.md; README.md of the plugin where it chooses):
- A value at the limit belongs to the class; DO at or above; pH 6-9 every
  class else 劣V; worse than V is 6 (劣V). TP: lake/reservoir limits apart.
- A result below a detection limit ("0.01L", "<0.01") counts half the
  limit (环办监测函〔2020〕82号 §7). µg/L is 1/1000 mg/L.
- Per section and period (month; year), each parameter's values are
  averaged (all samples of the period), then classed; the section's class
  is the worst over the assessed parameters: all of Table 1 but water
  temperature, TN and fecal coliform (TN of lakes only with lake_tn).
- Share = sections of classes I-III / assessed sections x 100, rounded half
  to even to 0.1 (GB/T 8170), over the assessment sections only.
- Groundwater, yearly reading: the cumulative cut of year y is the base
  (1 in 2020) plus every year's cut since.
"""
import csv
import json
import os
import sys
from decimal import Decimal, ROUND_HALF_EVEN
from fractions import Fraction

LE, GE, RANGE = "<=", ">=", "range"
TABLE = {
    "ph": (RANGE, ["6", "9"], None),
    "do": (GE, ["7.5", "6", "5", "3", "2"], None),
    "codmn": (LE, ["2", "4", "6", "10", "15"], None),
    "cod": (LE, ["15", "15", "20", "30", "40"], None),
    "bod5": (LE, ["3", "3", "4", "6", "10"], None),
    "nh3_n": (LE, ["0.15", "0.5", "1.0", "1.5", "2.0"], None),
    "tp": (LE, ["0.02", "0.1", "0.2", "0.3", "0.4"], ["0.01", "0.025", "0.05", "0.1", "0.2"]),
    "tn": (LE, None, ["0.2", "0.5", "1.0", "1.5", "2.0"]),
    "cu": (LE, ["0.01", "1.0", "1.0", "1.0", "1.0"], None),
    "zn": (LE, ["0.05", "1.0", "1.0", "2.0", "2.0"], None),
    "fluoride": (LE, ["1.0", "1.0", "1.0", "1.5", "1.5"], None),
    "se": (LE, ["0.01", "0.01", "0.01", "0.02", "0.02"], None),
    "as": (LE, ["0.05", "0.05", "0.05", "0.1", "0.1"], None),
    "hg": (LE, ["0.00005", "0.00005", "0.0001", "0.001", "0.001"], None),
    "cd": (LE, ["0.001", "0.005", "0.005", "0.005", "0.01"], None),
    "cr6": (LE, ["0.01", "0.05", "0.05", "0.05", "0.1"], None),
    "pb": (LE, ["0.01", "0.01", "0.05", "0.05", "0.1"], None),
    "cyanide": (LE, ["0.005", "0.05", "0.2", "0.2", "0.2"], None),
    "volatile_phenol": (LE, ["0.002", "0.002", "0.005", "0.01", "0.1"], None),
    "petroleum": (LE, ["0.05", "0.05", "0.05", "0.5", "1.0"], None),
    "las": (LE, ["0.2", "0.2", "0.2", "0.3", "0.3"], None),
    "sulfide": (LE, ["0.05", "0.1", "0.2", "0.5", "1.0"], None),
    "fecal_coliform": (LE, ["200", "2000", "10000", "20000", "40000"], None),
}
NOT_ASSESSED = {"fecal_coliform", "tn", "water_temp"}


def value(text, unit):
    """The value a field counts for, in mg/L (or per L, or pH)."""
    dl = text.endswith("L") or text.startswith("<")
    v = Fraction(Decimal(text.rstrip("L").lstrip("<")))
    if unit in ("µg/L", "ug/L"):
        v /= 1000
    return v / 2 if dl else v


def klass(p, water, mean):
    bound, river, lake = TABLE[p]
    limits = river if water == "river" else (lake or river)
    if limits is None:
        return 0
    if bound == RANGE:
        return 1 if Fraction(Decimal(limits[0])) <= mean <= Fraction(Decimal(limits[1])) else 6
    for c, lim in enumerate(limits, 1):
        lim = Fraction(Decimal(lim))
        if (mean >= lim) if bound == GE else (mean <= lim):
            return c
    return 6


def assessed(p, water, lake_tn):
    if p == "tn":
        return water != "river" and lake_tn
    return p not in NOT_ASSESSED


def section_class(values, water, lake_tn):
    """values: {param: [Fraction]} of one period."""
    worst = 0
    for p, vs in values.items():
        if assessed(p, water, lake_tn):
            worst = max(worst, klass(p, water, sum(vs) / len(vs)))
    return worst


def share(good, n):
    return str((Decimal(good) * 100 / Decimal(n)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
               if n else None)


def tally(classes, counted):
    c = {k: v for k, v in classes.items() if k in counted and v}
    good = sum(1 for v in c.values() if v <= 3)
    return {"sections": classes, "assessed": len(c), "good": good,
            "worse_v": sum(1 for v in c.values() if v == 6),
            "share": share(good, len(c)) if c else None}


def main():
    d = sys.argv[1]
    settings = json.load(open(os.path.join(d, "settings.json"), encoding="utf-8"))
    counted, lake_tn = set(settings["sections"]), settings["lake_tn"]
    # period -> section -> {param: [values]}, and each section's water body
    months, years, water = {}, {}, {}
    for name in sorted(os.listdir(os.path.join(d, "csv"))):
        with open(os.path.join(d, "csv", name), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                p = r["parameter"]
                if p == "water_temp" or r["value"] == "":
                    continue
                v = value(r["value"], r["unit"])
                water[r["section"]] = r["type"]
                m, y = r["date"][:7], r["date"][:4]
                for store, key in ((months, m), (years, y)):
                    store.setdefault(key, {}).setdefault(r["section"], {}).setdefault(p, []).append(v)
    out = {"years": {}, "groundwater": {}}
    for y, secs in sorted(years.items()):
        classes = {s: section_class(v, water[s], lake_tn) for s, v in secs.items()}
        entry = tally(classes, counted)
        entry["months"] = {}
        for m, msecs in sorted(months.items()):
            if m.startswith(y):
                mc = {s: section_class(v, water[s], lake_tn) for s, v in msecs.items()}
                entry["months"][m] = tally(mc, counted)
        out["years"][y] = entry
    # groundwater, yearly reading
    cuts = {}
    for name in sorted(os.listdir(os.path.join(d, "gw"))):
        path = os.path.join(d, "gw", name)
        scale = {"亿立方米": Decimal(1), "万立方米": Decimal("0.0001")}
        if name.endswith(".csv"):
            for r in csv.DictReader(open(path, encoding="utf-8")):
                cuts[int(r["year"])] = Decimal(r["cut"]) * scale[r["unit"]]
        else:
            doc = json.load(open(path, encoding="utf-8"), parse_float=Decimal)
            for c in doc["cuts"]:
                cuts[int(c["year"])] = Decimal(str(c["cut"])) * scale[doc["unit"]]
    base = settings["groundwater_base"]
    cum, year = Decimal(base["value"]), base["year"]
    while year + 1 in cuts:
        year += 1
        cum += cuts[year]
        out["groundwater"][str(year)] = str(cum.normalize())
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    print()


main()
