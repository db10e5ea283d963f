-- Marks the file as a rotor log, so a database another program made (even one with its own
-- `events` table) is never taken for one and written to. `purpose` is 'demo' in a log that
-- `rotor demo` made, which a later demo may replace; no other log is ever replaced.
CREATE TABLE rotor_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO rotor_meta (key, value) VALUES ('format', 'rotor event log');
