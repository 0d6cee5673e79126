-- Messaging (issue 4): conversations, messages (which double as the persistent outbox),
-- reactions, read receipts, participants, and a full-text index over message text.

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY NOT NULL,
    status          TEXT,
    participants    TEXT NOT NULL DEFAULT '[]',   -- JSON array of user ids
    unread          INTEGER,
    last_message_at TEXT,
    joined          INTEGER NOT NULL DEFAULT 0    -- rejoined after a reconnect
);

-- One row per message, ours or theirs. Our own rows are the outbox while their state is
-- 'pending' or 'sending'. sort_ts is the server time in ms (local time until the server says),
-- local_id breaks ties and is the stable pagination cursor.
CREATE TABLE messages (
    local_id        INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    client_id       TEXT,
    server_id       TEXT,
    sender_id       TEXT NOT NULL,
    sender_name     TEXT,
    own             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    text            TEXT,
    file_id         TEXT,
    file_url        TEXT,
    file_name       TEXT,
    reply_to        TEXT,
    state           TEXT NOT NULL,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    server_time     TEXT,
    sort_ts         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    duration_secs   REAL
);
CREATE UNIQUE INDEX messages_by_server_id ON messages(conversation_id, server_id)
    WHERE server_id IS NOT NULL;
CREATE UNIQUE INDEX messages_by_own_client_id ON messages(conversation_id, client_id)
    WHERE client_id IS NOT NULL AND own = 1;
CREATE INDEX messages_in_order ON messages(conversation_id, sort_ts, local_id);
CREATE INDEX messages_outbox ON messages(local_id) WHERE state IN ('pending', 'sending');

CREATE TABLE reactions (
    conversation_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,   -- server id
    user_id         TEXT NOT NULL,
    emoji           TEXT NOT NULL,
    PRIMARY KEY (conversation_id, message_id, user_id, emoji)
) WITHOUT ROWID;

CREATE TABLE receipts (
    conversation_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,   -- server id
    user_id         TEXT NOT NULL,
    read_at         TEXT,
    PRIMARY KEY (conversation_id, message_id, user_id)
) WITHOUT ROWID;

CREATE TABLE participants (
    conversation_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    name            TEXT,
    present         INTEGER NOT NULL,
    at              TEXT,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;

-- Rows are added to the index by the code that inserts messages, in the same transaction:
-- an FTS5 insert inside a trigger flushes FTS5's pending terms on every row (a savepoint per
-- trigger), which made ingest six times slower. Deletes and text edits are rare: triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'local_id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.text IS NOT NULL BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.local_id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text)
        SELECT 'delete', old.local_id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO messages_fts(rowid, text) SELECT new.local_id, new.text WHERE new.text IS NOT NULL;
END;
