-- Consultations this account took part in, with their meter and bill (issue 3).
CREATE TABLE consultations (
    id              TEXT PRIMARY KEY NOT NULL,
    role            TEXT NOT NULL,              -- user | expert | admin
    counterpart     TEXT,                       -- JSON Party
    expert_id       TEXT,
    kind            TEXT,                       -- text | audio | video
    state           TEXT NOT NULL,              -- JSON ConsultationState
    rate            TEXT,                       -- decimal per minute
    unit            TEXT,
    billed_minutes  TEXT NOT NULL DEFAULT '0',  -- decimal
    cost            TEXT NOT NULL DEFAULT '0',  -- decimal
    balance         TEXT,                       -- decimal
    bill            TEXT,                       -- JSON Bill once ended
    requested_at    TEXT,
    started_at      TEXT,
    ended_at        TEXT,
    updated_at      INTEGER NOT NULL            -- unix ms
);
CREATE INDEX consultations_updated ON consultations(updated_at DESC);
