//! Domain commands: what a caller asks of a server, whatever its dialect.
//! A dialect encodes each into socket emits or REST requests, or refuses it as unsupported.

use crate::model::{CallMedia, ConsultationKind};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every command the core understands. Serialized with a `cmd` tag, as `parlor connect` reads it.
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
    /// Expert: go online or offline over the socket (001 `presence:on|off`, 004 `presence:update`).
    SetPresence {
        /// True for online.
        online: bool,
    },
    /// Expert: go online or offline over REST (001 `POST /api/v1/astrologers/:id/online|offline`).
    SetPresenceRest {
        /// The expert's own id.
        expert_id: String,
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
    /// Send a message over REST (002 `POST /api/chat/messages`).
    PostMessage {
        /// Where.
        conversation_id: String,
        /// Id chosen by this client.
        client_id: String,
        /// Text.
        text: String,
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

    // ----- consultations and presence, answered locally (issue 3) -----
    /// Every consultation the consultation service knows (current first, then history).
    ListConsultations,
    /// The current list of online experts (then `expert_updated` / `expert_removed` events).
    WatchExperts,

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

    // ----- calls (issue 5) -----
    /// During a call: mute (false) or unmute (true) the microphone.
    SetMicrophone {
        /// True to unmute.
        enabled: bool,
    },
    /// During a call: turn the camera on or off.
    SetCamera {
        /// True for on.
        enabled: bool,
    },
    /// During a call: switch the microphone, speaker or camera.
    SwitchMediaDevice {
        /// Which kind of device.
        kind: crate::model::DeviceKind,
        /// The platform's device id.
        device_id: String,
    },
    /// The current (or last) call, answered with a `call_state_changed` event.
    GetCallState,
    /// Past calls from the cache, newest first, answered with a `call_history` event.
    ListCallHistory {
        /// At most this many (default 50).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    // ----- messaging (issue 4) -----
    /// A page of a conversation from the local cache (at once, offline too), then a backfill
    /// from the server where the dialect can (002 REST history, 003 recent messages on join).
    LoadMessages {
        /// Which conversation.
        conversation_id: String,
        /// Page backwards from this message's `local_id` (none: the latest).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<i64>,
        /// Page size (default 50).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Full-text search over the cached messages (works offline).
    SearchMessages {
        /// Words to find (each as a prefix; all must match).
        query: String,
        /// Only this conversation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// At most this many results (default 50).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Put a failed message back into the outbox.
    RetryMessage {
        /// Where.
        conversation_id: String,
        /// The message's client id.
        client_id: String,
    },
    /// Delete a failed (or still pending) message of ours.
    DiscardMessage {
        /// Where.
        conversation_id: String,
        /// The message's client id.
        client_id: String,
    },
    // ----- voice notes (issue 6) -----
    /// List the input devices by name (`input_devices`).
    ListInputDevices,
    /// Start recording a voice note (one at a time): levels arrive as `voice_level`.
    StartRecording {
        /// An input device by name (none: the default one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<String>,
        /// Maximum length in seconds (default 60); the recording stops by itself there.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_secs: Option<f64>,
    },
    /// Pause the recording.
    PauseRecording,
    /// Resume the recording.
    ResumeRecording,
    /// Discard the recording.
    CancelRecording,
    /// Stop the recording; with a conversation, encode it and send it as a voice note.
    StopRecording {
        /// Where to send it (none: discard after reporting its length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
    },
    /// Send an audio file as a voice note: a WAV is encoded to Ogg/Opus first; ogg, mp3 and
    /// webm go as they are.
    SendVoiceNote {
        /// Where.
        conversation_id: String,
        /// The file.
        path: String,
    },
    /// Cancel a voice note the server does not have yet, or discard one left `unconfirmed`.
    CancelVoiceNote {
        /// Its client id.
        client_id: String,
    },
    /// Send again a voice note left `unconfirmed` (its upload went out and the answer was
    /// lost, on a server that cannot drop a repeat): the user's choice, as it may then be on
    /// the server twice.
    ResendVoiceNote {
        /// Its client id.
        client_id: String,
    },
    /// Play a voice note (downloaded once into the cache), stopping any other.
    PlayVoiceNote {
        /// Its `file_url`.
        url: String,
    },
    /// Pause playback.
    PauseVoiceNote,
    /// Resume playback.
    ResumeVoiceNote,
    /// Seek within the playing note.
    SeekVoiceNote {
        /// Position in milliseconds.
        position_ms: u64,
    },
    /// Stop playback.
    StopVoiceNote,
}

impl Command {
    /// The command's tag (`request_consultation`, …), for errors and logs.
    pub fn name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("cmd").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "unknown".into())
    }
}
