-- The event log: one row per fact, append-only. `data` is the event as JSON (with its `kind`).
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY,
    at      TEXT    NOT NULL,   -- RFC 3339 UTC, milliseconds
    kind    TEXT    NOT NULL,
    v       INTEGER NOT NULL,   -- schema version of this kind
    account TEXT    NULL,
    model   TEXT    NULL,
    request TEXT    NULL,
    data    TEXT    NOT NULL
);
CREATE INDEX events_account_seq ON events (account, seq);
CREATE INDEX events_request ON events (request);
