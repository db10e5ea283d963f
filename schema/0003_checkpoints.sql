-- Serialized projections at some seq, so a large log opens by folding only its tail.
CREATE TABLE checkpoints (
    seq  INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
