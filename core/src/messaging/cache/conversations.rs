//! Conversations: the rooms the server listed or we joined, their status, participants and
//! who is present.

use super::Cache;
use crate::messaging::time::parse_iso_ms;
use crate::model::{ChatSummary, ConversationInfo, Party};
use crate::store::StoreError;
use rusqlite::{params, OptionalExtension};

impl Cache {
    /// Records a conversation the server listed.
    pub fn upsert_conversation(&self, c: &ConversationInfo) -> Result<(), StoreError> {
        let participants = serde_json::to_string(&c.participants).unwrap_or_else(|_| "[]".into());
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO conversations(id, status, participants, unread, last_message_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET status = coalesce(excluded.status, status),
                    participants = excluded.participants, unread = excluded.unread,
                    last_message_at = coalesce(excluded.last_message_at, last_message_at)",
                params![
                    c.id,
                    c.status,
                    participants,
                    c.unread.map(|u| u.min(i64::MAX as u64) as i64),
                    c.last_message_at
                ],
            )?;
            Ok(())
        })
    }

    /// Every conversation the server listed or we joined, newest activity first (then by id).
    pub fn chat_summaries(&self) -> Result<Vec<ChatSummary>, StoreError> {
        let mut list = self.store.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT c.id, c.status, c.participants, c.unread, c.last_message_at, c.joined,
                    (SELECT max(m.sort_ts) FROM messages m WHERE m.conversation_id = c.id)
                 FROM conversations c",
            )?;
            let rows = st.query_map([], |r| {
                let participants: String = r.get(2)?;
                let unread: Option<i64> = r.get(3)?;
                let listed_at: Option<String> = r.get(4)?;
                let newest: Option<i64> = r.get(6)?;
                Ok(ChatSummary {
                    id: r.get(0)?,
                    status: r.get(1)?,
                    // A column another version wrote badly reads as no participants.
                    participants: serde_json::from_str(&participants).unwrap_or_default(),
                    unread: unread.and_then(|u| u64::try_from(u).ok()),
                    last_activity_ms: newest.max(listed_at.as_deref().and_then(parse_iso_ms)),
                    joined: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        sort_chats(&mut list);
        Ok(list)
    }

    /// Remembers whether we are in a conversation's room (rooms are rejoined on reconnect).
    pub fn set_joined(&self, conversation_id: &str, joined: bool) -> Result<(), StoreError> {
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO conversations(id, joined) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET joined = excluded.joined",
                params![conversation_id, joined],
            )?;
            Ok(())
        })
    }

    /// The conversations whose rooms we are in.
    pub fn joined(&self) -> Result<Vec<String>, StoreError> {
        self.store.read(|c| {
            let mut st =
                c.prepare_cached("SELECT id FROM conversations WHERE joined = 1 ORDER BY id")?;
            let rows = st.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
    }

    /// A conversation's status changed.
    pub fn set_status(&self, conversation_id: &str, status: &str) -> Result<(), StoreError> {
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO conversations(id, status) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status",
                params![conversation_id, status],
            )?;
            Ok(())
        })
    }

    /// A conversation's status as last heard.
    pub fn status(&self, conversation_id: &str) -> Result<Option<String>, StoreError> {
        self.store.read(|c| {
            Ok(c.query_row(
                "SELECT status FROM conversations WHERE id = ?1",
                [conversation_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
        })
    }

    /// Someone joined (`present`) or left a conversation.
    pub fn set_participant(
        &self,
        conversation_id: &str,
        user: &Party,
        present: bool,
        at: Option<&str>,
    ) -> Result<(), StoreError> {
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO participants(conversation_id, user_id, name, present, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(conversation_id, user_id) DO UPDATE SET
                    name = coalesce(excluded.name, name), present = excluded.present,
                    at = coalesce(excluded.at, at)",
                params![conversation_id, user.id, user.name, present, at],
            )?;
            Ok(())
        })
    }

    /// Exactly `user_ids` are present in the conversation now.
    pub fn set_active_users(
        &self,
        conversation_id: &str,
        user_ids: &[String],
    ) -> Result<(), StoreError> {
        self.store.write(|tx| {
            tx.execute(
                "UPDATE participants SET present = 0 WHERE conversation_id = ?1",
                [conversation_id],
            )?;
            for u in user_ids {
                tx.execute(
                    "INSERT INTO participants(conversation_id, user_id, present) VALUES (?1, ?2, 1)
                     ON CONFLICT(conversation_id, user_id) DO UPDATE SET present = 1",
                    params![conversation_id, u],
                )?;
            }
            Ok(())
        })
    }

    /// Who is present in a conversation, as last heard.
    pub fn present(&self, conversation_id: &str) -> Result<Vec<String>, StoreError> {
        self.store.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT user_id FROM participants WHERE conversation_id = ?1 AND present = 1 ORDER BY user_id",
            )?;
            let rows = st.query_map([conversation_id], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
    }
}

/// Newest activity first; conversations with no known activity last, by id.
pub fn sort_chats(list: &mut [ChatSummary]) {
    list.sort_by(|a, b| {
        b.last_activity_ms
            .cmp(&a.last_activity_ms)
            .then_with(|| a.id.cmp(&b.id))
    });
}
