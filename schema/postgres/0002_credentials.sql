-- Secrets live here and nowhere else, written in the same transaction as the event that changes
-- them. One row per (account, generation): the newest generation holds the secrets; older rows
-- keep their generation with `secrets` emptied, so a generation can never be written twice and
-- a late second writer of the same refresh fails on the unique key.
CREATE TABLE credentials (
    account    uuid   NOT NULL,
    generation bigint NOT NULL,
    secrets    text   NULL,        -- JSON: api_key / access_token / refresh_token / id_token
    expires_at text   NULL,        -- RFC 3339, as in the SQLite log
    UNIQUE (account, generation)
);
