#!/usr/bin/env python3
"""Writes the SDMX-JSON 2.1 test messages city-*.json: one small table of
city statistics (two areas, four indicators, three years) in four layouts:
  city-timeseries.json    series keyed by INDICATOR:REF_AREA, observations by time
  city-series-obs.json    series keyed by INDICATOR, observations by REF_AREA:TIME_PERIOD
  city-cross-section.json series keyed by TIME_PERIOD:INDICATOR, observations by REF_AREA
  city-flat.json          a flat list keyed by every dimension but FREQ
Every layout carries the same observations: the same values, the same
missing ones (a null value, an absent key), the same attribute values at
data-set level (one null), group level (DECIMALS by INDICATOR, through
dimensionGroupAttributes), series level where the layout allows it (else at
observation level), and observation level (coded OBS_STATUS with a default
left out, null placeholders, a free-text comment, annotation indexes after
the attributes). test_stats.c checks that the parser gives the same
observations from all four, and what they are. Run from this folder:
    python3 make_variants.py
"""
import json

AREAS = ["130100", "130200"]
INDICATORS = ["GDP_IDX", "GDP_CUR", "POP_URB", "POP_TOT"]
YEARS = ["2021", "2022", "2023"]
UNITS = {"GDP_IDX": "IDX_PY100", "GDP_CUR": "CNY_1E8", "POP_URB": "PS_1E4", "POP_TOT": "PS_1E4"}
UNIT_VALUES = ["IDX_PY100", "CNY_1E8", "PS_1E4"]
DECIMALS = {"GDP_IDX": "1", "GDP_CUR": "2", "POP_URB": "2", "POP_TOT": "2"}
STATUS = ["A", "P", "E"]  # OBS_STATUS values; A is the default

# (indicator, area, year) -> (value, status, comment); value None: published as missing.
# A key not listed is absent from the message.
DATA = {
    ("GDP_IDX", "130100", "2021"): (106.5, "A", None),
    ("GDP_IDX", "130100", "2022"): (106.2, "A", None),
    ("GDP_IDX", "130100", "2023"): (106.3, "P", "preliminary accounting"),
    ("GDP_IDX", "130200", "2021"): (105.8, "A", None),
    ("GDP_IDX", "130200", "2022"): (None, None, "not yet published"),
    ("GDP_CUR", "130100", "2021"): (6490.3, "A", None),
    ("GDP_CUR", "130100", "2022"): (7100.6, "A", None),
    ("GDP_CUR", "130100", "2023"): (7534.2, "E", None),
    ("GDP_CUR", "130200", "2021"): (8230.6, "A", None),
    ("GDP_CUR", "130200", "2023"): (9133.3, "A", None),
    ("POP_URB", "130100", "2021"): (748.12, "A", None),
    ("POP_URB", "130100", "2022"): (757.39, "A", None),
    ("POP_URB", "130100", "2023"): (764.58, "A", None),
    ("POP_TOT", "130100", "2021"): (1120.47, "A", None),
    ("POP_TOT", "130100", "2022"): (1122.35, "A", None),
    ("POP_TOT", "130100", "2023"): (1123.36, "A", None),
    ("POP_TOT", "130200", "2023"): (769.7, "A", None),
}


def component(cid, name, key_pos=None, values=None, roles=None, **extra):
    c = {"id": cid, "name": name, "names": {"en": name}}
    if key_pos is not None:
        c["keyPosition"] = key_pos
    if roles:
        c["roles"] = roles
    c.update(extra)
    if values is not None:
        c["values"] = values
    return c


def dims():
    return {
        "FREQ": component("FREQ", "Frequency", 0, [{"id": "A", "name": "Annual"}], ["FREQ"]),
        "REF_AREA": component("REF_AREA", "Reference area", 1,
                              [{"id": a, "name": a} for a in AREAS], ["REF_AREA"]),
        "INDICATOR": component("INDICATOR", "Indicator", 2,
                               [{"id": i, "name": i} for i in INDICATORS]),
        "TIME_PERIOD": component("TIME_PERIOD", "Time period", 3,
                                 [{"value": y, "start": y + "-01-01T00:00:00",
                                   "end": y + "-12-31T23:59:59"} for y in YEARS],
                                 ["TIME_PERIOD"]),
    }


ORDER = ["FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD"]


def message(series_dims, obs_dims):
    d = dims()
    unit_at_series = "INDICATOR" in series_dims
    unit = component("UNIT_MEASURE", "Unit of measure", values=[{"id": u} for u in UNIT_VALUES],
                     roles=["UNIT_MEASURE"],
                     relationship={"dimensions": ["INDICATOR"]})
    obs_attrs = [
        component("OBS_STATUS", "Observation status", values=[{"id": s} for s in STATUS],
                  roles=["OBS_STATUS"], relationship={"observation": {}}, default="A"),
        component("OBS_COMMENT", "Comment", relationship={"observation": {}},
                  format={"dataType": "String"}),
    ]
    if not unit_at_series:
        obs_attrs.insert(0, unit)
    structure = {
        "links": [{"urn": "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=TEST:CITY(1.0)",
                   "rel": "dataflow"}],
        "name": "City statistics (test)",
        "dimensions": {"dataSet": [d["FREQ"]],
                       "series": [d[k] for k in series_dims],
                       "observation": [d[k] for k in obs_dims]},
        "measures": {"observation": [{"id": "OBS_VALUE", "name": "Value"}]},
        "attributes": {
            "dataSet": [
                component("SOURCE_AGENCY", "Source", values=[{"id": "SJZ_STATS"}],
                          relationship={"dataflow": {}}),
                component("EMBARGO", "Embargo", relationship={"dataflow": {}},
                          format={"dataType": "String"}),
            ],
            "dimensionGroup": [
                component("DECIMALS", "Decimals", values=[{"id": "1"}, {"id": "2"}],
                          relationship={"dimensions": ["INDICATOR"]}),
            ],
            "series": [unit] if unit_at_series else [],
            "observation": obs_attrs,
        },
        "annotations": [{"id": "ANN1", "title": "test annotation"}],
        "dataSets": [0],
    }
    index = {"FREQ": ["A"], "REF_AREA": AREAS, "INDICATOR": INDICATORS, "TIME_PERIOD": YEARS}
    ds = {"structure": 0, "action": "Replace", "attributes": [0, None]}
    ds["dimensionGroupAttributes"] = {
        ":".join(str(INDICATORS.index(i)) if k == "INDICATOR" else "" for k in ORDER):
            [["1", "2"].index(DECIMALS[i])]
        for i in INDICATORS}

    def obs_array(ind, val, status, comment, annotate):
        attrs = []
        if not unit_at_series:
            attrs.append(UNIT_VALUES.index(UNITS[ind]))
        attrs.append(None if status is None else STATUS.index(status))
        attrs.append(comment)
        # FG: trailing attributes that are unset or at their default may be
        # left out, unless annotation indexes follow; a null status stays
        # (absent would mean the default, A)
        if not annotate and comment is None:
            attrs.pop()
            if status == "A":
                attrs.pop()
        return [val] + attrs + ([0] if annotate else [])

    def key(dims_, values):
        return ":".join(str(index[k].index(values[k])) for k in dims_)

    groups = {}
    for (ind, area, year), (val, status, comment) in DATA.items():
        v = {"FREQ": "A", "REF_AREA": area, "INDICATOR": ind, "TIME_PERIOD": year}
        annotate = (ind, area, year) == ("GDP_IDX", "130100", "2023")
        # one value is sent as a string, as SDMX-JSON 1.0 senders do
        out = str(val) if (ind, area, year) == ("GDP_CUR", "130100", "2022") else val
        arr = obs_array(ind, out, status, comment, annotate)
        if series_dims:
            s = groups.setdefault(key(series_dims, v), {"ind": ind, "obs": {}})
            s["obs"][key(obs_dims, v)] = arr
        else:
            groups.setdefault("", {"obs": {}})["obs"][key(obs_dims, v)] = arr
    if series_dims:
        ds["series"] = {}
        for k in sorted(groups):
            s = {"observations": groups[k]["obs"]}
            if unit_at_series:
                s["attributes"] = [UNIT_VALUES.index(UNITS[groups[k]["ind"]])]
            ds["series"][k] = s
    else:
        ds["observations"] = groups[""]["obs"]
    return {
        "$schema": "https://json.sdmx.org/2.1/sdmx-json-data-schema.json",
        "meta": {"id": "TEST-CITY", "prepared": "2024-03-01T00:00:00Z", "test": True,
                 "sender": {"id": "TEST"}},
        "data": {"structures": [structure], "dataSets": [ds]},
    }


LAYOUTS = {
    "city-timeseries.json": (["INDICATOR", "REF_AREA"], ["TIME_PERIOD"]),
    "city-series-obs.json": (["INDICATOR"], ["REF_AREA", "TIME_PERIOD"]),
    "city-cross-section.json": (["TIME_PERIOD", "INDICATOR"], ["REF_AREA"]),
    "city-flat.json": ([], ["REF_AREA", "INDICATOR", "TIME_PERIOD"]),
}

for name, (s, o) in LAYOUTS.items():
    with open(name, "w", encoding="utf-8") as f:
        json.dump(message(s, o), f, ensure_ascii=False, indent=1)
        f.write("\n")
