-- The event log of a fleet: one row per fact, append-only, one order shared by every instance.
-- The columns are the SQLite log's, plus who wrote each event. `at` is the same RFC 3339 UTC
-- millisecond text (`at::timestamptz` in a query); `data` is `json`, kept byte for byte as rotor
-- wrote it, so `data->>'reason'` works and a row reads back exactly as it was written.
CREATE TABLE events (
    seq     bigint  PRIMARY KEY,   -- drawn under the log's advisory lock: seq order = commit order
    at      text    NOT NULL,
    kind    text    NOT NULL,
    v       integer NOT NULL,      -- schema version of this kind
    account uuid    NULL,
    model   text    NULL,
    request uuid    NULL,
    data    json    NOT NULL,
    writer  uuid    NULL,          -- the instance that appended it (NULL: copied from a SQLite log)
    seen    bigint  NULL           -- the highest seq of other writers it had applied by then
);
CREATE INDEX events_account_seq ON events (account, seq);
CREATE INDEX events_request ON events (request);
