-- Which feed instance supplies which indicator, as the instances declared
-- when the daemon last started or reloaded (plugin ABI 1.2, host->supplies).
-- An indicator without a row is supplied by its latest actual's feed, or by
-- hand (plantrack record).
CREATE TABLE feed_indicators (
    indicator_key   INTEGER PRIMARY KEY REFERENCES indicators(key),
    instance        TEXT NOT NULL,
    plugin          TEXT NOT NULL
);
