-- Serialized projections at some seq (the fold of every event up to it, in seq order), so a
-- large log opens by folding only its tail.
CREATE TABLE checkpoints (
    seq  bigint PRIMARY KEY,
    data bytea  NOT NULL
);
