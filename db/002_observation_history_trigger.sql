-- 002: keep a corrected observation's previous value in the database itself,
-- so that a correction is one upsert statement (feeds write millions of
-- rows a night) and no writer can forget the history.
CREATE TRIGGER observations_keep_history
AFTER UPDATE ON observations
WHEN OLD.value IS NOT NEW.value OR OLD.text IS NOT NEW.text
  OR OLD.flags IS NOT NEW.flags OR OLD.unit IS NOT NEW.unit
BEGIN
    INSERT INTO observation_history (time, series_id, site_id, replaced_at, value, text, unit,
                                     flags, source, run_id, replaced_by_run)
    VALUES (OLD.time, OLD.series_id, OLD.site_id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
            OLD.value, OLD.text, OLD.unit, OLD.flags, OLD.source, OLD.run_id, NEW.run_id);
END;
