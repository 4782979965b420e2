-- 001: the first schema. Catalogue (plans, bureaus, indicators, targets with
-- vintages), measurements (series, sites, observations, actuals with
-- vintages), runs and plugin state, and the alert tables the mailer fills.
-- Times are ISO 8601 UTC text ('2026-11-28T22:45:13Z') unless named *_unix.

CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    city        TEXT NOT NULL,
    base_year   INTEGER NOT NULL,
    start_year  INTEGER NOT NULL,
    end_year    INTEGER NOT NULL,
    timezone    TEXT NOT NULL,
    source      TEXT NOT NULL,
    definition  TEXT NOT NULL,      -- readings and notes, canonical JSON
    file        TEXT NOT NULL,      -- catalogue file last loaded
    updated_at  TEXT NOT NULL,
    CHECK (base_year < start_year AND start_year <= end_year)
);

CREATE TABLE bureaus (
    plan_id     TEXT NOT NULL REFERENCES plans(id),
    id          TEXT NOT NULL,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    email       TEXT NOT NULL,
    PRIMARY KEY (plan_id, id)
);

CREATE TABLE indicators (
    key             INTEGER PRIMARY KEY,    -- stable across reloads
    plan_id         TEXT NOT NULL REFERENCES plans(id),
    id              TEXT NOT NULL,
    no              INTEGER NOT NULL,
    origin          TEXT NOT NULL CHECK (origin IN ('table', 'text')),
    category        TEXT NOT NULL,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    unit            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('level', 'average_rate',
                        'cumulative_change', 'ceiling', 'floor', 'end_target')),
    direction       TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    base_year       INTEGER NOT NULL,
    base            REAL,
    attribute       TEXT NOT NULL CHECK (attribute IN ('expected', 'binding')),
    bureau_id       TEXT NOT NULL,
    alert_margin    REAL NOT NULL DEFAULT 0 CHECK (alert_margin >= 0),
    seasonal        INTEGER NOT NULL DEFAULT 0,
    cadence         TEXT NOT NULL CHECK (cadence IN ('annual', 'quarterly', 'monthly')),
    release_month   INTEGER NOT NULL CHECK (release_month BETWEEN 1 AND 12),
    active          INTEGER NOT NULL DEFAULT 1, -- 0: no longer in the catalogue file
    definition      TEXT NOT NULL,              -- the catalogue entry, canonical JSON
    updated_at      TEXT NOT NULL,
    UNIQUE (plan_id, id),
    UNIQUE (plan_id, no),
    FOREIGN KEY (plan_id, bureau_id) REFERENCES bureaus(plan_id, id)
);

-- A target never changes in place: a province-assigned or revised figure is
-- a new vintage; the evaluator uses the highest vintage.
CREATE TABLE targets (
    indicator_key   INTEGER NOT NULL REFERENCES indicators(key),
    vintage         INTEGER NOT NULL CHECK (vintage >= 1),
    year            INTEGER NOT NULL,
    value           REAL NOT NULL,
    qualifier       TEXT NOT NULL CHECK (qualifier IN ('exactly', 'at_least', 'at_most', 'about')),
    printed         TEXT,
    origin          TEXT NOT NULL CHECK (origin IN ('printed', 'revision')),
    source          TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (indicator_key, vintage)
) WITHOUT ROWID;

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    plugin          TEXT NOT NULL,
    instance        TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed')),
    units_ok        INTEGER NOT NULL DEFAULT 0,
    units_failed    INTEGER NOT NULL DEFAULT 0,
    observations    INTEGER NOT NULL DEFAULT 0,
    actuals         INTEGER NOT NULL DEFAULT 0,
    error           TEXT
);

-- An actual is final (a whole year) or provisional (year to date, as of a
-- date). A changed value adds a vintage; the same value again adds nothing.
CREATE TABLE actuals (
    indicator_key   INTEGER NOT NULL REFERENCES indicators(key),
    period          TEXT NOT NULL,          -- '2023'
    status          TEXT NOT NULL CHECK (status IN ('final', 'provisional')),
    as_of           TEXT NOT NULL DEFAULT '',   -- 'YYYY-MM-DD' for provisional, '' for final
    vintage         INTEGER NOT NULL CHECK (vintage >= 1),
    value           REAL NOT NULL,          -- in the indicator's unit
    reported_value  REAL NOT NULL,          -- as it arrived
    reported_unit   TEXT NOT NULL,
    source          TEXT NOT NULL,
    provenance      TEXT,                   -- JSON: stations, valid days, release, …
    run_id          INTEGER REFERENCES runs(id),
    recorded_at     TEXT NOT NULL,
    CHECK ((status = 'final') = (as_of = '')),
    PRIMARY KEY (indicator_key, period, status, as_of, vintage)
) WITHOUT ROWID;

CREATE TABLE series (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    unit    TEXT NOT NULL
);

CREATE TABLE sites (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT,
    kind    TEXT                            -- 'station', 'background', 'city', 'section', …
);

-- Feeds arrive hour after hour, each hour carrying every site and series:
-- keyed by time first, so a night's inserts append at the end of the b-tree
-- instead of splitting pages all over it (bench/observations measures it).
CREATE TABLE observations (
    time        INTEGER NOT NULL,           -- unix seconds, UTC; hourly series: hour-ending
    series_id   INTEGER NOT NULL REFERENCES series(id),
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    value       REAL,                       -- NULL when missing
    text        TEXT,                       -- for text series (primary pollutants)
    unit        TEXT NOT NULL,
    flags       INTEGER NOT NULL DEFAULT 0, -- bit 0: invalid
    source      TEXT NOT NULL,
    run_id      INTEGER REFERENCES runs(id),
    PRIMARY KEY (time, series_id, site_id)
) WITHOUT ROWID;

-- A corrected observation's previous value, kept when a feed delivers a
-- station-hour again with another value.
CREATE TABLE observation_history (
    time        INTEGER NOT NULL,
    series_id   INTEGER NOT NULL,
    site_id     INTEGER NOT NULL,
    replaced_at TEXT NOT NULL,
    value       REAL,
    text        TEXT,
    unit        TEXT NOT NULL,
    flags       INTEGER NOT NULL,
    source      TEXT NOT NULL,
    run_id      INTEGER,
    replaced_by_run INTEGER
);
CREATE INDEX observation_history_key ON observation_history (series_id, site_id, time);

-- Plugin state committed with each source unit.
CREATE TABLE cursors (
    instance    TEXT PRIMARY KEY,
    cursor      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE http_validators (
    instance        TEXT NOT NULL,
    url             TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (instance, url)
);

-- Alerts: one per indicator and kind of breach.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    indicator_key   INTEGER NOT NULL REFERENCES indicators(key),
    kind            TEXT NOT NULL CHECK (kind IN ('behind_path', 'projection_misses_target',
                        'target_missed', 'overdue')),
    state           TEXT NOT NULL CHECK (state IN ('ok', 'pending', 'firing', 'resolved')),
    breach_points   INTEGER NOT NULL DEFAULT 0, -- consecutive new actuals that breach
    ok_points       INTEGER NOT NULL DEFAULT 0, -- consecutive new actuals back on the path
    last_actual     TEXT,                   -- the actual (period/status/as_of/vintage) last counted
    since           TEXT,
    last_notified_at TEXT,
    updated_at      TEXT NOT NULL,
    UNIQUE (indicator_key, kind)
);

CREATE TABLE alert_events (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts(id),
    at          TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    detail      TEXT                        -- JSON: the verdict that moved it
);

CREATE TABLE silences (
    id              INTEGER PRIMARY KEY,
    plan_id         TEXT NOT NULL REFERENCES plans(id),
    indicator_key   INTEGER REFERENCES indicators(key),
    bureau_id       TEXT,
    until           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    CHECK (indicator_key IS NOT NULL OR bureau_id IS NOT NULL)
);

-- Each message's final bytes, written in the transaction that moved the
-- alerts it reports; a retry sends the same bytes with the same Message-ID.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,
    plan_id         TEXT NOT NULL,
    bureau_id       TEXT NOT NULL,
    recipients      TEXT NOT NULL,          -- JSON array of addresses
    bytes           BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at         TEXT,
    gave_up_at      TEXT,
    last_error      TEXT
);
