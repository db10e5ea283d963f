-- Secrets live here and nowhere else: the latest credential generation of each account.
-- Written in the same transaction as the event that changes them; `rotor export` drops it.
CREATE TABLE credentials (
    account    TEXT    PRIMARY KEY,
    generation INTEGER NOT NULL,
    secrets    TEXT    NOT NULL,   -- JSON: api_key / access_token / refresh_token / id_token
    expires_at TEXT    NULL
);
