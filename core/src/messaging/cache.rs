//! The messaging tables of the store: every query the Messenger makes, synchronous and small.
//! Messages are keyed by server id, and our own also by client id, so an echo, a resend or a
//! replayed history page never makes a second row.

use super::time::{now_ms, parse_iso_ms};
use crate::model::{ChatMessage, DeliveryState};
use crate::model::{ConversationInfo, Message, MessageKind, Party};
use crate::store::{quarantine, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::collections::BTreeMap;

/// The columns every message query selects, in the order [`row_to_message`] reads them.
const COLUMNS: &str = "m.local_id, m.conversation_id, m.client_id, m.server_id, m.sender_id, \
    m.sender_name, m.own, m.kind, m.text, m.file_url, m.file_name, m.reply_to, m.state, m.error, \
    m.server_time, m.sort_ts, \
    (SELECT json_group_array(json_array(r.emoji, r.user_id)) FROM reactions r \
        WHERE r.conversation_id = m.conversation_id AND r.message_id = m.server_id), \
    (SELECT json_group_array(c.user_id) FROM receipts c \
        WHERE c.conversation_id = m.conversation_id AND c.message_id = m.server_id), \
    coalesce(m.duration_ms, CAST(round(m.duration_secs * 1000) AS INTEGER)), m.waveform, \
    m.error_code";

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

/// The messaging queries over one [`Store`].
#[derive(Clone, Debug)]
pub struct Cache {
    store: Store,
}

fn kind_str(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Text => "text",
        MessageKind::Voice => "voice",
        MessageKind::Image => "image",
        MessageKind::File => "file",
        MessageKind::System => "system",
    }
}

fn kind_of(s: &str) -> MessageKind {
    match s {
        "voice" => MessageKind::Voice,
        "image" => MessageKind::Image,
        "file" => MessageKind::File,
        "system" => MessageKind::System,
        _ => MessageKind::Text,
    }
}

fn row_to_message(r: &Row<'_>) -> rusqlite::Result<ChatMessage> {
    let reactions_json: Option<String> = r.get(16)?;
    let receipts_json: Option<String> = r.get(17)?;
    let mut reactions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let pairs: Vec<(String, String)> = reactions_json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    for (emoji, user) in pairs {
        reactions.entry(emoji).or_default().push(user);
    }
    let read_by: Vec<String> = receipts_json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    let state: String = r.get(12)?;
    let kind: String = r.get(7)?;
    Ok(ChatMessage {
        local_id: r.get(0)?,
        conversation_id: r.get(1)?,
        client_id: r.get(2)?,
        server_id: r.get(3)?,
        sender: Party {
            id: r.get(4)?,
            name: r.get(5)?,
            ..Party::default()
        },
        own: r.get(6)?,
        kind: kind_of(&kind),
        text: r.get(8)?,
        file_url: r.get(9)?,
        file_name: r.get(10)?,
        reply_to: r.get(11)?,
        state: DeliveryState::parse(&state),
        error: r.get(13)?,
        server_time: r.get(14)?,
        sort_ts: r.get(15)?,
        reactions,
        read_by,
        duration_ms: r
            .get::<_, Option<i64>>(18)?
            .and_then(|d| u64::try_from(d).ok()),
        waveform: r.get::<_, Option<Vec<u8>>>(19)?.unwrap_or_default(),
        error_code: r.get(20)?,
    })
}

/// A row that cannot be read: its local id and why (to quarantine it).
type Unreadable = (i64, String);

/// A row read as a value, or why it cannot be.
type Tolerant<T> = Result<T, Unreadable>;

/// Messages of a page, oldest first, and whether older ones are cached.
type Page = (Vec<ChatMessage>, bool);

/// [`row_to_message`] that names the row instead of failing the whole query.
fn row_or_bad(r: &Row<'_>) -> rusqlite::Result<Tolerant<ChatMessage>> {
    let local_id: i64 = r.get(0)?;
    Ok(row_to_message(r).map_err(|e| (local_id, e.to_string())))
}

/// The good rows of `rows`, and the bad ones apart.
fn split_bad<T>(rows: Vec<Tolerant<T>>) -> (Vec<T>, Vec<(i64, String)>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for r in rows {
        match r {
            Ok(v) => good.push(v),
            Err(b) => bad.push(b),
        }
    }
    (good, bad)
}

pub(super) fn get_local(c: &Connection, local_id: i64) -> Result<Option<ChatMessage>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM messages m WHERE m.local_id = ?1");
    Ok(c.prepare_cached(&sql)?
        .query_row([local_id], row_to_message)
        .optional()?)
}

pub(super) fn local_by_server_id(
    c: &Connection,
    conversation_id: &str,
    server_id: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT local_id FROM messages WHERE conversation_id = ?1 AND server_id = ?2",
    )?
    .query_row(params![conversation_id, server_id], |r| r.get(0))
    .optional()?)
}

pub(super) fn own_by_client_id(
    c: &Connection,
    conversation_id: &str,
    client_id: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT local_id, state FROM messages
             WHERE conversation_id = ?1 AND client_id = ?2 AND own = 1",
    )?
    .query_row(params![conversation_id, client_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()?)
}

/// Adds a new message's text to the full-text index (see the migration for why not a trigger).
fn index_text(tx: &Transaction<'_>, local_id: i64, text: Option<&str>) -> Result<(), StoreError> {
    if let Some(t) = text {
        tx.prepare_cached("INSERT INTO messages_fts(rowid, text) VALUES (?1, ?2)")?
            .execute(params![local_id, t])?;
    }
    Ok(())
}

/// Where `state` may go once the server has the message: never backwards.
fn at_least_sent(state: DeliveryState) -> DeliveryState {
    match state {
        DeliveryState::Delivered | DeliveryState::Read | DeliveryState::Received => state,
        _ => DeliveryState::Sent,
    }
}

/// Links our row `local` to the server's copy `m` of it.
fn adopt(
    tx: &Transaction<'_>,
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
fn adoptable(tx: &Transaction<'_>, m: &Message) -> Result<Option<(i64, String)>, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT local_id, state FROM messages
             WHERE conversation_id = ?1 AND own = 1 AND server_id IS NULL AND kind != 'voice'
               AND (state IN ('sending','sent','unconfirmed') OR attempts > 0 OR in_doubt = 1)
               AND ((?2 != '' AND client_id = ?2)
                    OR (?3 IS NOT NULL AND trim(text) = trim(?3)))
             ORDER BY (?2 != '' AND client_id = ?2) DESC, local_id LIMIT 1",
        )?
        .query_row(params![m.conversation_id, m.id, m.text], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// Applies one server message inside `tx`. Returns the local id when something changed.
fn apply_in(
    tx: &Transaction<'_>,
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
    // unique per sender (001 lets clients pick any string), so someone else's is not ours.
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
    /// The messaging view of `store`.
    pub fn new(store: Store) -> Cache {
        Cache { store }
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs a read that reports unreadable rows apart; those rows are quarantined (moved out
    /// of `messages`, see [`crate::store::quarantine`]) and the read runs again, so one bad row
    /// never hides a page or blocks the outbox.
    pub(super) fn tolerant<T>(
        &self,
        mut read: impl FnMut() -> Result<(T, Vec<(i64, String)>), StoreError>,
    ) -> Result<T, StoreError> {
        for _ in 0..16 {
            let (value, bad) = read()?;
            if bad.is_empty() {
                return Ok(value);
            }
            for (local_id, why) in bad {
                quarantine::quarantine(&self.store, "messages", local_id, &why)?;
            }
        }
        Err(StoreError::Corrupt(
            "too many unreadable messages in one read".into(),
        ))
    }

    /// One message by local id.
    pub fn get(&self, local_id: i64) -> Result<Option<ChatMessage>, StoreError> {
        self.store.read(|c| get_local(c, local_id))
    }

    pub(super) fn get_many(&self, ids: &[i64]) -> Result<Vec<ChatMessage>, StoreError> {
        self.store.read(|c| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(m) = get_local(c, *id)? {
                    out.push(m);
                }
            }
            Ok(out)
        })
    }

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

    /// Moves our voice note, still on its way, to `state` (with the last transient error).
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
                        AND state IN ('pending','sending')
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

    /// Applies one server message. Returns the message as now cached when it is new or
    /// changed; `None` for a duplicate that brings nothing.
    pub fn apply_message(
        &self,
        m: &Message,
        me: Option<&str>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        match self.store.write(|tx| apply_in(tx, m, me))? {
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

    /// Up to `limit` messages before the message `before` (a local id; `None`: the latest),
    /// oldest first, and whether older ones are cached. Keyset pagination on (server time,
    /// local id): messages arriving later never shift a page already read.
    pub fn page(
        &self,
        conversation_id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<ChatMessage>, bool), StoreError> {
        let limit = limit.clamp(1, 500);
        self.tolerant(|| self.page_once(conversation_id, before, limit))
    }

    fn page_once(
        &self,
        conversation_id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Page, Vec<Unreadable>), StoreError> {
        self.store.read(|c| {
            let rows = match before {
                None => {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM messages m WHERE m.conversation_id = ?1
                         ORDER BY m.sort_ts DESC, m.local_id DESC LIMIT ?2"
                    );
                    let mut st = c.prepare_cached(&sql)?;
                    let rows = st.query_map(params![conversation_id, limit + 1], row_or_bad)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
                Some(cursor) => {
                    let ts: Option<i64> = c
                        .prepare_cached(
                            "SELECT sort_ts FROM messages WHERE local_id = ?1 AND conversation_id = ?2",
                        )?
                        .query_row(params![cursor, conversation_id], |r| r.get(0))
                        .optional()?;
                    let Some(ts) = ts else {
                        return Ok(((Vec::new(), false), Vec::new()));
                    };
                    let sql = format!(
                        "SELECT {COLUMNS} FROM messages m WHERE m.conversation_id = ?1
                            AND (m.sort_ts < ?2 OR (m.sort_ts = ?2 AND m.local_id < ?3))
                         ORDER BY m.sort_ts DESC, m.local_id DESC LIMIT ?4"
                    );
                    let mut st = c.prepare_cached(&sql)?;
                    let rows =
                        st.query_map(params![conversation_id, ts, cursor, limit + 1], row_or_bad)?;
                    rows.collect::<Result<Vec<_>, _>>()?
                }
            };
            let (mut out, bad) = split_bad(rows);
            let has_more = out.len() > limit as usize;
            out.truncate(limit as usize);
            out.reverse();
            Ok(((out, has_more), bad))
        })
    }

    /// The oldest server id cached for a conversation (where backfill continues from).
    pub fn oldest_server_id(&self, conversation_id: &str) -> Result<Option<String>, StoreError> {
        self.store.read(|c| {
            Ok(c.prepare_cached(
                "SELECT server_id FROM messages WHERE conversation_id = ?1 AND server_id IS NOT NULL
                 ORDER BY sort_ts, local_id LIMIT 1",
            )?
            .query_row([conversation_id], |r| r.get(0))
            .optional()?)
        })
    }

    /// Full-text search over cached message text (newest first). Every word of `query` must
    /// match, as a prefix; the query's punctuation is never FTS syntax.
    pub fn search(
        &self,
        query: &str,
        conversation_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        self.tolerant(|| {
            self.store.read(|c| {
                let sql = format!(
                    "SELECT {COLUMNS} FROM messages_fts f JOIN messages m ON m.local_id = f.rowid
                 WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR m.conversation_id = ?2)
                 ORDER BY f.rowid DESC LIMIT ?3"
                );
                let mut st = c.prepare_cached(&sql)?;
                let rows = st.query_map(
                    params![fts, conversation_id, limit.clamp(1, 1000)],
                    row_or_bad,
                )?;
                Ok(split_bad(rows.collect::<Result<Vec<_>, _>>()?))
            })
        })
    }
}

/// A user's words as an FTS5 query: each word quoted (so `"`, `*`, `AND`, `:` are just text)
/// and matched as a prefix; all words must match.
fn fts_query(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    pub(crate) fn temp_cache(tag: &str) -> Cache {
        let dir: PathBuf =
            std::env::temp_dir().join(format!("parlor-msg-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Cache::new(Store::open(&dir.join("cache.sqlite3")).unwrap())
    }

    pub(crate) fn msg(id: &str, conv: &str, sender: &str, text: &str, at: &str) -> Message {
        Message {
            id: id.into(),
            conversation_id: conv.into(),
            client_id: None,
            sender: Party {
                id: sender.into(),
                ..Party::default()
            },
            kind: MessageKind::Text,
            text: Some(text.into()),
            file_url: None,
            file_name: None,
            reply_to: None,
            sent_at: Some(at.into()),
            read: None,
            reactions: BTreeMap::new(),
            duration_secs: None,
        }
    }

    fn me() -> Party {
        Party {
            id: "me".into(),
            ..Party::default()
        }
    }

    #[test]
    fn an_own_message_goes_pending_then_sent_and_its_echo_is_not_a_second_row() {
        let cache = temp_cache("echo");
        let p = cache
            .enqueue(&Outgoing {
                conversation_id: "c",
                client_id: "cid-1",
                sender: &me(),
                text: Some("hi"),
                reply_to: None,
                file_id: None,
            })
            .unwrap();
        assert_eq!(p.state, DeliveryState::Pending);
        // Enqueuing the same client id again is the same message.
        let again = cache
            .enqueue(&Outgoing {
                conversation_id: "c",
                client_id: "cid-1",
                sender: &me(),
                text: Some("hi"),
                reply_to: None,
                file_id: None,
            })
            .unwrap();
        assert_eq!(again.local_id, p.local_id);
        assert_eq!(cache.next_queued().unwrap().unwrap().client_id, "cid-1");
        let s = cache
            .set_queued_state(p.local_id, DeliveryState::Sending, None, true)
            .unwrap()
            .unwrap();
        assert_eq!(s.state, DeliveryState::Sending);
        let mut echo = msg("srv-1", "c", "me", "hi", "2025-01-01T00:00:01Z");
        echo.client_id = Some("cid-1".into());
        let sent = cache.apply_message(&echo, Some("me")).unwrap().unwrap();
        assert_eq!(sent.state, DeliveryState::Sent);
        assert_eq!(sent.server_id.as_deref(), Some("srv-1"));
        assert_eq!(sent.local_id, p.local_id);
        // The same echo again (a resend's answer, a replayed history page) changes nothing.
        assert_eq!(cache.apply_message(&echo, Some("me")).unwrap(), None);
        assert!(cache
            .confirm_sent(Some("c"), "cid-1", "srv-1", None)
            .unwrap()
            .is_some());
        let (page, more) = cache.page("c", None, 50).unwrap();
        assert_eq!(page.len(), 1);
        assert!(!more);
        assert!(cache.next_queued().unwrap().is_none());
        // A sent message cannot be discarded or retried.
        assert!(!cache.discard("c", "cid-1").unwrap());
        assert!(cache.retry("c", "cid-1").unwrap().is_none());
    }

    #[test]
    fn someone_elses_message_with_our_client_id_is_not_our_echo() {
        let cache = temp_cache("collide");
        let p = cache
            .enqueue(&Outgoing {
                conversation_id: "c",
                client_id: "c-1",
                sender: &me(),
                text: Some("mine"),
                reply_to: None,
                file_id: None,
            })
            .unwrap();
        let mut theirs = msg("srv-9", "c", "them", "theirs", "2025-01-01T00:00:00Z");
        theirs.client_id = Some("c-1".into());
        let got = cache.apply_message(&theirs, Some("me")).unwrap().unwrap();
        assert_ne!(got.local_id, p.local_id);
        assert_eq!(got.state, DeliveryState::Received);
        assert_eq!(
            cache.get(p.local_id).unwrap().unwrap().state,
            DeliveryState::Pending
        );
    }

    #[test]
    fn an_ack_before_the_echo_folds_into_one_row() {
        let cache = temp_cache("ack");
        cache
            .enqueue(&Outgoing {
                conversation_id: "c",
                client_id: "x",
                sender: &me(),
                text: Some("a"),
                reply_to: None,
                file_id: None,
            })
            .unwrap();
        let m = cache.confirm_sent(None, "x", "x", None).unwrap().unwrap();
        assert_eq!(m.state, DeliveryState::Sent);
        // 002 echoes with the client id as server id and no client id of its own.
        let echo = msg("x", "c", "me", "a", "2025-01-01T00:00:00Z");
        let after = cache.apply_message(&echo, Some("me")).unwrap().unwrap();
        assert_eq!(after.server_time.as_deref(), Some("2025-01-01T00:00:00Z"));
        assert_eq!(cache.page("c", None, 10).unwrap().0.len(), 1);
    }

    #[test]
    fn unreadable_rows_are_quarantined_and_never_hide_a_page_or_block_the_outbox() {
        let cache = temp_cache("quarantine");
        for (i, text) in ["one", "two", "three"].iter().enumerate() {
            cache
                .apply_message(
                    &msg(&format!("m{i}"), "c", "u2", text, "2026-01-01T00:00:00Z"),
                    Some("me"),
                )
                .unwrap();
        }
        cache
            .store()
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO messages (conversation_id, client_id, sender_id, own, kind, text, state, attempts, sort_ts, created_at)
                     VALUES ('c', 'bad-attempts', 'me', 1, 'text', 'x', 'pending', -7, 1, 1);
                     INSERT INTO messages (conversation_id, client_id, sender_id, own, kind, text, state, attempts, sort_ts, created_at)
                     VALUES ('c', 'good', 'me', 1, 'text', 'y', 'pending', 0, 2, 2);
                     INSERT INTO messages (conversation_id, server_id, sender_id, own, kind, text, state, sort_ts, created_at)
                     VALUES ('c', 'm-blob', X'FF00', 0, 'text', 'three', 'received', 3, 3);",
                )?;
                Ok(())
            })
            .unwrap();
        // The outbox skips (quarantines) the row it cannot read and goes on with the next.
        assert_eq!(cache.next_queued().unwrap().unwrap().client_id, "good");
        let (page, _) = cache.page("c", None, 50).unwrap();
        assert!(page
            .iter()
            .all(|m| m.server_id.as_deref() != Some("m-blob")));
        assert_eq!(page.len(), 4, "three received and the good pending one");
        assert_eq!(cache.search("three", None, 10).unwrap().len(), 1);
        assert_eq!(quarantine::list(cache.store()).unwrap().len(), 2);
    }

    #[test]
    fn failures_can_be_retried_or_discarded() {
        let cache = temp_cache("fail");
        for cid in ["a", "b"] {
            cache
                .enqueue(&Outgoing {
                    conversation_id: "c",
                    client_id: cid,
                    sender: &me(),
                    text: Some(cid),
                    reply_to: None,
                    file_id: None,
                })
                .unwrap();
            let f = cache
                .fail(Some("c"), cid, "Chat is closed", Some("CHAT_CLOSED"))
                .unwrap()
                .unwrap();
            assert_eq!(f.state, DeliveryState::Failed);
            assert_eq!(f.error.as_deref(), Some("Chat is closed"));
        }
        assert!(cache.next_queued().unwrap().is_none());
        let r = cache.retry("c", "a").unwrap().unwrap();
        assert_eq!(r.state, DeliveryState::Pending);
        assert_eq!(cache.next_queued().unwrap().unwrap().client_id, "a");
        assert!(cache.discard("c", "b").unwrap());
        assert_eq!(cache.page("c", None, 10).unwrap().0.len(), 1);
    }

    #[test]
    fn out_of_order_arrivals_are_placed_by_server_time_and_pages_are_stable() {
        let cache = temp_cache("order");
        for i in (0..30).rev() {
            let at = format!("2025-01-01T00:00:{i:02}Z");
            cache
                .apply_message(
                    &msg(&format!("m{i}"), "c", "u", &format!("n{i}"), &at),
                    Some("me"),
                )
                .unwrap();
        }
        // A duplicate is dropped.
        assert_eq!(
            cache
                .apply_message(
                    &msg("m5", "c", "u", "n5", "2025-01-01T00:00:05Z"),
                    Some("me")
                )
                .unwrap(),
            None
        );
        let (latest, more) = cache.page("c", None, 10).unwrap();
        let texts: Vec<_> = latest.iter().map(|m| m.text.clone().unwrap()).collect();
        assert_eq!(texts.first().unwrap(), "n20");
        assert_eq!(texts.last().unwrap(), "n29");
        assert!(more);
        // New messages arrive; the next older page is unaffected.
        cache
            .apply_message(
                &msg("m99", "c", "u", "late", "2025-01-01T00:01:00Z"),
                Some("me"),
            )
            .unwrap();
        let (older, more) = cache.page("c", Some(latest[0].local_id), 10).unwrap();
        assert_eq!(older.first().unwrap().text.as_deref(), Some("n10"));
        assert_eq!(older.last().unwrap().text.as_deref(), Some("n19"));
        assert!(more);
        let (oldest, more) = cache.page("c", Some(older[0].local_id), 10).unwrap();
        assert_eq!(oldest.len(), 10);
        assert!(!more);
        assert_eq!(cache.oldest_server_id("c").unwrap().as_deref(), Some("m0"));
    }

    #[test]
    fn reactions_aggregate_per_emoji_and_receipts_mark_own_messages_read() {
        let cache = temp_cache("react");
        let mut own = msg("m1", "c", "me", "mine", "2025-01-01T00:00:00Z");
        own.client_id = Some("k".into());
        let m = cache.apply_message(&own, Some("me")).unwrap().unwrap();
        assert_eq!(m.state, DeliveryState::Sent);
        assert!(m.own);
        cache
            .apply_reaction(Some("c"), "m1", "u1", "👍", Some(true))
            .unwrap();
        cache.apply_reaction(None, "m1", "u2", "👍", None).unwrap();
        let m = cache
            .apply_reaction(Some("c"), "m1", "u3", "❤", Some(true))
            .unwrap()
            .unwrap();
        assert_eq!(m.reactions["👍"].len(), 2);
        assert_eq!(m.reactions["❤"], vec!["u3".to_string()]);
        let m = cache
            .apply_reaction(None, "m1", "u2", "👍", None)
            .unwrap()
            .unwrap();
        assert_eq!(m.reactions["👍"], vec!["u1".to_string()]);
        assert!(cache
            .apply_reaction(None, "nope", "u2", "👍", None)
            .unwrap()
            .is_none());
        // Reading one's own message is no receipt.
        assert!(cache
            .apply_receipt(Some("c"), "me", &["m1".into()], None)
            .unwrap()
            .is_empty());
        let read = cache
            .apply_receipt(Some("c"), "u1", &["m1".into(), "unknown".into()], Some("t"))
            .unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].state, DeliveryState::Read);
        assert_eq!(read[0].read_by, vec!["u1".to_string()]);
        assert!(cache
            .apply_receipt(Some("c"), "u1", &["m1".into()], None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn search_is_full_text_and_treats_punctuation_as_text() {
        let cache = temp_cache("search");
        let batch: Vec<Message> = (0..100)
            .map(|i| {
                msg(
                    &format!("m{i}"),
                    if i % 2 == 0 { "a" } else { "b" },
                    "u",
                    &format!("reading number {i} about the Tower card"),
                    "2025-01-01T00:00:00Z",
                )
            })
            .collect();
        assert_eq!(cache.ingest(&batch, None).unwrap().len(), 100);
        assert_eq!(cache.ingest(&batch, None).unwrap().len(), 0);
        assert_eq!(cache.search("tower", None, 1000).unwrap().len(), 100);
        assert_eq!(cache.search("TOW card", Some("a"), 1000).unwrap().len(), 50);
        assert_eq!(
            cache.search("number 42", None, 10).unwrap()[0]
                .server_id
                .as_deref(),
            Some("m42")
        );
        for odd in ["\"", "AND OR", "*", "NEAR(", "tower\" OR \"x", ""] {
            assert!(cache.search(odd, None, 10).is_ok(), "{odd}");
        }
        assert!(cache.search("", None, 10).unwrap().is_empty());
    }

    #[test]
    fn conversations_participants_and_rooms_are_remembered() {
        let cache = temp_cache("conv");
        cache
            .upsert_conversation(&ConversationInfo {
                id: "c".into(),
                status: Some("active".into()),
                participants: vec!["a".into()],
                unread: Some(3),
                last_message_at: None,
            })
            .unwrap();
        cache.set_status("c", "CLOSED").unwrap();
        assert_eq!(cache.status("c").unwrap().as_deref(), Some("CLOSED"));
        cache.set_joined("c", true).unwrap();
        cache.set_joined("d", true).unwrap();
        cache.set_joined("d", false).unwrap();
        assert_eq!(cache.joined().unwrap(), vec!["c".to_string()]);
        let who = Party {
            id: "u1".into(),
            ..Party::default()
        };
        cache.set_participant("c", &who, true, Some("t")).unwrap();
        cache.set_active_users("c", &["u2".into()]).unwrap();
        assert_eq!(cache.present("c").unwrap(), vec!["u2".to_string()]);
    }
}
