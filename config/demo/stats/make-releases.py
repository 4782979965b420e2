#!/usr/bin/env python3
"""Writes the demo's statistical releases for the stats feed (see
plugins/stats/README.md). The figures are illustrative, not official
statistics: chosen so that the derived indicators reproduce the bureau
letters of config/demo/feeds/ where those give the same indicator. Three
releases in releases/, one per format the plugin reads:
  2025-02-nbs-annual.json   the bureau's query API (csnd, Shijiazhuang 130100):
                            GDP (亿元), GDP index (上年=100), CPI (上年=100),
                            per-capita disposable income (元); 2025 not yet
                            published (hasdata false)
  2025-03-sdmx-population.json  SDMX-JSON 2.1: urban and resident population,
                            employment (万人), GDP at 2020 prices (亿元)
  2025-10-gdp-ytd.csv       CSV: GDP growth 2025 year to date, by quarter
Run from this folder: python3 make-releases.py
"""
import csv
import json

YEARS = [2021, 2022, 2023, 2024]
GDP = {2020: 5935.1, 2021: 6490.3, 2022: 7100.6, 2023: 7534.2, 2024: 7814.0}          # 亿元
GDP_INDEX = {2020: 103.9, 2021: 106.5, 2022: 103.8, 2023: 105.5, 2024: 105.2}       # previous year = 100
CPI = {2020: 102.3, 2021: 100.9, 2022: 101.8, 2023: 100.2, 2024: 100.1}             # previous year = 100
INCOME = {2020: 31005, 2021: 33520, 2022: 35225, 2023: 37320, 2024: 39390}  # 元, nominal
POP = {2020: 1123.51, 2021: 1120.47, 2022: 1122.35, 2023: 1123.36, 2024: 1124.1}  # 万人
URBAN_SHARE = {2020: 66.0, 2021: 66.9, 2022: 67.7, 2023: 67.9, 2024: 68.6}  # as the letters say
EMPLOYED = {2020: 600.2, 2021: 603.5, 2022: 601.8, 2023: 604.9, 2024: 606.3}  # 万人
GDP_2020 = 5935.1  # 亿元, the base of the constant-price series


def node(zb, year, value, dot=1):
    has = value is not None
    return {"code": "zb.%s_reg.130100_sj.%d" % (zb, year),
            "data": {"data": value if has else 0, "dotcount": dot, "hasdata": has,
                     "strdata": ("%.*f" % (dot, value)) if has else ""},
            "wds": [{"valuecode": zb, "wdcode": "zb"}, {"valuecode": "130100", "wdcode": "reg"},
                    {"valuecode": str(year), "wdcode": "sj"}]}


nodes = []
for zb, table, dot in (("A020101", GDP, 1), ("A020201", GDP_INDEX, 1), ("A090101", CPI, 1),
                       ("A0A0101", INCOME, 0)):
    for y in [2020] + YEARS + [2025]:
        if y in table or y == 2025:  # 2025: not yet published
            nodes.append(node(zb, y, table.get(y), dot))
zb_nodes = [
    {"cname": "地区生产总值", "code": "A020101", "unit": "亿元"},
    {"cname": "地区生产总值指数(上年=100)", "code": "A020201", "unit": ""},
    {"cname": "居民消费价格指数(上年=100)", "code": "A090101", "unit": ""},
    {"cname": "居民人均可支配收入", "code": "A0A0101", "unit": "元"},
]
with open("releases/2025-02-nbs-annual.json", "w", encoding="utf-8") as f:
    json.dump({"returncode": 200, "returndata": {
        "datanodes": nodes, "freshsort": 0, "hasdatacount": len(YEARS) * 4,
        "wdnodes": [{"wdcode": "zb", "wdname": "指标", "nodes": zb_nodes},
                    {"wdcode": "reg", "wdname": "地区",
                     "nodes": [{"cname": "石家庄市", "code": "130100", "unit": ""}]},
                    {"wdcode": "sj", "wdname": "时间",
                     "nodes": [{"cname": "%d年" % y, "code": str(y), "unit": ""}
                               for y in [2020] + YEARS + [2025]]}]}},
              f, ensure_ascii=False, indent=1)
    f.write("\n")

# SDMX: GDP at 2020 prices follows the index; urban population gives the
# letters' urbanisation rate to 0.1
gdp_k = {2020: GDP_2020}
for y in YEARS:
    gdp_k[y] = round(gdp_k[y - 1] * GDP_INDEX[y] / 100, 1)
urban = {y: round(POP[y] * URBAN_SHARE[y] / 100, 2) for y in POP}
for y in POP:
    assert round(urban[y] / POP[y] * 100, 1) == URBAN_SHARE[y], y
series_years = [2020] + YEARS
inds = [("POP_URB", urban, "PS_1E4"), ("POP_RES", POP, "PS_1E4"), ("EMP", EMPLOYED, "PS_1E4"),
        ("GDP_K2020", gdp_k, "CNY_1E8")]
units = ["PS_1E4", "CNY_1E8"]
msg = {
    "$schema": "https://json.sdmx.org/2.1/sdmx-json-data-schema.json",
    "meta": {"id": "DEMO-SJZ-2025-03", "prepared": "2025-03-20T09:00:00+08:00", "test": True,
             "sender": {"id": "SJZ_STATS", "name": "石家庄市统计局 (demo)"}},
    "data": {
        "structures": [{
            "name": "City statistics (demo)",
            "dimensions": {
                "dataSet": [
                    {"id": "FREQ", "keyPosition": 0, "roles": ["FREQ"], "values": [{"id": "A"}]},
                    {"id": "REF_AREA", "keyPosition": 1, "roles": ["REF_AREA"],
                     "values": [{"id": "130100", "name": "石家庄市"}]}],
                "series": [{"id": "INDICATOR", "keyPosition": 2,
                            "values": [{"id": i} for i, _, _ in inds]}],
                "observation": [{"id": "TIME_PERIOD", "keyPosition": 3, "roles": ["TIME_PERIOD"],
                                 "values": [{"value": str(y), "start": "%d-01-01T00:00:00" % y,
                                             "end": "%d-12-31T23:59:59" % y}
                                            for y in series_years]}]},
            "attributes": {
                "series": [{"id": "UNIT_MEASURE", "roles": ["UNIT_MEASURE"],
                            "relationship": {"dimensions": ["INDICATOR"]},
                            "values": [{"id": u} for u in units]}],
                "observation": [{"id": "OBS_STATUS", "relationship": {"observation": {}},
                                 "default": "A", "values": [{"id": "A"}, {"id": "P"}]}]},
            "dataSets": [0]}],
        "dataSets": [{
            "structure": 0, "action": "Replace",
            "series": {
                str(k): {"attributes": [units.index(u)],
                         "observations": {str(j): [t[y]] + ([1] if y == 2024 else [])
                                          for j, y in enumerate(series_years)}}
                for k, (i, t, u) in enumerate(inds)}}]}}
with open("releases/2025-03-sdmx-population.json", "w", encoding="utf-8") as f:
    json.dump(msg, f, ensure_ascii=False, indent=1)
    f.write("\n")

with open("releases/2025-10-gdp-ytd.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["series", "period", "value", "unit", "region", "name"])
    for q, v in ((1, 5.6), (2, 5.5), (3, 5.4)):
        w.writerow(["gdp_growth_ytd", "2025-Q%d" % q, v, "%", "130100", "地区生产总值累计增长"])
