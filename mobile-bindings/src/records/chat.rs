//! Messages: as the cache keeps them ([`ChatItem`]), as a server sent them ([`Message`]), and
//! the list of chats.

use super::{mirror_enum, Party};
use crate::types::{instant_from_ms, ms};
use parlor_core::messaging::ChatMessage;
use parlor_core::model::{
    ChatSummary as CoreChatSummary, ConversationInfo as CoreConversationInfo,
    DeliveryState as CoreDelivery, Message as CoreMessage, MessageKind as CoreKind,
    PageSource as CorePageSource,
};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

mirror_enum! {
    /// What a message carries.
    pub enum MessageKind from CoreKind {
        /// Text.
        Text,
        /// A voice note.
        Voice,
        /// An image.
        Image,
        /// Any other file.
        File,
        /// Written by the server.
        System,
    } else Text
}

mirror_enum! {
    /// Where a message is on its way.
    pub enum DeliveryState from CoreDelivery {
        /// In the outbox, not tried yet (or waiting for the connection).
        Pending,
        /// Handed to the server, waiting for its confirmation.
        Sending,
        /// The server stored it.
        Sent,
        /// Delivered to the other side.
        Delivered,
        /// Someone else read it.
        Read,
        /// Given up on; `error` says why. Retry or discard.
        Failed,
        /// Handed to a server that gave no proof of taking it: probably arrived, but a
        /// resend may duplicate it. The user chooses; never resent by itself.
        Unconfirmed,
        /// Someone else's message.
        Received,
    } else Pending
}

mirror_enum! {
    /// Where a page of messages came from.
    pub enum PageSource from CorePageSource {
        /// The local cache, at once (works offline).
        Cache,
        /// The cache again after a backfill from the server.
        Server,
    } else Cache
}

fn reactions(r: &BTreeMap<String, Vec<String>>) -> HashMap<String, Vec<String>> {
    r.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A message from the local cache.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChatItem {
    /// The stable local id; the pagination cursor.
    pub local_id: i64,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The id this client gave its own message.
    pub client_id: Option<String>,
    /// The server's id, once it has one.
    pub server_id: Option<String>,
    /// Who wrote it.
    pub sender: Party,
    /// Whether this account wrote it.
    pub own: bool,
    /// What it carries.
    pub kind: MessageKind,
    /// The text.
    pub text: Option<String>,
    /// An attachment's (or voice note's) address.
    pub file_url: Option<String>,
    /// The attachment's file name.
    pub file_name: Option<String>,
    /// The server id of the message it answers.
    pub reply_to: Option<String>,
    /// Where it is on its way.
    pub state: DeliveryState,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Its place in the conversation: the server's time when known, else when it was written.
    pub time: SystemTime,
    /// Reactions: emoji → who.
    pub reactions: HashMap<String, Vec<String>>,
    /// Who read it, where the server says.
    pub read_by: Vec<String>,
    /// A voice note's length.
    pub duration: Option<Duration>,
    /// A voice note's peaks (0–255) for drawing.
    pub waveform: Vec<u8>,
}

impl From<&ChatMessage> for ChatItem {
    fn from(m: &ChatMessage) -> Self {
        ChatItem {
            local_id: m.local_id,
            conversation_id: m.conversation_id.clone(),
            client_id: m.client_id.clone(),
            server_id: m.server_id.clone(),
            sender: (&m.sender).into(),
            own: m.own,
            kind: m.kind.into(),
            text: m.text.clone(),
            file_url: m.file_url.clone(),
            file_name: m.file_name.clone(),
            reply_to: m.reply_to.clone(),
            state: m.state.into(),
            error: m.error.clone(),
            time: instant_from_ms(m.sort_ts),
            reactions: reactions(&m.reactions),
            read_by: m.read_by.clone(),
            duration: m.duration_ms.map(ms),
            waveform: m.waveform.clone(),
        }
    }
}

pub(crate) fn chat_items(list: &[ChatMessage]) -> Vec<ChatItem> {
    list.iter().map(ChatItem::from).collect()
}

/// A page of history from the cache.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryPage {
    /// Oldest first.
    pub messages: Vec<ChatItem>,
    /// True when older messages exist in the cache.
    pub has_more: bool,
}

/// A message as the server sent it (in events; the cache's view is [`ChatItem`]).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Message {
    /// The server's id.
    pub id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The id the sending client chose, when the server echoes it.
    pub client_id: Option<String>,
    /// Who sent it.
    pub sender: Party,
    /// What it carries.
    pub kind: MessageKind,
    /// The text.
    pub text: Option<String>,
    /// An attachment's address.
    pub file_url: Option<String>,
    /// The attachment's file name.
    pub file_name: Option<String>,
    /// The server id of the message it answers.
    pub reply_to: Option<String>,
    /// When it was sent, as the server wrote it.
    pub sent_at: Option<String>,
    /// Whether it was read, when the server says.
    pub read: Option<bool>,
    /// Reactions: emoji → who.
    pub reactions: HashMap<String, Vec<String>>,
    /// A voice note's length in seconds, as the server gave it.
    pub duration_secs: Option<f32>,
}

impl From<&CoreMessage> for Message {
    fn from(m: &CoreMessage) -> Self {
        Message {
            id: m.id.clone(),
            conversation_id: m.conversation_id.clone(),
            client_id: m.client_id.clone(),
            sender: (&m.sender).into(),
            kind: m.kind.into(),
            text: m.text.clone(),
            file_url: m.file_url.clone(),
            file_name: m.file_name.clone(),
            reply_to: m.reply_to.clone(),
            sent_at: m.sent_at.clone(),
            read: m.read,
            reactions: reactions(&m.reactions),
            duration_secs: m.duration_secs,
        }
    }
}

pub(crate) fn messages(list: &[CoreMessage]) -> Vec<Message> {
    list.iter().map(Message::from).collect()
}

/// A conversation as a server lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConversationInfo {
    /// The server's id.
    pub id: String,
    /// Its status as the server spells it.
    pub status: Option<String>,
    /// The participants' ids.
    pub participants: Vec<String>,
    /// Unread messages, when the server counts them.
    pub unread: Option<u64>,
    /// The newest message's time, as the server wrote it.
    pub last_message_at: Option<String>,
}

impl From<&CoreConversationInfo> for ConversationInfo {
    fn from(c: &CoreConversationInfo) -> Self {
        ConversationInfo {
            id: c.id.clone(),
            status: c.status.clone(),
            participants: c.participants.clone(),
            unread: c.unread,
            last_message_at: c.last_message_at.clone(),
        }
    }
}

/// One conversation in the list of chats, as the cache knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChatSummary {
    /// The conversation's server id.
    pub id: String,
    /// Its status as the server spells it, when known.
    pub status: Option<String>,
    /// The participants' ids, where the server listed them.
    pub participants: Vec<String>,
    /// Unread messages, when the server counts them.
    pub unread: Option<u64>,
    /// The newest activity: the newest cached message, or the server's listing when later.
    pub last_activity: Option<SystemTime>,
    /// True while this client is in its room.
    pub joined: bool,
}

impl From<&CoreChatSummary> for ChatSummary {
    fn from(c: &CoreChatSummary) -> Self {
        ChatSummary {
            id: c.id.clone(),
            status: c.status.clone(),
            participants: c.participants.clone(),
            unread: c.unread,
            last_activity: c.last_activity_ms.map(instant_from_ms),
            joined: c.joined,
        }
    }
}
