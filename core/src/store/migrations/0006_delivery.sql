-- Honest delivery (interop issue): the server's own error code beside its words; messages whose
-- confirmation never came ("in doubt") wait for the conversation's next rejoin or history page,
-- which tells whether the server has them; the conversation's newest server id when a message
-- was first tried (its "anchor") tells whether such a page reaches back far enough to prove
-- the message absent.
ALTER TABLE messages ADD COLUMN error_code TEXT;
ALTER TABLE messages ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN anchor TEXT;
ALTER TABLE messages ADD COLUMN first_try_at INTEGER;
-- When a message that failed for a while may be tried again (ms since the epoch): it waits
-- without holding up other conversations.
ALTER TABLE messages ADD COLUMN retry_at INTEGER;
CREATE INDEX messages_in_doubt ON messages(conversation_id, local_id) WHERE in_doubt = 1;
