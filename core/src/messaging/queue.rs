//! The outbox's queue: our own unsent messages are rows of the messages table (so a killed
//! process resumes where it stopped). Each goes `pending` → `sending` → confirmed, or ends
//! `failed` or `unconfirmed`. A message whose confirmation never came while the server may
//! have it is *in doubt*: it waits (and holds the later messages of its conversation, so
//! order is kept) until a page of the conversation from the server either holds it (it is
//! adopted as sent), or reaches back past it without it (it is resent), or neither (it ends
//! `unconfirmed` and the user decides).

use super::cache::{get_local, local_by_server_id, own_by_client_id, Cache};
use super::time::now_ms;
use crate::model::{ChatMessage, DeliveryState};
use crate::store::StoreError;
use rusqlite::{params, OptionalExtension};

mod doubts;
#[cfg(test)]
mod tests;

pub use doubts::Doubt;

/// What the outbox needs to (re)send a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    /// Local id.
    pub local_id: i64,
    /// Where.
    pub conversation_id: String,
    /// Our id for it.
    pub client_id: String,
    /// Text.
    pub text: Option<String>,
    /// Replied-to server id.
    pub reply_to: Option<String>,
    /// File id.
    pub file_id: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// Current state.
    pub state: DeliveryState,
    /// When it was queued (ms since the epoch).
    pub queued_at: i64,
}

/// The oldest sendable queued message (`?1`: now, ms). The `NOT EXISTS` finds an older queued
/// message of the same conversation through `messages_queued_in_conversation` (migration
/// 0009), so it costs the same in a chat of ten messages or of a hundred thousand.
const NEXT_QUEUED: &str = "SELECT local_id, conversation_id, client_id, text, reply_to, file_id,
        attempts, state, created_at
    FROM messages m
    WHERE state IN ('pending','sending') AND kind != 'voice' AND in_doubt = 0
      AND (retry_at IS NULL OR retry_at <= ?1)
      AND NOT EXISTS (SELECT 1 FROM messages e
           WHERE e.conversation_id = m.conversation_id
             AND e.local_id < m.local_id AND e.kind != 'voice'
             AND e.state IN ('pending','sending'))
    ORDER BY local_id LIMIT 1";

impl Cache {
    /// The oldest message the outbox may send now: the first queued message of its
    /// conversation (so order is kept), not in doubt, and not waiting out a backoff (so a
    /// failing message never holds up other conversations). A row that cannot be read is
    /// quarantined, never a block on the queue.
    pub fn next_queued(&self) -> Result<Option<Queued>, StoreError> {
        self.tolerant(|| {
            self.store().read_fresh(|c| {
                let row = c
                    .prepare_cached(NEXT_QUEUED)?
                    .query_row([now_ms()], |r| {
                        let local_id: i64 = r.get(0)?;
                        let queued = (|| {
                            let state: String = r.get(7)?;
                            Ok(Queued {
                                local_id,
                                conversation_id: r.get(1)?,
                                client_id: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                                text: r.get(3)?,
                                reply_to: r.get(4)?,
                                file_id: r.get(5)?,
                                attempts: r.get(6)?,
                                state: DeliveryState::parse(&state),
                                queued_at: r.get(8)?,
                            })
                        })();
                        Ok(queued.map_err(|e: rusqlite::Error| (local_id, e.to_string())))
                    })
                    .optional()?;
                Ok(match row {
                    None => (None, Vec::new()),
                    Some(Ok(q)) => (Some(q), Vec::new()),
                    Some(Err(bad)) => (None, vec![bad]),
                })
            })
        })
    }

    /// How many messages the outbox owns (in doubt included).
    pub fn queued_count(&self) -> Result<i64, StoreError> {
        self.store().read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM messages WHERE state IN ('pending','sending') AND kind != 'voice'",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Moves a queued message to `state` (only while the outbox still owns it: an echo that
    /// already marked it sent wins). `attempt` counts one more try; `error` is kept.
    pub fn set_queued_state(
        &self,
        local_id: i64,
        state: DeliveryState,
        error: Option<&str>,
        attempt: bool,
    ) -> Result<Option<ChatMessage>, StoreError> {
        self.update_queued(
            local_id,
            "state = ?2, error = ?3, attempts = attempts + ?4",
            params![local_id, state.as_str(), error, i64::from(attempt)],
        )
    }

    /// A try begins: `sending`, and on the first try the conversation's newest server id is
    /// kept as the message's anchor (see [`Doubt::anchor`]).
    pub fn start_try(&self, local_id: i64) -> Result<Option<ChatMessage>, StoreError> {
        // SET expressions all read the row as it was, so `first_try_at IS NULL` is the old value.
        self.update_queued(
            local_id,
            "state = 'sending',
             anchor = CASE WHEN first_try_at IS NULL THEN
                (SELECT a.server_id FROM messages a WHERE a.conversation_id = messages.conversation_id
                    AND a.server_id IS NOT NULL ORDER BY a.sort_ts DESC, a.local_id DESC LIMIT 1)
                ELSE anchor END,
             first_try_at = coalesce(first_try_at, ?2), retry_at = NULL",
            params![local_id, now_ms()],
        )
    }

    /// The server may have the message but gave no proof: it waits in doubt (its try counted)
    /// for a page of the conversation that can tell.
    pub fn set_in_doubt(
        &self,
        local_id: i64,
        reason: &str,
    ) -> Result<Option<ChatMessage>, StoreError> {
        self.update_queued(
            local_id,
            "state = 'sending', in_doubt = 1, attempts = attempts + 1, error = ?2",
            params![local_id, reason],
        )
    }

    /// The server may have the message and nothing can tell: `unconfirmed`, for the user.
    pub fn set_unconfirmed(
        &self,
        local_id: i64,
        reason: &str,
    ) -> Result<Option<ChatMessage>, StoreError> {
        self.update_queued(
            local_id,
            "state = 'unconfirmed', in_doubt = 0, error = ?2",
            params![local_id, reason],
        )
    }

    /// A try failed in a way that may not last: the message waits `after_ms` (its conversation
    /// with it; other conversations go on), with the reason shown; `attempt` counts the try.
    pub fn retry_after(
        &self,
        local_id: i64,
        reason: &str,
        after_ms: i64,
        attempt: bool,
    ) -> Result<Option<ChatMessage>, StoreError> {
        self.update_queued(
            local_id,
            "state = 'sending', error = ?2, retry_at = ?3, attempts = attempts + ?4",
            params![
                local_id,
                reason,
                now_ms().saturating_add(after_ms),
                i64::from(attempt)
            ],
        )
    }

    /// After a restart: a message that was on its way when the process stopped may have
    /// reached the server. With `ask` (the dialect can ask the server later) it waits in doubt;
    /// with `resend` (the server drops resends) it is simply queued again; otherwise it ends
    /// `unconfirmed`. Returns what changed.
    pub fn recover_interrupted(
        &self,
        ask: bool,
        resend: bool,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let set = if resend {
            "state = 'pending', retry_at = NULL"
        } else if ask {
            "in_doubt = 1, retry_at = NULL, error = 'the app stopped while this was being sent'"
        } else {
            "state = 'unconfirmed', error = 'the app stopped while this was being sent; it may \
             have arrived: resend or discard'"
        };
        let sql = format!(
            "UPDATE messages SET {set}
             WHERE own = 1 AND kind != 'voice' AND state = 'sending' AND in_doubt = 0
               AND first_try_at IS NOT NULL AND retry_at IS NULL
             RETURNING local_id"
        );
        let ids: Vec<i64> = self.store().write(|tx| {
            let mut stmt = tx.prepare(&sql)?;
            let ids = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })?;
        self.get_many(&ids)
    }

    fn update_queued(
        &self,
        local_id: i64,
        set: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let sql = format!(
            "UPDATE messages SET {set} WHERE local_id = ?1 AND state IN ('pending','sending')"
        );
        // Read back in the same transaction, on the connection that wrote it. A row that cannot
        // be read back is reported, never a reason to undo the change of state.
        self.store().write(|tx| {
            if tx.prepare_cached(&sql)?.execute(params)? == 0 {
                return Ok(None);
            }
            Ok(get_local(tx, local_id).unwrap_or_else(|e| {
                tracing::warn!(local_id, error = %e, "a queued message changed but cannot be read back");
                None
            }))
        })
    }

    /// The server took our message (its answer says so) without naming it: `sent`. Its copy,
    /// when it comes back, is adopted by its text.
    pub fn confirm_taken(&self, local_id: i64) -> Result<Option<ChatMessage>, StoreError> {
        self.update_queued(
            local_id,
            "state = 'sent', in_doubt = 0, error = NULL, error_code = NULL",
            params![local_id],
        )
    }

    /// Whether a message with this server id is already here.
    pub fn knows_server_id(
        &self,
        conversation_id: &str,
        server_id: &str,
    ) -> Result<bool, StoreError> {
        self.store()
            .read(|c| Ok(local_by_server_id(c, conversation_id, server_id)?.is_some()))
    }

    /// Puts `reason` on every message waiting in the queue (why it waits: no connection,
    /// credentials refused), so that no message waits silently. Returns what changed.
    pub fn note_waiting(&self, reason: Option<&str>) -> Result<Vec<ChatMessage>, StoreError> {
        let ids: Vec<i64> = self.store().write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE messages SET error = ?1
                 WHERE own = 1 AND kind != 'voice' AND state = 'pending' AND in_doubt = 0
                    AND error IS NOT ?1
                 RETURNING local_id",
            )?;
            let ids = stmt
                .query_map([reason], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })?;
        self.get_many(&ids)
    }

    /// The server refused our message for good (with its own code, when it gave one).
    pub fn fail(
        &self,
        conversation_id: Option<&str>,
        client_id: &str,
        reason: &str,
        code: Option<&str>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let local = self.store().write(|tx| {
            let local: Option<i64> = tx
                .prepare_cached(
                    "SELECT local_id FROM messages WHERE client_id = ?1 AND own = 1
                        AND (?2 IS NULL OR conversation_id = ?2)
                        AND state IN ('pending','sending') LIMIT 1",
                )?
                .query_row(params![client_id, conversation_id], |r| r.get(0))
                .optional()?;
            if let Some(l) = local {
                tx.execute(
                    "UPDATE messages SET state = 'failed', in_doubt = 0, error = ?2, error_code = ?3
                     WHERE local_id = ?1",
                    params![l, reason, code],
                )?;
            }
            Ok(local)
        })?;
        match local {
            Some(l) => self.get(l),
            None => Ok(None),
        }
    }

    /// Ends queued messages that waited longer than `max_age_ms` (offline all that time): one
    /// never tried fails with `reason`; one tried may have reached the server, so it ends
    /// `unconfirmed`.
    pub fn expire_queued(
        &self,
        max_age_ms: i64,
        reason: &str,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let cutoff = now_ms().saturating_sub(max_age_ms);
        let ids: Vec<i64> = self.store().write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE messages SET in_doubt = 0, error_code = NULL, retry_at = NULL,
                    state = CASE WHEN first_try_at IS NULL THEN 'failed' ELSE 'unconfirmed' END,
                    error = CASE WHEN first_try_at IS NULL THEN ?2
                        ELSE ?2 || '; it was tried, so it may have arrived' END
                 WHERE own = 1 AND kind != 'voice' AND state IN ('pending','sending')
                    AND created_at < ?1
                 RETURNING local_id",
            )?;
            let ids = stmt
                .query_map(params![cutoff, reason], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })?;
        self.get_many(&ids)
    }

    /// A failed or unconfirmed message back into the outbox, attempts reset (a new series of
    /// tries, with a new anchor).
    pub fn retry(
        &self,
        conversation_id: &str,
        client_id: &str,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let local = self.store().write(|tx| {
            let Some((local, state)) = own_by_client_id(tx, conversation_id, client_id)? else {
                return Ok(None);
            };
            if !matches!(
                DeliveryState::parse(&state),
                DeliveryState::Failed | DeliveryState::Unconfirmed
            ) {
                return Ok(None);
            }
            tx.execute(
                "UPDATE messages SET state = 'pending', error = NULL, error_code = NULL,
                    attempts = 0, in_doubt = 0, anchor = NULL, first_try_at = NULL
                 WHERE local_id = ?1",
                [local],
            )?;
            Ok(Some(local))
        })?;
        match local {
            Some(l) => self.store().read(|c| get_local(c, l)),
            None => Ok(None),
        }
    }

    /// Deletes one of our messages the server never confirmed (failed, unconfirmed, or still
    /// pending).
    pub fn discard(&self, conversation_id: &str, client_id: &str) -> Result<bool, StoreError> {
        self.store().write(|tx| {
            Ok(tx.execute(
                "DELETE FROM messages WHERE conversation_id = ?1 AND client_id = ?2 AND own = 1
                    AND state IN ('failed','pending','unconfirmed')",
                params![conversation_id, client_id],
            )? > 0)
        })
    }
}
