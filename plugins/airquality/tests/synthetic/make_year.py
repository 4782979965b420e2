#!/usr/bin/env python3
"""Writes a synthetic year of CNEMC station files for the airquality plugin,
with known gaps. Standard library only; deterministic (seeded).

    python3 make_year.py valid   2024 OUTDIR     # a valid year
    python3 make_year.py invalid 2023 OUTDIR     # July keeps only 20 valid days

OUTDIR gets one file per local day, YYYY-MM-DD.csv, holding the timepoints
YYYY-MM-DDT00:00:00 … T23:00:00 (hour-ending: T00:00 closes the day before,
so the file of 1 January of the next year is written too, with that hour
only), and year.json: the year, the city's evaluation stations, the
background station, the sand-and-dust days (all three go into the plugin's
settings; expected.py reads them from there) and the plan of gaps (for
people, not for expected.py, which finds everything in the files).

Stations: 9001A, 9002A, 9003A evaluate the city; 9004A is its background
station (对照点, cleaner air, must not enter the city value); 9101A belongs to
another city and is not configured at all. Values are µg/m³ integers, CO
mg/m³ with one decimal; the 1-hour O3 value is in the o3_24h column (as in
the real archive); the derived columns (aqi, x_24h, …) stay empty.

Known gaps, planned per month so that the valid year keeps exactly 25 valid
days in February and 27 in April (the thresholds), 29 or so elsewhere:
  invalid days   no_file   the day's file is missing (the day before loses its 24:00)
                 rowless   the evaluation stations publish nothing all day
                 all_short each evaluation station misses 5 hours (19 valid)
                 o3_out    O3 missing 01:00-06:00 at every evaluation station:
                           13 of 17 8-hour means, no O3 8h maximum, so no AQI,
                           though PM2.5 and the rest are valid
                 co_out    CO missing all day at every evaluation station
  valid days     one_short one station misses 5 hours: the city is 2 stations
                 boundary20 one station misses 03, 09, 15, 21: exactly 20 hours
                 o3_edge   O3 missing 01:00-05:00 at every evaluation station:
                           exactly 14 of 17 8-hour means; 19 O3 hours
                 neg_station one station has 5 negative PM2.5 hours (its
                           PM2.5 day falls), another 2 (they must not count)
                 fields_empty one station's rows are there with empty values
                           for 5 hours
Ordinary station-days lose 0-2 hours at random (a missing row, an empty
field or a negative value), which never costs a day. Three sand-and-dust
days are listed: two ordinary spring days with very high PM10, and the first
co_out day (a valid PM2.5 day without an AQI). The o3_out and co_out days
are given a particulate episode (+70 µg/m³ PM2.5): valid PM2.5 days without
an AQI must weigh on the annual mean for a wrong reading of them to show.
"""
import calendar
import datetime
import json
import math
import os
import random
import sys

SEED = 20240617
HEADER = ("timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,"
          "pm10,pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,"
          "co,co_24h")
COLUMNS = HEADER.split(",")

# code, longitude, latitude, area, name, particulate factor, O3 factor
EVAL = [("9001A", "114.4001", "38.0401", "合成市", "东站", 1.00, 1.00),
        ("9002A", "114.5002", "38.0502", "合成市", "西站", 1.12, 0.94),
        ("9003A", "114.6003", "38.0603", "合成市", "南站", 0.90, 1.06)]
BACKGROUND = ("9004A", "114.1004", "38.3004", "合成市", "北山(对照点)", 0.55, 1.12)
OTHER = ("9101A", "115.0001", "39.0001", "别的市", "别处", 1.30, 0.90)
POLL = ["pm2_5", "pm10", "so2", "no2", "co", "o3"]
# the CSV column of each pollutant's 1-hour value
COLUMN_OF = {"pm2_5": "pm2_5", "pm10": "pm10", "so2": "so2", "no2": "no2", "co": "co",
             "o3": "o3_24h"}

INVALID_KINDS = ["no_file", "rowless", "all_short", "o3_out", "co_out"]
VALID_KINDS = ["one_short", "boundary20", "o3_edge", "neg_station", "fields_empty"]
INVALID_MONTH = 7          # the invalid year's short month
INVALID_MONTH_VALID = 20   # its valid days


def days_in(year, month):
    return calendar.monthrange(year, month)[1]


def plan_year(year, invalid):
    """{date: kind} for the special days of the year."""
    plan = {}
    for month in range(1, 13):
        dim = days_in(year, month)
        rng = random.Random("%d|plan|%d" % (SEED, month))
        n_invalid = {2: dim - 25, 4: 3}.get(month, 2)
        kinds = [INVALID_KINDS[(2 * month + j) % len(INVALID_KINDS)] for j in range(n_invalid)]
        kinds += [VALID_KINDS[(month + j) % len(VALID_KINDS)] for j in range(3)]
        # distinct days, at least two apart (a missing file takes the 24:00
        # hour of the day before, which must stay an ordinary day), and not
        # the month's first day (nor, in January, the year's)
        while True:
            picked = sorted(rng.sample(range(2, dim + 1), len(kinds)))
            if all(b - a >= 2 for a, b in zip(picked, picked[1:])):
                break
        rng.shuffle(kinds)
        for d, k in zip(picked, kinds):
            plan[datetime.date(year, month, d)] = k
    if invalid:
        # a fortnight's outage in July: the evaluation stations publish
        # nothing on enough further days to leave exactly 20 valid ones
        month = INVALID_MONTH
        valid = days_in(year, month) - sum(
            1 for d, k in plan.items() if d.month == month and k in INVALID_KINDS)
        day = 10
        while valid > INVALID_MONTH_VALID:
            d = datetime.date(year, month, day)
            if plan.get(d) not in INVALID_KINDS:
                plan[d] = "rowless"
                valid -= 1
            day += 1
    return plan


def dust_days(year, plan):
    def first_ordinary(after):
        d = after
        while d in plan or d - datetime.timedelta(days=1) in plan or d + datetime.timedelta(days=1) in plan:
            d += datetime.timedelta(days=1)
        return d
    days = [first_ordinary(datetime.date(year, 3, 10)), first_ordinary(datetime.date(year, 4, 18))]
    co_out = sorted(d for d, k in plan.items() if k == "co_out")
    if co_out:
        days.append(co_out[0])
    return sorted(days)


def levels(year):
    """The day's pollution levels, an episode process over the year (one
    value per day, index 0 = 1 January; index -1 = the day before)."""
    rng = random.Random("%d|levels" % SEED)
    n = 366
    out = []
    e = 0.0
    for i in range(-1, n + 1):
        e = 0.75 * e + rng.gauss(0, 24)
        w = math.cos(2 * math.pi * ((i + 0.5) / 365.0 - 0.03))  # 1 in winter, -1 in summer
        out.append({
            "pm": min(max(45 + 42 * w + e, 4), 250),
            "o3": min(max(98 - 68 * w + rng.gauss(0, 24), 30), 320),
            "no2": 30 + 16 * w + 0.12 * e,
            "so2": 10 + 7 * w,
            "co": 8 + 5 * w + 0.04 * e,  # tenths of mg/m³
        })
    return out  # out[i + 1] is day index i


def station_day(date, day_level, station, dust, episode=0):
    """24 hours (hour-ending 1 … 24) of {pollutant: value} for one station and
    local day; CO in integer tenths of mg/m³."""
    code, _, _, _, _, fpm, fo3 = station
    rng = random.Random("%d|%s|%s" % (SEED, date.isoformat(), code))
    hours = []
    for h in range(1, 25):
        lv = day_level
        diurnal = math.cos(2 * math.pi * (h - 22) / 24.0)  # peak at night
        pm = (lv["pm"] + episode) * fpm * (1 + 0.22 * diurnal) + rng.gauss(0, 0.1 * lv["pm"] + 2)
        if dust:
            pm += 70
        pm = int(round(min(max(pm, 0), 450)))
        pm10 = pm * 1.55 + 15 + rng.gauss(0, 10) + (380 + rng.gauss(0, 30) if dust else 0)
        pm10 = int(round(min(max(pm10, 0), 590)))
        shape = math.sin(math.pi * (h - 8) / 12.0) if 8 <= h <= 20 else 0.0
        o3 = 14 + (lv["o3"] * fo3 - 14) * shape + rng.gauss(0, 6)
        o3 = int(round(max(o3, 0)))
        no2 = lv["no2"] * (0.8 + 0.2 * fpm) * (1 + 0.25 * diurnal) + rng.gauss(0, 6)
        no2 = int(round(max(no2, 0)))
        so2 = int(round(max(lv["so2"] * fpm + rng.gauss(0, 3), 1)))
        co = int(round(max(lv["co"] * fpm * (1 + 0.15 * diurnal) + rng.gauss(0, 1), 1)))
        hours.append({"pm2_5": pm, "pm10": pm10, "so2": so2, "no2": no2, "co": co, "o3": o3})
    return hours


def fmt(p, v):
    if v is None:
        return ""
    if p == "co":
        sign = "-" if v < 0 else ""
        return "%s%d.%d" % (sign, abs(v) // 10, abs(v) % 10)
    return str(v)


def apply_kind(kind, date, rows, rng):
    """Applies a special day's gaps to rows[code][h] (h 0..23 = hour-ending
    1..24; a row is a dict, or None when absent)."""
    codes = [s[0] for s in EVAL]
    if kind == "rowless":
        for c in codes:
            rows[c] = [None] * 24
    elif kind == "all_short":
        for c in codes:
            for h in rng.sample(range(24), 5):
                rows[c][h] = None
    elif kind in ("o3_out", "o3_edge"):
        n = 6 if kind == "o3_out" else 5
        for c in codes:
            for h in range(n):
                rows[c][h]["o3"] = None
    elif kind == "co_out":
        for c in codes:
            for h in range(24):
                rows[c][h]["co"] = None
    elif kind == "one_short":
        c = codes[date.day % 3]
        for h in rng.sample(range(24), 5):
            rows[c][h] = None
    elif kind == "boundary20":
        c = codes[date.day % 3]
        for h in (2, 8, 14, 20):  # hour-ending 03, 09, 15, 21
            rows[c][h] = None
    elif kind == "neg_station":
        c = codes[date.day % 3]
        for h in rng.sample(range(24), 5):
            rows[c][h]["pm2_5"] = -rng.randint(1, 9)
        c2 = codes[(date.day + 1) % 3]
        for h in rng.sample(range(24), 2):
            rows[c2][h]["pm2_5"] = -rng.randint(1, 9)
    elif kind == "fields_empty":
        c = codes[date.day % 3]
        for h in rng.sample(range(24), 5):
            rows[c][h] = {p: None for p in POLL}
    elif kind == "no_file":
        pass  # handled when writing
    else:
        raise AssertionError(kind)


def noise(rows, code, rng):
    """0-2 lost hours on an ordinary station-day: a missing row, an empty
    field or a negative value. At most 2 invalid hours of any pollutant, so
    the day's means and every 8-hour mean stay valid."""
    for h in rng.sample(range(24), rng.choice([0, 0, 0, 1, 1, 2])):
        r = rng.random()
        if r < 0.4:
            rows[code][h] = None
        elif r < 0.75:
            rows[code][h][rng.choice(POLL)] = None
        else:
            p = rng.choice(POLL)
            rows[code][h][p] = -rng.randint(1, 5)


def main(argv):
    if len(argv) != 4 or argv[1] not in ("valid", "invalid"):
        sys.exit("usage: make_year.py valid|invalid YEAR OUTDIR")
    invalid = argv[1] == "invalid"
    year = int(argv[2])
    out = argv[3]
    os.makedirs(out, exist_ok=True)
    plan = plan_year(year, invalid)
    dust = dust_days(year, plan)
    lv = levels(year)
    first = datetime.date(year, 1, 1)
    last = datetime.date(year, 12, 31)
    # rows by local day (hour-ending 1..24), from the day before the year to
    # its last day; then written by file date (hour 24 goes to the next file)
    station_rows = {}
    d = first - datetime.timedelta(days=1)
    while d <= last:
        idx = (d - first).days
        level = lv[max(idx, -1) + 1]
        kind = plan.get(d)
        rng = random.Random("%d|gaps|%s" % (SEED, d.isoformat()))
        rows = {}
        for st in EVAL + [BACKGROUND, OTHER]:
            episode = 70 if kind in ("o3_out", "co_out") else 0
            rows[st[0]] = station_day(d, level, st, d in dust, episode)
        if kind:
            apply_kind(kind, d, rows, rng)
        for st in EVAL + [BACKGROUND, OTHER]:
            # a special day's evaluation stations keep exactly the planned gaps
            if not (kind and st in EVAL):
                noise(rows, st[0], rng)
        station_rows[d] = rows
        d += datetime.timedelta(days=1)

    stations = {s[0]: s for s in EVAL + [BACKGROUND, OTHER]}
    written = 0
    d = first
    while d <= last + datetime.timedelta(days=1):
        if plan.get(d) == "no_file":
            d += datetime.timedelta(days=1)
            continue
        lines = [HEADER]
        for hh in range(24):
            # T00:00 is hour 24 of the day before; T01 … T23 hours 1 … 23
            day = d - datetime.timedelta(days=1) if hh == 0 else d
            h = 24 if hh == 0 else hh
            if day > last:
                continue
            if d > last and hh != 0:
                continue
            tp = "%sT%02d:00:00" % (d.isoformat(), hh)
            for code in sorted(station_rows[day]):
                r = station_rows[day][code][h - 1]
                if r is None:
                    continue
                st = stations[code]
                f = dict.fromkeys(COLUMNS, "")
                f.update(timepoint=tp, stationcode=code, longitude=st[1], latitude=st[2],
                         area=st[3], positionname=st[4])
                for p in POLL:
                    f[COLUMN_OF[p]] = fmt(p, r[p])
                lines.append(",".join(f[c] for c in COLUMNS))
        with open(os.path.join(out, d.isoformat() + ".csv"), "w", encoding="utf-8",
                  newline="") as fh:
            fh.write("\n".join(lines) + "\n")
        written += 1
        if d > last:
            break
        d += datetime.timedelta(days=1)

    meta = {
        "year": year,
        "mode": argv[1],
        "stations": [s[0] for s in EVAL],
        "background": [BACKGROUND[0]],
        "dust_days": [x.isoformat() for x in dust],
        "plan": {x.isoformat(): k for x, k in sorted(plan.items())},
        "files": written,
    }
    with open(os.path.join(out, "year.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=1, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    main(sys.argv)
