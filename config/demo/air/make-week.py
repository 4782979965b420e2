#!/usr/bin/env python3
"""Writes the demo's week of hourly station data (config/demo/air/*.csv).

The rows are the real Shijiazhuang publications of 2022-01-01/02
(plugins/airquality/tests/data/cnemc/), replayed over 2025-12-01 ... 12-07
with each day's concentrations scaled by a fixed factor, so that the demo has
a week of realistic winter hours. Illustrative data, not a publication: the
published aqi/primary/24h columns are left empty (plantrack derives them).
Deterministic; run it again to regenerate the same files.
"""
import csv
import datetime
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "..", "plugins", "airquality", "tests", "data", "cnemc")
SCALE = [1.0, 0.8, 0.6, 0.7, 1.1, 0.9, 0.5]  # one factor a day: a week of winter weather
VALUES = ["pm10", "pm2_5", "o3_24h", "no2", "so2", "co"]
DERIVED = ["primarypollutant", "aqi", "pm10_24h", "pm2_5_24h", "o3", "o3_8h", "o3_8h_24h",
           "no2_24h", "so2_24h", "co_24h"]

rows = []
for day in ("2022-01-01", "2022-01-02"):
    with open(os.path.join(SRC, day + ".csv"), encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows.extend(reader)
by_hour = {}
for r in rows:
    by_hour.setdefault(r["timepoint"][11:13], []).append(r)

start = datetime.date(2025, 12, 1)
for d in range(7):
    date = start + datetime.timedelta(days=d)
    src_day = "2022-01-01" if d % 2 == 0 else "2022-01-02"
    out = os.path.join(HERE, date.isoformat() + ".csv")
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for r in rows:
            if not r["timepoint"].startswith(src_day):
                continue
            o = dict(r)
            o["timepoint"] = date.isoformat() + r["timepoint"][10:]
            for c in VALUES:
                if o[c]:
                    v = float(o[c]) * SCALE[d]
                    o[c] = ("%.1f" % v) if c == "co" else str(int(round(v)))
            for c in DERIVED:
                o[c] = ""
            w.writerow(o)
