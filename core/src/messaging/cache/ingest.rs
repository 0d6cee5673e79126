//! What the server says, applied: its messages (folded into our own rows when they are our
//! echo), reactions and read receipts.

use super::rows::{kind_str, local_by_server_id, own_by_client_id};
use super::Cache;
use crate::messaging::time::{now_ms, parse_iso_ms};
use crate::model::{ChatMessage, DeliveryState, Message};
use crate::store::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

/// Adds a new message's text to the full-text index (see the migration for why not a trigger).
pub(super) fn index_text(
    tx: &Connection,
    local_id: i64,
    text: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(t) = text {
        tx.prepare_cached("INSERT INTO messages_fts(rowid, text) VALUES (?1, ?2)")?
            .execute(params![local_id, t])?;
    }
    Ok(())
}

/// Where `state` may go once the server has the message: never backwards.
pub(super) fn at_least_sent(state: DeliveryState) -> DeliveryState {
    match state {
        DeliveryState::Delivered | DeliveryState::Read | DeliveryState::Received => state,
        _ => DeliveryState::Sent,
    }
}

/// Links our row `local` to the server's copy `m` of it.
pub(super) fn adopt(
    tx: &Connection,
    local: i64,
    m: &Message,
    state: DeliveryState,
    sort_ts: Option<i64>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE messages SET server_id = coalesce(?2, server_id), state = ?3, error = NULL,
            error_code = NULL, in_doubt = 0,
            server_time = coalesce(?4, server_time), sort_ts = coalesce(?5, sort_ts)
         WHERE local_id = ?1",
    )?
    .execute(params![
        local,
        (!m.id.is_empty()).then_some(m.id.as_str()),
        state.as_str(),
        m.sent_at,
        sort_ts
    ])?;
    Ok(())
}

/// Our row that the server's message `m` (ours, without our client id) is the copy of: one the
/// server may have (tried at least once, not yet identified by a server id), whose client id
/// the server kept as the message id, else the oldest with the same text.
/// The lookup of [`adoptable`]: only our unidentified messages, through the partial index
/// `messages_unidentified_own` (migration 0008), never the whole conversation.
pub(super) const ADOPTABLE_SQL: &str = "SELECT local_id, state FROM messages
     WHERE conversation_id = ?1 AND own = 1 AND server_id IS NULL AND kind != 'voice'
       AND (state IN ('sending','sent','unconfirmed') OR attempts > 0 OR in_doubt = 1)
       AND ((?2 != '' AND client_id = ?2)
            OR (?3 IS NOT NULL AND trim(text) = trim(?3)))
     ORDER BY (?2 != '' AND client_id = ?2) DESC, local_id LIMIT 1";

pub(super) fn adoptable(tx: &Connection, m: &Message) -> Result<Option<(i64, String)>, StoreError> {
    Ok(tx
        .prepare_cached(ADOPTABLE_SQL)?
        .query_row(params![m.conversation_id, m.id, m.text], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// Applies one server message inside `tx`. Returns the local id when something changed.
pub(super) fn apply_in(
    tx: &Connection,
    m: &Message,
    me: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let sort_ts = m.sent_at.as_deref().and_then(parse_iso_ms);
    let own_sender = me.is_some_and(|me| me == m.sender.id);
    // 1. Known by server id: a duplicate, perhaps with news (read flag, server time).
    if !m.id.is_empty() {
        if let Some(local) = local_by_server_id(tx, &m.conversation_id, &m.id)? {
            let changed = tx
                .prepare_cached(
                    "UPDATE messages SET
                        state = CASE WHEN own = 1 AND ?2 AND state IN ('pending','sending','sent','delivered','failed')
                                     THEN 'read' ELSE state END,
                        server_time = coalesce(server_time, ?3),
                        sort_ts = CASE WHEN server_time IS NULL AND ?4 IS NOT NULL THEN ?4 ELSE sort_ts END
                     WHERE local_id = ?1 AND (
                        (own = 1 AND ?2 AND state IN ('pending','sending','sent','delivered','failed'))
                        OR (server_time IS NULL AND ?3 IS NOT NULL))",
                )?
                .execute(params![local, m.read == Some(true), m.sent_at, sort_ts])?;
            return Ok((changed > 0).then_some(local));
        }
    }
    // 2. Our own message coming back (echo, ack, or a resend's answer). Client ids are only
    // unique per sender (a server may let clients pick any string), so someone else's is not ours.
    let maybe_ours = me.is_none_or(|me| me.is_empty() || me == m.sender.id);
    if let Some(cid) = m
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty() && maybe_ours)
    {
        if let Some((local, state)) = own_by_client_id(tx, &m.conversation_id, cid)? {
            let mut new_state = at_least_sent(DeliveryState::parse(&state));
            if m.read == Some(true) {
                new_state = DeliveryState::Read;
            }
            adopt(tx, local, m, new_state, sort_ts)?;
            return Ok(Some(local));
        }
    }
    // 3. Our own message coming back without our client id (none of the documents defines
    // one): the oldest of ours the server may have but has not identified, with the same text,
    // or whose client id the server took as its own message id.
    if own_sender {
        if let Some((local, state)) = adoptable(tx, m)? {
            let mut new_state = at_least_sent(DeliveryState::parse(&state));
            if m.read == Some(true) {
                new_state = DeliveryState::Read;
            }
            adopt(tx, local, m, new_state, sort_ts)?;
            return Ok(Some(local));
        }
    }
    // 4. New.
    let state = if own_sender {
        if m.read == Some(true) {
            DeliveryState::Read
        } else {
            DeliveryState::Sent
        }
    } else {
        DeliveryState::Received
    };
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO messages(conversation_id, client_id, server_id, sender_id, sender_name, own,
            kind, text, file_url, file_name, reply_to, state, server_time, sort_ts, created_at,
            duration_secs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        m.conversation_id,
        // Another client's id would collide with nothing we own, but keep only ours unique.
        m.client_id,
        (!m.id.is_empty()).then_some(m.id.as_str()),
        m.sender.id,
        m.sender.name,
        own_sender,
        kind_str(m.kind),
        m.text,
        m.file_url,
        m.file_name,
        m.reply_to,
        state.as_str(),
        m.sent_at,
        sort_ts.unwrap_or(now),
        now,
        m.duration_secs.map(f64::from),
    ])?;
    let local = tx.last_insert_rowid();
    index_text(tx, local, m.text.as_deref())?;
    for (emoji, users) in &m.reactions {
        for u in users {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO reactions(conversation_id, message_id, user_id, emoji)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![m.conversation_id, m.id, u, emoji])?;
        }
    }
    Ok(Some(local))
}

impl Cache {
    /// Applies one server message. Returns the message as now cached when it is new or
    /// changed; `None` for a duplicate that brings nothing.
    pub fn apply_message(
        &self,
        m: &Message,
        me: Option<&str>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        // Unguarded: apply_in's statements stand alone (the row, then its index entry and
        // reactions; a failure after the row costs a search hit, never the message).
        match self.store.write_unguarded(|tx| apply_in(tx, m, me))? {
            Some(l) => self.get(l),
            None => Ok(None),
        }
    }

    /// Applies many server messages in one transaction (history pages, recent messages on
    /// join, bulk ingest). Returns the local ids of new or changed rows.
    pub fn ingest(&self, messages: &[Message], me: Option<&str>) -> Result<Vec<i64>, StoreError> {
        self.store.write(|tx| {
            let mut changed = Vec::new();
            for m in messages {
                if let Some(l) = apply_in(tx, m, me)? {
                    changed.push(l);
                }
            }
            Ok(changed)
        })
    }

    /// [`Cache::ingest`], returning the changed messages.
    pub fn ingest_messages(
        &self,
        messages: &[Message],
        me: Option<&str>,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let ids = self.ingest(messages, me)?;
        self.get_many(&ids)
    }

    /// A reaction added (`Some(true)`), removed (`Some(false)`) or toggled (`None`). Returns
    /// the message when it is in the cache.
    pub fn apply_reaction(
        &self,
        conversation_id: Option<&str>,
        message_id: &str,
        user_id: &str,
        emoji: &str,
        added: Option<bool>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let local = self.store.write(|tx| {
            let found: Option<(i64, String)> = tx
                .prepare_cached(
                    "SELECT local_id, conversation_id FROM messages
                     WHERE server_id = ?1 AND (?2 IS NULL OR conversation_id = ?2) LIMIT 1",
                )?
                .query_row(params![message_id, conversation_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let Some((local, conv)) = found else {
                return Ok(None);
            };
            let exists: bool = tx.query_row(
                "SELECT count(*) > 0 FROM reactions WHERE conversation_id = ?1 AND message_id = ?2
                    AND user_id = ?3 AND emoji = ?4",
                params![conv, message_id, user_id, emoji],
                |r| r.get(0),
            )?;
            let add = added.unwrap_or(!exists);
            if add {
                tx.execute(
                    "INSERT OR IGNORE INTO reactions(conversation_id, message_id, user_id, emoji)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![conv, message_id, user_id, emoji],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM reactions WHERE conversation_id = ?1 AND message_id = ?2
                        AND user_id = ?3 AND emoji = ?4",
                    params![conv, message_id, user_id, emoji],
                )?;
            }
            Ok(Some(local))
        })?;
        match local {
            Some(l) => self.get(l),
            None => Ok(None),
        }
    }

    /// `user_id` read `message_ids`. Our own messages read by someone else become `read`.
    /// Returns the cached messages that changed.
    pub fn apply_receipt(
        &self,
        conversation_id: Option<&str>,
        user_id: &str,
        message_ids: &[String],
        read_at: Option<&str>,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let ids = self.store.write(|tx| {
            let mut changed = Vec::new();
            for mid in message_ids {
                let found: Option<(i64, String, String)> = tx
                    .prepare_cached(
                        "SELECT local_id, conversation_id, sender_id FROM messages
                         WHERE server_id = ?1 AND (?2 IS NULL OR conversation_id = ?2) LIMIT 1",
                    )?
                    .query_row(params![mid, conversation_id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .optional()?;
                let Some((local, conv, sender)) = found else {
                    continue;
                };
                if sender == user_id {
                    continue; // reading one's own message is no receipt
                }
                let new = tx.execute(
                    "INSERT OR IGNORE INTO receipts(conversation_id, message_id, user_id, read_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![conv, mid, user_id, read_at],
                )?;
                tx.execute(
                    "UPDATE messages SET state = 'read'
                     WHERE local_id = ?1 AND own = 1 AND state IN ('sent','delivered','sending','pending')",
                    [local],
                )?;
                if new > 0 {
                    changed.push(local);
                }
            }
            Ok(changed)
        })?;
        self.get_many(&ids)
    }
}
