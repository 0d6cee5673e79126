//! Our own messages, from the outbox's `pending` until the server has them: text sends,
//! voice notes shown before the voice outbox delivers them, and confirmations.

use super::ingest::{at_least_sent, index_text};
use super::rows::{local_by_server_id, own_by_client_id};
use super::Cache;
use crate::messaging::time::{now_ms, parse_iso_ms};
use crate::model::{ChatMessage, DeliveryState, Message, Party};
use crate::store::StoreError;
use rusqlite::{params, OptionalExtension};

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// Where.
    pub conversation_id: &'a str,
    /// Our id for it.
    pub client_id: &'a str,
    /// Who we are.
    pub sender: &'a Party,
    /// Text.
    pub text: Option<&'a str>,
    /// Server id of the message replied to.
    pub reply_to: Option<&'a str>,
    /// An uploaded file's id.
    pub file_id: Option<&'a str>,
}

/// Our voice note, shown before the voice outbox has delivered it.
#[derive(Debug, Clone)]
pub struct VoiceOutgoing<'a> {
    /// Where.
    pub conversation_id: &'a str,
    /// Its client id (the voice outbox's).
    pub client_id: &'a str,
    /// Who we are.
    pub sender: &'a Party,
    /// The file name it is sent under, when known.
    pub file_name: Option<&'a str>,
    /// Its length.
    pub duration_ms: u64,
    /// Peaks for drawing.
    pub waveform: &'a [u8],
}

impl Cache {
    /// Puts our message in the outbox as `pending`. Enqueuing a client id twice returns the
    /// message already there (a caller's retry of the same send is not a second message).
    pub fn enqueue(&self, o: &Outgoing<'_>) -> Result<ChatMessage, StoreError> {
        let local = self.store.write(|tx| {
            if let Some((local, _)) = own_by_client_id(tx, o.conversation_id, o.client_id)? {
                return Ok(local);
            }
            let now = now_ms();
            tx.prepare_cached(
                "INSERT INTO messages(conversation_id, client_id, sender_id, sender_name, own, kind,
                    text, file_id, reply_to, state, sort_ts, created_at)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, 'pending', ?9, ?9)",
            )?
            .execute(params![
                o.conversation_id,
                o.client_id,
                o.sender.id,
                o.sender.name,
                if o.file_id.is_some() { "file" } else { "text" },
                o.text,
                o.file_id,
                o.reply_to,
                now
            ])?;
            let local = tx.last_insert_rowid();
            index_text(tx, local, o.text)?;
            Ok(local)
        })?;
        self.get(local)?
            .ok_or_else(|| StoreError::Corrupt("an enqueued message vanished".into()))
    }

    /// Shows our voice note at once (`pending`), with its length and waveform. Its delivery
    /// belongs to the voice outbox, which reports back through [`Cache::set_voice_state`],
    /// [`Cache::confirm_sent`] and [`Cache::fail`]. Idempotent per client id (a restarted
    /// outbox reports its notes again).
    pub fn enqueue_voice(&self, v: &VoiceOutgoing<'_>) -> Result<ChatMessage, StoreError> {
        let local = self.store.write(|tx| {
            if let Some((local, _)) = own_by_client_id(tx, v.conversation_id, v.client_id)? {
                return Ok(local);
            }
            let now = now_ms();
            tx.prepare_cached(
                "INSERT INTO messages(conversation_id, client_id, sender_id, sender_name, own, kind,
                    file_name, state, sort_ts, created_at, duration_ms, waveform)
                 VALUES (?1, ?2, ?3, ?4, 1, 'voice', ?5, 'pending', ?6, ?6, ?7, ?8)",
            )?
            .execute(params![
                v.conversation_id,
                v.client_id,
                v.sender.id,
                v.sender.name,
                v.file_name,
                now,
                i64::try_from(v.duration_ms).unwrap_or(i64::MAX),
                v.waveform
            ])?;
            Ok(tx.last_insert_rowid())
        })?;
        self.get(local)?
            .ok_or_else(|| StoreError::Corrupt("an enqueued voice note vanished".into()))
    }

    /// Moves our voice note, still on its way (or left unconfirmed, which a resend puts back on
    /// its way), to `state` (with the last transient error).
    /// Returns the message only when something changed, so frequent progress reports do not
    /// each become a change.
    pub fn set_voice_state(
        &self,
        conversation_id: &str,
        client_id: &str,
        state: DeliveryState,
        error: Option<&str>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let changed = self.store.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "UPDATE messages SET state = ?3, error = ?4
                     WHERE conversation_id = ?1 AND client_id = ?2 AND own = 1 AND kind = 'voice'
                        AND state IN ('pending','sending','unconfirmed')
                        AND (state != ?3 OR error IS NOT ?4)
                     RETURNING local_id",
                )?
                .query_row(
                    params![conversation_id, client_id, state.as_str(), error],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?)
        })?;
        match changed {
            Some(l) => self.get(l),
            None => Ok(None),
        }
    }

    /// Keeps the length and peaks of a voice note decoded for playback (servers carry no
    /// waveform, so a received note gets one when it is first played). Returns the messages
    /// that changed.
    pub fn set_voice_shape(
        &self,
        file_url: &str,
        duration_ms: u64,
        waveform: &[u8],
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let changed: Vec<i64> = self.store.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE messages SET waveform = ?2, duration_ms = coalesce(duration_ms, ?3)
                 WHERE file_url = ?1 AND kind = 'voice' AND waveform IS NULL
                 RETURNING local_id",
            )?;
            let ids = stmt
                .query_map(
                    params![
                        file_url,
                        waveform,
                        i64::try_from(duration_ms).unwrap_or(i64::MAX)
                    ],
                    |r| r.get(0),
                )?
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(ids)
        })?;
        self.get_many(&changed)
    }

    /// Whether our message `client_id` in `conversation_id` is a voice note (the voice outbox,
    /// not the message outbox, resends and discards those).
    pub fn is_own_voice(&self, conversation_id: &str, client_id: &str) -> Result<bool, StoreError> {
        self.store.read(|c| {
            Ok(c.prepare_cached(
                "SELECT 1 FROM messages WHERE conversation_id = ?1 AND client_id = ?2 AND own = 1
                    AND kind = 'voice'",
            )?
            .exists(params![conversation_id, client_id])?)
        })
    }

    /// Removes our voice note the server never got (the user cancelled it).
    pub fn remove_unsent_voice(
        &self,
        conversation_id: &str,
        client_id: &str,
    ) -> Result<bool, StoreError> {
        self.store.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM messages WHERE conversation_id = ?1 AND client_id = ?2 AND own = 1
                    AND kind = 'voice' AND server_id IS NULL",
                params![conversation_id, client_id],
            )? > 0)
        })
    }

    /// Whether another of our messages than `except_client_id`, one the server may hold but
    /// has not identified yet, has `text`: an answer carrying that text answers it, not the
    /// message now in flight (a late answer, or one that came by event after an empty ack).
    pub fn awaits_answer_with_text(
        &self,
        conversation_id: &str,
        text: &str,
        except_client_id: &str,
    ) -> Result<bool, StoreError> {
        self.store.read(|c| {
            Ok(c.prepare_cached(
                "SELECT 1 FROM messages
                 WHERE conversation_id = ?1 AND own = 1 AND server_id IS NULL AND kind != 'voice'
                   AND client_id != ?3
                   AND (state IN ('sending','sent','unconfirmed') OR attempts > 0 OR in_doubt = 1)
                   AND trim(text) = trim(?2)
                 LIMIT 1",
            )?
            .exists(params![conversation_id, text, except_client_id])?)
        })
    }

    /// The server took our message (ack or `message_sent`): records its id (and the stored
    /// message, when the server returned it).
    pub fn confirm_sent(
        &self,
        conversation_id: Option<&str>,
        client_id: &str,
        server_id: &str,
        stored: Option<&Message>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let local = self.store.write(|tx| {
            let found: Option<(i64, String, String)> = match conversation_id {
                Some(conv) => {
                    own_by_client_id(tx, conv, client_id)?.map(|(l, s)| (l, s, conv.to_owned()))
                }
                None => tx
                    .prepare_cached(
                        "SELECT local_id, state, conversation_id FROM messages
                         WHERE client_id = ?1 AND own = 1 LIMIT 1",
                    )?
                    .query_row([client_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?,
            };
            let Some((local, state, conv)) = found else {
                return Ok(None);
            };
            // Another row may already hold this server id (the echo came first and was
            // stored as someone's new message): fold it into ours.
            if let Some(other) = local_by_server_id(tx, &conv, server_id)? {
                if other != local {
                    tx.execute("DELETE FROM messages WHERE local_id = ?1", [other])?;
                }
            }
            let time = stored.and_then(|m| m.sent_at.clone());
            let sort_ts = time.as_deref().and_then(parse_iso_ms);
            let file_url = stored.and_then(|m| m.file_url.as_deref());
            tx.prepare_cached(
                "UPDATE messages SET server_id = ?2, state = ?3, error = NULL, error_code = NULL,
                    in_doubt = 0,
                    server_time = coalesce(?4, server_time), sort_ts = coalesce(?5, sort_ts),
                    file_url = coalesce(?6, file_url)
                 WHERE local_id = ?1",
            )?
            .execute(params![
                local,
                server_id,
                at_least_sent(DeliveryState::parse(&state)).as_str(),
                time,
                sort_ts,
                file_url
            ])?;
            Ok(Some(local))
        })?;
        match local {
            Some(l) => self.get(l),
            None => Ok(None),
        }
    }
}
