-- Our own messages the server has not identified yet: the only rows a returning message of
-- ours can be matched to (`adoptable` in messaging/cache/ingest.rs). Without this index that
-- lookup walked every message of the conversation, so ingesting a conversation of n messages
-- took time in n squared (100,000 messages at 316 per second in batches of 1,000).
CREATE INDEX messages_unidentified_own ON messages(conversation_id, local_id)
    WHERE own = 1 AND server_id IS NULL;
