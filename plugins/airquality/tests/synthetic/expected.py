#!/usr/bin/env python3
"""The year figures of a folder of CNEMC station files, computed from the
files alone in exact arithmetic (fractions.Fraction; no float anywhere in
the method), by the rules of ../shared/reference/standards.md. Independent
of the plugin's code: the breakpoint table below is transcribed from
standards.md, not imported. Standard library only.

    python3 expected.py DIR [--days]

DIR holds the YYYY-MM-DD.csv files and the year.json that make_year.py
writes (year, evaluation stations, background stations, sand-and-dust days:
the inputs the plugin gets as settings). Prints a JSON object:
  year, valid_year, invalid_reason, month_valid_days,
  figures   {series: value as a decimal string}: the year series as the
            plugin stores them at the city site (pm2_5_1y, pm2_5_1y_raw,
            pm2_5_1y_days, pm10_1y, pm10_1y_raw, good_ratio_1y,
            good_ratio_1y_days, o3_8h_p90_1y, o3_8h_p90_1y_days, co_p95_1y,
            co_p95_1y_days), by the standard: each pollutant's annual figure
            from all of that pollutant's valid daily values;
  aqi_days_only  the same figures taken over valid (AQI) days only, to tell
            apart a different reading from a different computation;
  days      (with --days) {date: {series: value}} of the city's daily
            series (pm2_5_1d … o3_8h_max_1d, aqi_1d, good_1d).

The rules, each from standards.md unless marked:
- A timepoint is hour-ending local time: T00:00 is hour 24 of the day
  before. A negative value is invalid (never in a mean); an empty field is
  missing.
- A station's 24-hour mean needs >= 20 valid hourly values; rounded half to
  even to a whole µg/m³ (CO to 0.1 mg/m³, GB/T 8170).
- O3 8-hour moving mean over hours t-7 … t needs >= 6 valid of 8; the day's
  maximum 8-hour mean is the largest of those ending 08:00 … 24:00, valid
  when >= 14 of the 17 are. (Rounding each 8-hour mean before taking the
  largest or rounding the largest gives the same: rounding is monotone.)
- The day's largest 1-hour O3: standards.md gives no validity rule; the
  plugin documents (derive.h, README) that it needs >= 20 valid hours. That
  choice is followed here.
- The city's daily value is the mean of the evaluation stations' (rounded)
  daily values, background stations excluded, rounded the same way.
  standards.md does not say how many stations a city day needs; the plugin
  documents "stations without a valid value left out", at least one: that
  choice is followed here.
- Daily AQI (HJ 633-2012): IAQIs of the 24-hour means of PM2.5, PM10, SO2,
  NO2, CO on their 24h breakpoints, the day's largest 1-hour O3 on the 1h
  ones, the largest 8-hour O3 on the 8h ones (above 800 not computed),
  each rounded up; AQI = the largest.
- A valid day (one with a daily AQI): standards.md does not list what it
  needs; the plugin documents "all of PM2.5, PM10, SO2, NO2, CO and the O3 8h
  maximum present" (README, aqi_1d). That choice is followed here.
- Good day: AQI <= 100. Good-day ratio = good days / valid days x 100,
  rounded half to even to 0.1; sand-and-dust days kept.
- Annual mean of PM2.5 (PM10 likewise): the mean of the year's valid daily
  values of that pollutant (standards.md: "an annual mean [needs] at least
  324 valid daily values"; the plugin's README: "mean of the valid daily
  values"), sand-and-dust days left out (and, for _raw, kept); rounded half to
  even to a whole µg/m³.
- Percentiles (O3 daily max 8h at 90, CO daily mean at 95) over the year's
  valid daily values of that quantity: sort ascending, k = 1 + (n-1)p/100,
  s = floor(k), X(s) + (X(s+1) - X(s))(k - s); rounded half to even (O3 to
  1, CO to 0.1).
- A valid year: >= 324 valid days and >= 27 in each month (25 in February).
  Counted on valid (AQI) days, as the plugin does for both indicators.
"""
import csv
import datetime
import glob
import json
import math
import os
import sys
from fractions import Fraction as F

POLL24 = ["pm2_5", "pm10", "so2", "no2", "co"]
COLUMN_OF = {"pm2_5": "pm2_5", "pm10": "pm10", "so2": "so2", "no2": "no2", "co": "co",
             "o3": "o3_24h"}  # standards.md: in this archive o3_24h is the 1-hour O3
DECIMALS = {"pm2_5": 0, "pm10": 0, "so2": 0, "no2": 0, "co": 1, "o3": 0}

LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]
# HJ 633-2012 IAQI breakpoints, from standards.md (µg/m³; CO mg/m³); only the
# columns the daily AQI uses. O3 8h stops at 800 (IAQI 300): above it the 8h
# IAQI is not computed and the 1h O3 IAQI stands for O3.
BREAKPOINTS = {
    ("pm2_5", "24h"): [0, 35, 75, 115, 150, 250, 350, 500],
    ("pm10", "24h"): [0, 50, 150, 250, 350, 420, 500, 600],
    ("so2", "24h"): [0, 50, 150, 475, 800, 1600, 2100, 2620],
    ("no2", "24h"): [0, 40, 80, 180, 280, 565, 750, 940],
    ("co", "24h"): [0, 2, 4, 14, 24, 36, 48, 60],
    ("o3", "1h"): [0, 160, 200, 300, 400, 800, 1000, 1200],
    ("o3", "8h"): [0, 100, 160, 215, 265, 800],
}


def round_half_even(x, decimals):
    """GB/T 8170 on an exact Fraction: the result as a Fraction."""
    scale = 10 ** decimals
    y = x * scale
    q = math.floor(y)
    r = y - q
    if r > F(1, 2) or (r == F(1, 2) and q % 2 == 1):
        q += 1
    return F(q, scale)


def text(x, decimals):
    """A Fraction with `decimals` places as a decimal string."""
    scale = 10 ** decimals
    n = x * scale
    assert n.denominator == 1, x
    n = int(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if decimals == 0:
        return sign + str(n)
    return "%s%d.%0*d" % (sign, n // scale, decimals, n % scale)


def mean(values, min_valid, decimals):
    vals = [v for v in values if v is not None]
    if not vals or len(vals) < min_valid:
        return None
    return round_half_even(F(sum(vals)) / len(vals), decimals)


def iaqi(key, c):
    """IAQI rounded up, or None when not computed (above the column's top)."""
    bps = BREAKPOINTS[key]
    if c is None or c < 0 or c > bps[-1]:
        return None
    for i in range(1, len(bps)):
        if c <= bps[i]:
            v = F(LEVELS[i] - LEVELS[i - 1], bps[i] - bps[i - 1]) * (c - bps[i - 1]) + LEVELS[i - 1]
            return math.ceil(v)
    raise AssertionError("unreachable")


def percentile(values, p, decimals):
    x = sorted(values)
    n = len(x)
    if n == 0:
        return None
    k = 1 + F((n - 1) * p, 100)
    s = math.floor(k)
    v = x[n - 1] if s >= n else x[s - 1] + (x[s] - x[s - 1]) * (k - s)
    return round_half_even(v, decimals)


# standards.md's own check of the percentile rule
assert percentile([3, 4, 8, 2, 5, 4], 90, 1) == F(13, 2)


def read_hours(folder):
    """{(station, date): {hour 1..24: {pollutant: Fraction or None}}}; later
    rows win over earlier ones for the same station-hour."""
    hours = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                t = datetime.datetime.strptime(r["timepoint"], "%Y-%m-%dT%H:%M:%S")
                assert t.minute == 0 and t.second == 0
                if t.hour == 0:
                    day, h = t.date() - datetime.timedelta(days=1), 24
                else:
                    day, h = t.date(), t.hour
                vals = {}
                for p, col in COLUMN_OF.items():
                    s = r[col].strip()
                    v = F(s) if s else None  # Fraction("1.3") is exactly 13/10
                    vals[p] = v if v is not None and v >= 0 else None
                hours.setdefault((r["stationcode"], day), {})[h] = vals
    return hours


def station_day(hours):
    """A station's daily values from {hour: {p: v}} (missing hours absent)."""
    col = {p: [hours.get(h, {}).get(p) for h in range(1, 25)] for p in COLUMN_OF}
    out = {p + "_1d": mean(col[p], 20, DECIMALS[p]) for p in POLL24}
    o3 = col["o3"]
    valid_o3 = [v for v in o3 if v is not None]
    out["o3_1h_max_1d"] = max(valid_o3) if len(valid_o3) >= 20 else None
    # 8-hour means ending at hour t = 8 … 24 (index t-1): hours t-7 … t
    eights = []
    for t in range(8, 25):
        w = [v for v in o3[t - 8:t] if v is not None]
        eights.append(F(sum(w)) / len(w) if len(w) >= 6 else None)
    valid8 = [v for v in eights if v is not None]
    out["o3_8h_max_1d"] = round_half_even(max(valid8), 0) if len(valid8) >= 14 else None
    return out


def city_day(stations):
    out = {}
    for series in [p + "_1d" for p in POLL24] + ["o3_1h_max_1d", "o3_8h_max_1d"]:
        dec = 1 if series == "co_1d" else 0
        out[series] = mean([s[series] for s in stations], 1, dec)
    need = [p + "_1d" for p in POLL24] + ["o3_8h_max_1d"]
    if all(out[s] is not None for s in need):
        idx = [iaqi((p, "24h"), out[p + "_1d"]) for p in POLL24]
        idx.append(iaqi(("o3", "1h"), out["o3_1h_max_1d"]))
        idx.append(iaqi(("o3", "8h"), out["o3_8h_max_1d"]))
        idx = [i for i in idx if i is not None]
        out["aqi_1d"] = F(max(idx)) if idx else None
    else:
        out["aqi_1d"] = None
    out["good_1d"] = None if out["aqi_1d"] is None else F(int(out["aqi_1d"] <= 100))
    return out


def year_figures(days, dust, aqi_only):
    """The year series from {date: city day}; aqi_only: take each pollutant's
    values from valid (AQI) days only."""
    valid = [d for d in sorted(days) if days[d]["aqi_1d"] is not None]
    good = sum(1 for d in valid if days[d]["aqi_1d"] <= 100)

    def values(series, keep_dust=True):
        src = valid if aqi_only else sorted(days)
        return [days[d][series] for d in src
                if days[d][series] is not None and (keep_dust or d not in dust)]

    pm = values("pm2_5_1d", False)
    pm10 = values("pm10_1d", False)
    o3 = values("o3_8h_max_1d")
    co = values("co_1d")
    fig = {
        "pm2_5_1y": mean(pm, 1, 0), "pm2_5_1y_raw": mean(values("pm2_5_1d"), 1, 0),
        "pm2_5_1y_days": F(len(pm)),
        "pm10_1y": mean(pm10, 1, 0), "pm10_1y_raw": mean(values("pm10_1d"), 1, 0),
        "good_ratio_1y": round_half_even(F(good * 100, len(valid)), 1) if valid else None,
        "good_ratio_1y_days": F(len(valid)),
        "o3_8h_p90_1y": percentile(o3, 90, 0), "o3_8h_p90_1y_days": F(len(o3)),
        "co_p95_1y": percentile(co, 95, 1), "co_p95_1y_days": F(len(co)),
    }
    dec = {"good_ratio_1y": 1, "co_p95_1y": 1}
    return {k: (None if v is None else text(v, dec.get(k, 0))) for k, v in fig.items()}, \
        len(valid), good


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--days"):
        sys.exit("usage: expected.py DIR [--days]")
    folder = argv[1]
    with open(os.path.join(folder, "year.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    year = meta["year"]
    evaluation = [s for s in meta["stations"] if s not in meta.get("background", [])]
    dust = {datetime.date.fromisoformat(d) for d in meta.get("dust_days", [])}
    hours = read_hours(folder)
    days = {}
    d = datetime.date(year, 1, 1)
    while d.year == year:
        st = [station_day(hours.get((s, d), {})) for s in evaluation]
        days[d] = city_day(st)
        d += datetime.timedelta(days=1)

    figures, nvalid, ngood = year_figures(days, dust, aqi_only=False)
    alt, _, _ = year_figures(days, dust, aqi_only=True)
    month_valid = {m: 0 for m in range(1, 13)}
    for d, c in days.items():
        if c["aqi_1d"] is not None:
            month_valid[d.month] += 1
    reason = ""
    if nvalid < 324:
        reason = "%d valid days, 324 needed" % nvalid
    else:
        for m in range(1, 13):
            need = 25 if m == 2 else 27
            if month_valid[m] < need:
                reason = "month %d has %d valid days, %d needed" % (m, month_valid[m], need)
                break
    valid_days = [d for d, c in sorted(days.items()) if c["aqi_1d"] is not None]
    out = {
        "year": year,
        "valid_year": not reason,
        "invalid_reason": reason,
        "month_valid_days": month_valid,
        "good_days": ngood,
        "last_valid_day": valid_days[-1].isoformat() if valid_days else None,
        "figures": figures,
        "aqi_days_only": alt,
    }
    if len(argv) == 3:
        dec = {"co_1d": 1}
        out["days"] = {d.isoformat(): {k: (None if v is None else text(v, dec.get(k, 0)))
                                       for k, v in c.items()} for d, c in sorted(days.items())}
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
