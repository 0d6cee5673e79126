//! What a caller asks. [`Command`]: what it asks of a server, whatever its dialect (a dialect
//! encodes each into socket emits or REST requests, or refuses it as unsupported; a service may
//! queue it for the server first). [`LocalCommand`]: what it asks of the client itself, answered
//! from the cache, the devices or the state the services keep, never sent as such.
//! [`Request`] is either, as JSON lines and foreign bindings carry them.

mod local;
mod request;

pub use local::LocalCommand;
pub use request::Request;

use crate::model::{CallMedia, ConsultationKind};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a caller asks of the server: an intent, which the dialect turns into what that server
/// understands. Serialized with a `cmd` tag, as `parlor connect` reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Command {
    // ----- consultations -----
    /// User: ask an expert for a consultation (000 `chat-request`, 001 `POST /api/sessions/start`).
    RequestConsultation {
        /// The expert.
        expert_id: String,
        /// Chat, audio or video.
        kind: ConsultationKind,
        /// The expert's price, where the server wants it sent back (001).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<String>")]
        #[cfg_attr(feature = "specta", specta(type = Option<String>))]
        #[serde(with = "rust_decimal::serde::str_option")]
        rate_per_minute: Option<Decimal>,
    },
    /// User: re-send the notification of a pending request (001 socket `session:request`).
    NotifyConsultationRequest {
        /// The pending consultation.
        consultation_id: String,
    },
    /// Expert: accept or reject a request (000 `chat-response`, 001 `POST /api/sessions/accept|end`).
    AnswerConsultation {
        /// The request.
        consultation_id: String,
        /// True to accept.
        accept: bool,
    },
    /// User: withdraw a request before it is answered.
    CancelConsultationRequest {
        /// The request.
        consultation_id: String,
    },
    /// Either side: start an accepted consultation (000 `start-chat`).
    StartConsultation {
        /// The consultation.
        consultation_id: String,
    },
    /// Either side: pause billing (000 `pause-chat`).
    PauseConsultation {
        /// The consultation.
        consultation_id: String,
    },
    /// Either side: resume billing (000 `resume-chat`).
    ResumeConsultation {
        /// The consultation.
        consultation_id: String,
    },
    /// Either side: end a consultation (000 `end-chat`, 001 `POST /api/sessions/end`).
    EndConsultation {
        /// The consultation.
        consultation_id: String,
        /// The rate, where the server wants it sent back (001).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<String>")]
        #[cfg_attr(feature = "specta", specta(type = Option<String>))]
        #[serde(with = "rust_decimal::serde::str_option")]
        rate_per_minute: Option<Decimal>,
        /// The client's own measure of the duration in minutes (001, informative).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_minutes: Option<u32>,
    },
    /// Admin: list running consultations (000 `admin-monitor` `view-chats`).
    AdminViewConsultations {
        /// One consultation, or all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consultation_id: Option<String>,
    },
    /// Admin: end a consultation (000 `admin-monitor` `end-chat`).
    AdminEndConsultation {
        /// The consultation.
        consultation_id: String,
    },

    // ----- presence -----
    /// Expert: go online or offline, the way the server keeps presence (001: its REST call
    /// when the profile knows the expert's id, else `presence:on|off`; 004 `presence:update`).
    SetPresence {
        /// True for online.
        online: bool,
    },
    /// Anyone: fetch the list of online experts (001 `GET /api/v1/astrologers/online`).
    ListOnlineExperts,

    // ----- conversations and messages -----
    /// Join a conversation's room (001 `join-session`, 002 `join_chat`, 003 `joinChat`).
    JoinConversation {
        /// Session, room or chat id.
        conversation_id: String,
    },
    /// Leave a conversation's room (001 `leave-session`, 002 `leave_chat`, 003 `leaveChat`).
    LeaveConversation {
        /// Session, room or chat id.
        conversation_id: String,
    },
    /// Send a message over the socket (001 `message:send`, 002 `send_message`, 003 `sendMessage`).
    SendMessage {
        /// Where.
        conversation_id: String,
        /// Id chosen by this client; resends reuse it so the server can drop duplicates.
        client_id: String,
        /// Text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// Server id of the message replied to (003).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
        /// An uploaded file's id (003).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file_id: Option<String>,
    },
    /// Say that this user is or stopped typing (002 `typing_start|stop`, 003 `typing`).
    SetTyping {
        /// Where.
        conversation_id: String,
        /// True while typing.
        typing: bool,
    },
    /// Mark messages read (002 `PUT /api/chat/messages/:id/read`, 003 `readMessages`).
    MarkRead {
        /// Where.
        conversation_id: String,
        /// Server ids.
        message_ids: Vec<String>,
    },
    /// Toggle a reaction on a message (002 `message_reaction`).
    React {
        /// Where.
        conversation_id: String,
        /// Server id of the message.
        message_id: String,
        /// The emoji.
        emoji: String,
    },
    /// Ask who is in a conversation right now (003 `getActiveUsers`).
    GetActiveUsers {
        /// Which conversation.
        conversation_id: String,
    },
    /// Admin: change a conversation's status (003 extension `setChatStatus`).
    SetConversationStatus {
        /// Which conversation.
        conversation_id: String,
        /// New status as the server spells it (`ACTIVE`, `CLOSED`, `PENDING`).
        status: String,
    },
    /// Fetch a page of history (002 `GET /api/chat/messages`).
    FetchHistory {
        /// Which conversation.
        conversation_id: String,
        /// Page backwards from this server id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
        /// Page size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// List this account's conversations (002 `GET /api/chat/sessions`).
    ListConversations {
        /// Filter by status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
    },
    /// Fetch one conversation's details (002 `GET /api/chat/sessions/:id`).
    GetConversation {
        /// Which conversation.
        conversation_id: String,
    },
    /// Create a conversation (002 `POST /api/chat/sessions`).
    CreateConversation {
        /// Other participants.
        participant_ids: Vec<String>,
        /// booking, support or general.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
    },

    // ----- calls -----
    /// User: call an expert (004 `call:initiate`).
    InitiateCall {
        /// The telecaller.
        callee_id: String,
        /// Audio or video.
        media: CallMedia,
    },
    /// User: cancel a ringing call (004 `call:cancel`).
    CancelCall {
        /// The call.
        call_id: String,
    },
    /// Expert: accept a ringing call (004 `call:accept`).
    AcceptCall {
        /// The call.
        call_id: String,
    },
    /// Expert: reject a ringing call (004 `call:reject`).
    RejectCall {
        /// The call.
        call_id: String,
    },
    /// Either side: hang up an accepted call (004 `call:end`).
    EndCall {
        /// The call.
        call_id: String,
    },
    /// Ask for an Agora token to join a channel (001 `POST /api/agora/token`).
    RequestAgoraToken {
        /// Channel name.
        channel: String,
        /// Uid in the channel.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uid: Option<String>,
    },

    // ----- escape hatch -----
    /// Emit any event with any payload (for QA scripts); `ack` waits for the server's answer.
    Raw {
        /// Event name.
        event: String,
        /// The event's single argument.
        #[serde(default)]
        payload: serde_json::Value,
        /// Ask for an ack.
        #[serde(default)]
        ack: bool,
    },
    /// Call any REST path of the server (for QA scripts and conformance checks); the body of
    /// the answer comes back as `raw_reply`, an error status as the command's error.
    RawRest {
        /// HTTP method.
        method: crate::model::Method,
        /// Path below the REST base URL, starting with `/`.
        path: String,
        /// JSON body.
        #[serde(default)]
        body: Option<serde_json::Value>,
    },

    // ----- voice notes (issue 6) -----
    /// Send an audio file as a voice note: a WAV is encoded to Ogg/Opus first; ogg, mp3 and
    /// webm go as they are.
    SendVoiceNote {
        /// Where.
        conversation_id: String,
        /// The file.
        path: String,
    },

    // ----- push notifications -----
    /// Tell the server where to push this account's notifications while the app sleeps. No
    /// seed server documents one: a dialect that carries it encodes it, the others refuse it
    /// as unsupported.
    RegisterPushToken {
        /// The push service the token belongs to.
        platform: crate::push::PushPlatform,
        /// The device token the platform gave the app.
        token: String,
    },
}

impl Command {
    /// The command's tag (`request_consultation`, …), for errors and logs.
    pub fn name(&self) -> String {
        tag_of(self)
    }
}

/// The `cmd` tag a command serializes with.
fn tag_of(cmd: &impl Serialize) -> String {
    serde_json::to_value(cmd)
        .ok()
        .and_then(|v| v.get("cmd").and_then(|c| c.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}
