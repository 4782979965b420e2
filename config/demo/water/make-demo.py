#!/usr/bin/env python3
"""Writes the demo's surface-water releases and groundwater submission
(config/demo/water/): one CSV release a month, 2024-01 ... 2025-12, for
eight illustrative assessment sections around Shijiazhuang, in the format
plugins/water/README.md documents, and the water bureau's yearly
extraction cuts 2021-2025.

Illustrative data, not a publication: section codes (D01 …) are invented,
the names are the rivers and reservoirs the city's bulletins name, and the
values are made up to look like a northern Chinese city's monitoring (the
9 monthly parameters of the 14th plan's "9+X" scheme, the rest quarterly,
detection limits written "0.01L"). Deterministic; run it again to
regenerate the same files.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# code: (name, type, {param: (winter value, summer value)}); the month's
# value moves between the two, and a few sections improve in 2025.
SECTIONS = {
    "D01": ("岗南水库 坝前", "reservoir",
            {"do": ("10.8", "8.1"), "codmn": ("2.2", "3.1"), "nh3_n": ("0.06", "0.11"),
             "tp": ("0.012", "0.021"), "tn": ("1.45", "1.20")}),
    "D02": ("黄壁庄水库 出口", "reservoir",
            {"do": ("10.2", "7.6"), "codmn": ("2.8", "3.9"), "nh3_n": ("0.10", "0.22"),
             "tp": ("0.045", "0.075"), "tn": ("1.80", "1.55")}),
    "D03": ("滹沱河 北中山", "river",
            {"do": ("9.6", "6.8"), "codmn": ("3.6", "5.2"), "nh3_n": ("0.42", "0.81"),
             "tp": ("0.08", "0.16")}),
    "D04": ("磁河 新寨店", "river",
            {"do": ("9.1", "6.2"), "codmn": ("4.4", "6.6"), "nh3_n": ("0.75", "1.30"),
             "tp": ("0.11", "0.21")}),
    "D05": ("洨河 大石桥", "river",
            {"do": ("7.4", "4.6"), "codmn": ("6.8", "9.4"), "nh3_n": ("1.10", "1.62"),
             "tp": ("0.21", "0.29")}),
    "D06": ("滏阳河 艾辛庄", "river",
            {"do": ("8.0", "5.1"), "codmn": ("5.6", "7.8"), "nh3_n": ("0.85", "1.30"),
             "tp": ("0.16", "0.24")}),
    "D07": ("槐河 马村", "river",
            {"do": ("9.8", "7.2"), "codmn": ("3.2", "4.6"), "nh3_n": ("0.30", "0.62"),
             "tp": ("0.07", "0.13")}),
    "D08": ("冶河 平山", "river",
            {"do": ("10.5", "7.9"), "codmn": ("2.1", "3.3"), "nh3_n": ("0.12", "0.28"),
             "tp": ("0.03", "0.07")}),
}
# 2025: D04 better by this factor (works on the sewage network)
BETTER_2025 = {"D04": 0.8}
MONTHLY = {"ph": "7.9", "cod": "14", "bod5": "2.6", "petroleum": "0.01L",
           "volatile_phenol": "0.0003L", "fecal_coliform": "1300"}
QUARTERLY = {"cu": "0.004", "zn": "0.02", "fluoride": "0.52", "se": "0.0004L", "as": "0.0011",
             "hg": "0.04L", "cd": "0.0005L", "cr6": "0.004L", "pb": "0.0025L",
             "cyanide": "0.004L", "las": "0.05L", "sulfide": "0.01L"}
UNITS = {"ph": "", "fecal_coliform": "个/L", "hg": "µg/L"}
# 0 in January, 1 in July: how far a month is towards summer
SEASON = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1, 1, 0.8, 0.5, 0.2, 0.05]


def between(winter, summer, t, factor, param):
    w, s = float(winter), float(summer)
    v = w + (s - w) * t
    if param != "do":
        v *= factor
    places = max(len(winter.split(".")[1]) if "." in winter else 0, 1)
    return "%.*f" % (places, v)


def main():
    out = os.path.join(HERE, "sections")
    os.makedirs(out, exist_ok=True)
    for year in (2024, 2025):
        for month in range(1, 13):
            t = SEASON[month - 1]
            lines = ["section,name,type,date,parameter,value,unit"]
            for code, (name, typ, vals) in SECTIONS.items():
                factor = BETTER_2025.get(code, 1.0) if year == 2025 else 1.0
                date = "%04d-%02d-%02d" % (year, month, 8 + int(code[1:]))
                sample = dict(MONTHLY)
                sample.update({p: between(w, s, t, factor, p) for p, (w, s) in vals.items()})
                if month in (3, 6, 9, 12):
                    sample.update(QUARTERLY)
                for p, v in sample.items():
                    lines.append("%s,%s,%s,%s,%s,%s,%s" % (code, name, typ, date, p, v,
                                                           UNITS.get(p, "mg/L")))
            with open(os.path.join(out, "%04d-%02d.csv" % (year, month)), "w",
                      encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
    gw = os.path.join(HERE, "groundwater")
    os.makedirs(gw, exist_ok=True)
    with open(os.path.join(gw, "extraction-cuts.csv"), "w", encoding="utf-8") as f:
        f.write("year,cut,unit,note\n"
                "2021,0.17,亿立方米,demo: illustrative water bureau submission\n"
                "2022,0.16,亿立方米,\n"
                "2023,1800,万立方米,\n"
                "2024,0.15,亿立方米,\n"
                "2025,0.17,亿立方米,\n")


main()
