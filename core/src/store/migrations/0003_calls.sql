-- Call history (issue 5): one row per call this account took part in, upserted as the call
-- moves on and finished when it ends. Amounts are decimal text, never floats.
CREATE TABLE call_history (
    call_id        TEXT PRIMARY KEY NOT NULL,
    role           TEXT NOT NULL,            -- caller | callee
    media          TEXT,                     -- audio | video
    peer_id        TEXT,
    peer_name      TEXT,
    outcome        TEXT NOT NULL,            -- phase: ringing, accepted, ended, rejected, …
    reason         TEXT,                     -- failed calls: why
    duration_secs  INTEGER,
    coins          TEXT,
    coins_unit     TEXT,
    ended_by       TEXT,
    started_at     INTEGER NOT NULL,         -- unix ms, when this client first saw the call
    updated_at     INTEGER NOT NULL          -- unix ms
);
CREATE INDEX call_history_started ON call_history (started_at DESC);
