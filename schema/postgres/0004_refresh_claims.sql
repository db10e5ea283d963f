-- One refresh per account across the fleet: an instance claims the account before it calls the
-- token endpoint. A claim expires, so a frozen or killed holder blocks nobody for longer.
CREATE TABLE refresh_claims (
    account    uuid        PRIMARY KEY,
    holder     uuid        NOT NULL,  -- the claiming instance's writer id
    claimed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
