//! A chat message as the user sees it (the messaging cache's view), with its delivery state.

use super::{MessageKind, Party};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a message is on its way. Our own messages go `pending` → `sending` → `sent` →
/// `delivered`/`read`, or end `failed` or `unconfirmed`; other people's messages are
/// `received`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryState {
    /// In the outbox, not tried yet (or waiting for the connection).
    Pending,
    /// Handed to the server, waiting for its acknowledgement or echo.
    Sending,
    /// The server stored it.
    Sent,
    /// The server reported it delivered to the other side.
    Delivered,
    /// Someone else read it.
    Read,
    /// Given up on; `error` says why. Can be retried or discarded.
    Failed,
    /// Handed to a server that gave no proof of taking it, and nothing the server offers can
    /// tell whether it did: it has probably arrived, but a resend may duplicate it. The user
    /// chooses: retry (resend) or discard. Never resent by itself.
    Unconfirmed,
    /// Someone else's message.
    Received,
}

impl DeliveryState {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Read => "read",
            DeliveryState::Failed => "failed",
            DeliveryState::Unconfirmed => "unconfirmed",
            DeliveryState::Received => "received",
        }
    }

    /// Reads a column value (unknown text reads as `failed`, so nothing is silently resent).
    pub fn parse(s: &str) -> DeliveryState {
        match s {
            "pending" => DeliveryState::Pending,
            "sending" => DeliveryState::Sending,
            "sent" => DeliveryState::Sent,
            "delivered" => DeliveryState::Delivered,
            "read" => DeliveryState::Read,
            "received" => DeliveryState::Received,
            "unconfirmed" => DeliveryState::Unconfirmed,
            _ => DeliveryState::Failed,
        }
    }

    /// True while the outbox still owns the message.
    pub fn is_queued(self) -> bool {
        matches!(self, DeliveryState::Pending | DeliveryState::Sending)
    }
}

/// A message in the local cache, ours or theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChatMessage {
    /// Local id: stable for the life of the cache; the pagination cursor.
    pub local_id: i64,
    /// Conversation.
    pub conversation_id: String,
    /// The id the sending client chose, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The server's id, once it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
    /// Who wrote it.
    pub sender: Party,
    /// True for this account's own messages.
    pub own: bool,
    /// Kind of content.
    pub kind: MessageKind,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Attached file's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// Attached file's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Server id of the message replied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Delivery state.
    pub state: DeliveryState,
    /// Why it failed (state `failed`), or the last transient error while still queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The server's own code for the refusal (`SESSION_INACTIVE`, …), when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Server time as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<String>,
    /// Position in the conversation: server time in ms since the epoch (local time until the
    /// server gives one).
    pub sort_ts: i64,
    /// Reactions: emoji → user ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, Vec<String>>,
    /// Who has read it (other than its sender).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_by: Vec<String>,
    /// A voice note's length in milliseconds, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// A voice note's waveform (peaks 0–255) for drawing without decoding; ours only (servers
    /// do not carry it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waveform: Vec<u8>,
}

/// One conversation in the list of chats, as the cache knows it: what the server listed, its
/// status, whether we are in its room, and when its newest message was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChatSummary {
    /// Server id of the conversation.
    pub id: String,
    /// Status as the server spells it (active, ACTIVE, CLOSED, ended…), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Participant ids, where the server listed them.
    #[serde(default)]
    pub participants: Vec<String>,
    /// Unread messages, when the server counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<u64>,
    /// The newest activity in ms since the epoch: the newest cached message's time, or the
    /// server's `last_message_at` when later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity_ms: Option<i64>,
    /// True while we are in its room (rooms are rejoined after a reconnect).
    pub joined: bool,
}

impl ChatSummary {
    /// A conversation known only by its id.
    pub fn new(id: impl Into<String>) -> ChatSummary {
        ChatSummary {
            id: id.into(),
            status: None,
            participants: Vec::new(),
            unread: None,
            last_activity_ms: None,
            joined: false,
        }
    }
}

/// Where a page of messages came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PageSource {
    /// The local cache, at once (works offline).
    Cache,
    /// The cache again after a backfill from the server.
    Server,
}
