//! Domain types shared by every dialect and service: plain data, serde, no I/O. The values
//! the services publish (a chat message with its delivery state, a consultation with its
//! meter, a call) live here too, so that commands and events never import a service.

mod call;
mod chat;
mod connection;
mod consultation;
mod rest;
mod upload;

pub use call::{CallPhase, CallRecord, CallRole, CallSnapshot, DeviceKind, MediaEvent, TrackKind};
pub use chat::{ChatMessage, ChatSummary, DeliveryState, PageSource};
pub use connection::ConnectionState;
pub use consultation::{
    Bill, ConsultationState, ConsultationView, EndReason, EndedBy, IllegalTransition, MeterReading,
    Side,
};
pub use rest::{Method, RestRequest};
pub use upload::{UploadRefusal, UploadedNote, VoiceUploadSpec};

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An amount of money or coins. Always decimal, never float; `unit` is the currency or coin
/// name when the server says it (e.g. `INR`, `coins`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Money {
    /// The amount, serialized as a decimal string (`"12.50"`).
    #[serde(with = "rust_decimal::serde::str")]
    #[schemars(with = "String")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub amount: Decimal,
    /// Currency or coin unit, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Money {
    /// An amount without a known unit.
    pub fn new(amount: Decimal) -> Self {
        Money { amount, unit: None }
    }

    /// An amount in `unit`.
    pub fn with_unit(amount: Decimal, unit: impl Into<String>) -> Self {
        Money {
            amount,
            unit: Some(unit.into()),
        }
    }
}

/// What a consultation is held over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ConsultationKind {
    /// Text chat.
    Text,
    /// Audio call.
    Audio,
    /// Video call.
    Video,
}

/// How a consultation request was answered (or why it never was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RequestOutcome {
    /// The expert accepted.
    Accepted,
    /// The expert declined.
    Rejected,
    /// Nobody answered in time.
    Expired,
    /// The user withdrew the request.
    Cancelled,
}

/// Media of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CallMedia {
    /// Voice only.
    Audio,
    /// Voice and camera.
    Video,
}

impl CallMedia {
    /// The name serde gives it (snake case), as stored in the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            CallMedia::Audio => "audio",
            CallMedia::Video => "video",
        }
    }
}

/// Presence of an expert as a user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Available for requests.
    Online,
    /// Not available.
    Offline,
    /// Connected but in a session or call.
    Busy,
}

/// A person as a server describes them: at least an id, often a name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Party {
    /// Server id of the account (numbers are kept as their decimal text).
    pub id: String,
    /// Display name, when the server sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Avatar id or URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Role (user, astrologer, CLIENT, ADMIN, …) as the server spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// E-mail, when the server identifies people by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An expert (astrologer, reader, telecaller) in an online list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Expert {
    /// Who they are.
    pub party: Party,
    /// Their presence.
    pub presence: Presence,
    /// Price per minute, when listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_minute: Option<Money>,
    /// Preferred language (004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Short bio (004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

/// Kind of a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageKind {
    /// Plain text.
    Text,
    /// A voice note.
    Voice,
    /// An image.
    Image,
    /// Any other file.
    File,
    /// Generated by the server.
    System,
}

impl MessageKind {
    /// The name serde gives it (snake case), as stored in the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Voice => "voice",
            MessageKind::Image => "image",
            MessageKind::File => "file",
            MessageKind::System => "system",
        }
    }
}

/// A chat message as received from a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Message {
    /// Server id.
    pub id: String,
    /// Conversation (session, room, chat) it belongs to.
    pub conversation_id: String,
    /// Id the sending client chose, when the server echoes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Who sent it.
    pub sender: Party,
    /// Kind of content.
    pub kind: MessageKind,
    /// Text content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// URL of an attached file (voice note, image, document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// File name of the attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Server id of the message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Server time, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// Whether the server marks it read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    /// Reactions: emoji → user ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, Vec<String>>,
    /// Duration of a voice note in seconds, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<f32>,
}

/// A conversation as a server lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConversationInfo {
    /// Server id.
    pub id: String,
    /// Status as the server spells it (active, ACTIVE, CLOSED, ended…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Participant ids.
    #[serde(default)]
    pub participants: Vec<String>,
    /// Unread messages, when the server counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<u64>,
    /// Time of the last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_at: Option<String>,
}

/// One consultation as an admin view lists it (000 `admin-monitor`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsultationSummary {
    /// Room or session id.
    pub consultation_id: String,
    /// The paying user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The expert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert_id: Option<String>,
    /// State as the server spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Billed minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub minutes: Option<Decimal>,
    /// Cost so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
}

/// LiveKit credentials handed out when a call is accepted (004).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveKitGrant {
    /// Server URL (`wss://…`).
    pub url: String,
    /// Access token.
    pub token: String,
    /// Room name.
    pub room: String,
}

/// What the platform's Agora SDK needs to join a channel (001).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgoraJoin {
    /// Agora app id.
    pub app_id: String,
    /// Channel name.
    pub channel: String,
    /// RTC token.
    pub token: String,
    /// User id in the channel.
    pub uid: String,
    /// Expiry, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}
