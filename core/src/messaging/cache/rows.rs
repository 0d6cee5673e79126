//! Rows read into values: the columns every message query selects and how a row that cannot
//! be read is named instead of failing the whole query.

use crate::model::{ChatMessage, DeliveryState, MessageKind, Party};
use crate::store::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

/// The columns every message query selects, in the order [`row_to_message`] reads them.
pub(super) const COLUMNS: &str =
    "m.local_id, m.conversation_id, m.client_id, m.server_id, m.sender_id, \
    m.sender_name, m.own, m.kind, m.text, m.file_url, m.file_name, m.reply_to, m.state, m.error, \
    m.server_time, m.sort_ts, \
    (SELECT json_group_array(json_array(r.emoji, r.user_id)) FROM reactions r \
        WHERE r.conversation_id = m.conversation_id AND r.message_id = m.server_id), \
    (SELECT json_group_array(c.user_id) FROM receipts c \
        WHERE c.conversation_id = m.conversation_id AND c.message_id = m.server_id), \
    coalesce(m.duration_ms, CAST(round(m.duration_secs * 1000) AS INTEGER)), m.waveform, \
    m.error_code";

pub(super) fn kind_str(k: MessageKind) -> &'static str {
    k.as_str()
}

pub(super) fn kind_of(s: &str) -> MessageKind {
    match s {
        "voice" => MessageKind::Voice,
        "image" => MessageKind::Image,
        "file" => MessageKind::File,
        "system" => MessageKind::System,
        _ => MessageKind::Text,
    }
}

pub(super) fn row_to_message(r: &Row<'_>) -> rusqlite::Result<ChatMessage> {
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
pub(super) type Unreadable = (i64, String);

/// A row read as a value, or why it cannot be.
pub(super) type Tolerant<T> = Result<T, Unreadable>;

/// Messages of a page, oldest first, and whether older ones are cached.
pub(super) type Page = (Vec<ChatMessage>, bool);

/// [`row_to_message`] that names the row instead of failing the whole query.
pub(super) fn row_or_bad(r: &Row<'_>) -> rusqlite::Result<Tolerant<ChatMessage>> {
    let local_id: i64 = r.get(0)?;
    Ok(row_to_message(r).map_err(|e| (local_id, e.to_string())))
}

/// The good rows of `rows`, and the bad ones apart.
pub(super) fn split_bad<T>(rows: Vec<Tolerant<T>>) -> (Vec<T>, Vec<(i64, String)>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for r in rows {
        match r {
            Ok(v) => good.push(v),
            Err(b) => bad.push(b),
        }
    }
    (good, bad)
}

pub(in crate::messaging) fn get_local(
    c: &Connection,
    local_id: i64,
) -> Result<Option<ChatMessage>, StoreError> {
    // Built once: this runs for every message that arrives (its change event).
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {COLUMNS} FROM messages m WHERE m.local_id = ?1")
    });
    Ok(c.prepare_cached(&SQL)?
        .query_row([local_id], row_to_message)
        .optional()?)
}

pub(in crate::messaging) fn local_by_server_id(
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

pub(in crate::messaging) fn own_by_client_id(
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
