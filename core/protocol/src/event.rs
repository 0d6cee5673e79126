//! Domain events: what the core tells its subscribers, whatever the dialect said on the wire.

use crate::model::{
    AgoraJoin, CallMedia, ChatMessage, ConnectionState, ConsultationKind, ConsultationSummary,
    ConversationInfo, Expert, LiveKitGrant, Message, Money, PageSource, Party, Presence,
    RequestOutcome,
};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every event the core publishes. Serialized with an `event` tag, as `parlor connect` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DomainEvent {
    // ----- connection -----
    /// The socket's connection state changed.
    Connection {
        /// The new state.
        state: ConnectionState,
    },
    /// The server confirmed who we are (002 `authenticated`).
    Authenticated {
        /// This account.
        user: Party,
    },
    /// An event arrived that this dialect does not know, or with a payload it cannot read.
    /// Nothing else is lost: the raw payload rides along.
    ProtocolError {
        /// The event name as received.
        wire_event: String,
        /// What was wrong.
        reason: String,
        /// The payload as received.
        raw: serde_json::Value,
    },
    /// This subscriber read too slowly: `missed` events before the next one were dropped from
    /// its queue (the core's services saw them all). Re-read what you show.
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// The server reported an error not tied to a command we are waiting on.
    ServerError {
        /// Machine code, when the server gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// The server's message, verbatim.
        message: String,
        /// The wire event that carried it.
        source: String,
    },

    // ----- consultations -----
    /// User side: the request reached the server (000 `chat-request-response`, 001 session start).
    ConsultationRequestSent {
        /// Room or session id.
        consultation_id: String,
        /// Chat, audio or video, when the server repeats it (001 `sessionType`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<ConsultationKind>,
        /// The expert asked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expert_id: Option<String>,
        /// Price per minute, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rate_per_minute: Option<Money>,
        /// When the request expires.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<String>,
    },
    /// User side: the server refused the request.
    ConsultationRequestFailed {
        /// Machine code, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Expert side: a user asks for a consultation.
    ConsultationRequested {
        /// Room or session id.
        consultation_id: String,
        /// The user.
        user: Party,
        /// Chat, audio or video.
        kind: ConsultationKind,
        /// Price per minute.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rate_per_minute: Option<Money>,
        /// When the request expires.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<String>,
    },
    /// A request was accepted, rejected, expired or cancelled.
    ConsultationAnswered {
        /// Room or session id.
        consultation_id: String,
        /// What happened.
        outcome: RequestOutcome,
        /// The server's message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Agora channel for audio/video sessions (001).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
    },
    /// Billing started.
    ConsultationStarted {
        /// Room or session id, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consultation_id: Option<String>,
        /// Server start time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        started_at: Option<String>,
        /// Price per minute.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rate_per_minute: Option<Money>,
        /// The user's wallet.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        balance: Option<Money>,
    },
    /// Billing paused.
    ConsultationPaused {
        /// Room id, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consultation_id: Option<String>,
        /// Who paused.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// Billing resumed.
    ConsultationResumed {
        /// Room id, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consultation_id: Option<String>,
        /// Who resumed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// The consultation is over; the bill as the server states it.
    ConsultationEnded {
        /// Room or session id, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consultation_id: Option<String>,
        /// Billed minutes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<String>")]
        #[cfg_attr(feature = "specta", specta(type = Option<String>))]
        #[serde(with = "rust_decimal::serde::str_option")]
        minutes: Option<Decimal>,
        /// Total charged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<Money>,
        /// user, astrologer/expert, admin or system.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended_by: Option<String>,
        /// Why: ended, insufficient_balance, disconnect, admin, rejected, cancelled.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The user's balance afterwards, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        balance: Option<Money>,
    },
    /// The server's meter (000 `chat-timer`).
    MeterTick {
        /// Room id.
        consultation_id: String,
        /// Whole minutes billed.
        #[schemars(with = "String")]
        #[cfg_attr(feature = "specta", specta(type = String))]
        #[serde(with = "rust_decimal::serde::str")]
        minutes: Decimal,
        /// Cost so far.
        cost: Money,
        /// The user's wallet, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        balance: Option<Money>,
        /// active, paused or suspended, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
    },
    /// The wallet cannot pay for more (000 `wallet-error`).
    WalletError {
        /// The server's message.
        message: String,
        /// What the wallet would need.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        required_balance: Option<Money>,
    },
    /// Admin: result of a monitor action (000 `admin-monitor`).
    AdminReport {
        /// Whether the action succeeded.
        ok: bool,
        /// The server's message.
        message: String,
        /// Listed consultations (view).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        consultations: Vec<ConsultationSummary>,
    },

    // ----- presence -----
    /// A full list of online experts (001 `presence:online-list` or REST).
    ExpertsOnline {
        /// The list.
        experts: Vec<Expert>,
    },
    /// One expert's presence changed (004 `telecaller:presence-changed`).
    ExpertPresence {
        /// The expert.
        expert_id: String,
        /// New presence.
        presence: Presence,
        /// Details, when the server sends them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expert: Option<Expert>,
    },
    /// This expert's own presence was set (REST answer).
    OwnPresence {
        /// True when online.
        online: bool,
    },

    // ----- conversations -----
    /// Joined a conversation's room, with the recent messages when the server sends them.
    ConversationJoined {
        /// Which.
        conversation_id: String,
        /// Recent messages, oldest first.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recent: Vec<Message>,
    },
    /// Left a conversation's room.
    ConversationLeft {
        /// Which.
        conversation_id: String,
    },
    /// A message arrived (including the server's echo of our own).
    MessageReceived {
        /// The message.
        message: Message,
    },
    /// The server stored a message we sent.
    MessageSent {
        /// Where, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// Server id.
        server_id: String,
        /// Our client id, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// The stored message, when the server returns it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<Message>,
    },
    /// The server refused a message we sent.
    MessageFailed {
        /// Where, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// Our client id, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// Machine code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Someone started or stopped typing.
    TypingChanged {
        /// Where, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// Who.
        user: Party,
        /// True while typing.
        typing: bool,
    },
    /// A reaction was added or removed.
    ReactionChanged {
        /// Where, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// The message.
        message_id: String,
        /// Who reacted.
        user: Party,
        /// The emoji.
        emoji: String,
        /// True when added, false when removed, absent when unknown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        added: Option<bool>,
        /// Totals per emoji, when the server sends them.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        totals: BTreeMap<String, u32>,
    },
    /// Someone read messages.
    MessagesRead {
        /// Where, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// Who read.
        user_id: String,
        /// What.
        message_ids: Vec<String>,
        /// When.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_at: Option<String>,
    },
    /// How many have read each message (003 `messagesMarkedRead`).
    ReadCounts {
        /// Message id → readers.
        counts: BTreeMap<String, u32>,
    },
    /// Someone joined or left a conversation.
    ParticipantChanged {
        /// Where.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<String>,
        /// Who.
        user: Party,
        /// True on join, false on leave.
        joined: bool,
        /// When.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<String>,
    },
    /// A conversation's status changed (003).
    ConversationStatusChanged {
        /// Which.
        conversation_id: String,
        /// New status as the server spells it.
        status: String,
    },
    /// Who is in a conversation now (003).
    ActiveUsers {
        /// Which.
        conversation_id: String,
        /// Their ids.
        user_ids: Vec<String>,
    },
    /// A page of history (002 REST).
    History {
        /// Which.
        conversation_id: String,
        /// Messages, oldest first.
        messages: Vec<Message>,
        /// Whether older pages exist.
        has_more: bool,
        /// The server id the page ends before; absent for the newest page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
    },
    /// This account's conversations (002 REST).
    Conversations {
        /// The list.
        conversations: Vec<ConversationInfo>,
    },

    // ----- calls -----
    /// Caller side: the callee's phone rings.
    CallRinging {
        /// The call.
        call_id: String,
        /// The callee.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        callee: Option<Party>,
    },
    /// Callee side: someone calls.
    CallIncoming {
        /// The call.
        call_id: String,
        /// Audio or video.
        media: CallMedia,
        /// The caller.
        caller: Party,
    },
    /// The call was accepted; media credentials for the LiveKit room.
    CallAccepted {
        /// The call.
        call_id: String,
        /// Credentials.
        livekit: LiveKitGrant,
        /// Audio or video, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<CallMedia>,
        /// The caller (callee side).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caller: Option<Party>,
    },
    /// The callee rejected the call.
    CallRejected {
        /// The call.
        call_id: String,
    },
    /// The caller cancelled the call.
    CallCancelled {
        /// The call.
        call_id: String,
    },
    /// Nobody answered.
    CallMissed {
        /// The call.
        call_id: String,
    },
    /// The call is over.
    CallEnded {
        /// The call.
        call_id: String,
        /// Seconds talked, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_secs: Option<u64>,
        /// Coins charged, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        coins: Option<Money>,
        /// Who ended it, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended_by: Option<String>,
    },
    /// A call operation failed; the server's message verbatim.
    CallError {
        /// The server's own code, when it gives one (004's `call:error` documents none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// The message.
        message: String,
    },
    /// Join info for the platform's Agora SDK (001).
    AgoraJoinReady {
        /// What the SDK needs.
        join: AgoraJoin,
    },

    // ----- consultations and presence, derived by services (issue 3) -----
    /// A consultation changed state (or was first seen); the whole record.
    ConsultationUpdated {
        /// The consultation now.
        consultation: crate::model::ConsultationView,
    },
    /// The live meter of a running consultation (every second, and on each server tick).
    MeterUpdate {
        /// Which consultation.
        consultation_id: String,
        /// What to show.
        reading: crate::model::MeterReading,
    },
    /// The wallet will run out within a minute.
    LowBalanceWarning {
        /// Which consultation.
        consultation_id: String,
        /// The meter at the warning, with `runs_out_in_ms`.
        reading: crate::model::MeterReading,
    },
    /// The meter stopped because the consultation cannot go on.
    MeterStopped {
        /// Which consultation.
        consultation_id: String,
        /// Why.
        reason: crate::model::EndReason,
        /// What the wallet would need, when the server says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        required_balance: Option<Money>,
    },
    /// Every consultation known (answer to `list_consultations`).
    ConsultationList {
        /// Current first, then history.
        consultations: Vec<crate::model::ConsultationView>,
    },
    /// Expert side: whether this expert is taken by a consultation now.
    ExpertBusy {
        /// True while accepted, active or paused.
        busy: bool,
    },
    /// The online experts now (answer to `watch_experts`).
    ExpertsSnapshot {
        /// The list.
        experts: Vec<Expert>,
    },
    /// An expert appeared in the online list or changed.
    ExpertUpdated {
        /// The expert now.
        expert: Expert,
    },
    /// An expert left the online list.
    ExpertRemoved {
        /// Who.
        expert_id: String,
    },

    // ----- raw -----
    /// The answer to a raw command (`raw`'s ack, `raw_rest`'s body).
    RawReply {
        /// The event that was asked (`METHOD /path` for a REST call).
        wire_event: String,
        /// The ack's arguments (a REST call's body as the one argument).
        args: Vec<serde_json::Value>,
    },

    // ----- calls (issue 5) -----
    /// The call moved on (every phase change of the call state machine, either side).
    CallStateChanged {
        /// The call as it is now.
        call: crate::model::CallSnapshot,
    },
    /// The media room of a call reported something.
    CallMedia {
        /// The call.
        call_id: String,
        /// What happened.
        media: crate::model::MediaEvent,
    },
    /// Past calls from the cache, newest first.
    CallHistory {
        /// The calls.
        calls: Vec<crate::model::CallRecord>,
    },
    // ----- messaging (issue 4) -----
    /// A message in the local cache appeared or changed (our send going pending → sending →
    /// sent → read or failed; a new message from someone; a reaction or receipt on it).
    ChatMessageChanged {
        /// The message as now cached.
        message: ChatMessage,
    },
    /// One of our unsent messages was discarded.
    ChatMessageDiscarded {
        /// Where.
        conversation_id: String,
        /// Its client id.
        client_id: String,
    },
    /// A page of a conversation, oldest first (answer to `load_messages`).
    MessagesPage {
        /// Which conversation.
        conversation_id: String,
        /// The page requested with `before`, echoed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<i64>,
        /// Messages, oldest first.
        messages: Vec<ChatMessage>,
        /// Whether older messages are cached.
        has_more: bool,
        /// The cache at once, or the cache again after a server backfill.
        source: PageSource,
    },
    /// Results of a local full-text search, newest first.
    SearchResults {
        /// The words searched.
        query: String,
        /// Matching messages.
        messages: Vec<ChatMessage>,
    },
    // ----- voice notes (issue 6) -----
    /// The input devices (answer to `list_input_devices`).
    InputDevices {
        /// Their names.
        names: Vec<String>,
    },
    /// A recording started.
    RecordingStarted {
        /// Its maximum length.
        max_ms: u64,
    },
    /// The input level of the last 50 ms, for a meter.
    VoiceLevel {
        /// Position in the recording.
        at_ms: u64,
        /// RMS, 0.0–1.0 of full scale.
        rms: f32,
    },
    /// A recording ended: `stopped`, `max_length` (it stopped by itself), `cancelled` or
    /// `failed`.
    RecordingEnded {
        /// Why.
        reason: String,
        /// Its length (0 when cancelled).
        duration_ms: u64,
    },
    /// A voice note changed: `queued` (stored, shown at once), `sending` (with progress),
    /// `retrying`, `sent` (with the server's message id and file URL), `failed`, `cancelled`.
    VoiceNoteChanged {
        /// Its client id.
        client_id: String,
        /// Where.
        conversation_id: String,
        /// The state.
        state: String,
        /// Bytes sent (while sending).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sent: Option<u64>,
        /// File size (while sending).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
        /// Its length.
        duration_ms: u64,
        /// 64 peaks, 0–255, for drawing.
        waveform: Vec<u8>,
        /// The server's message id, once sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        /// Where the server serves it, once sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file_url: Option<String>,
        /// Why it is retrying or failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Playback: `started`, `position`, `paused`, `resumed`, `finished`, `stopped`, `failed`.
    VoicePlayback {
        /// The note's URL.
        url: String,
        /// The state.
        state: String,
        /// Position (with `position`), or length (with `started`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position_ms: Option<u64>,
        /// Length (with `started`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<u64>,
        /// Peaks for drawing (with `started`); the cached message keeps them from then on.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        waveform: Vec<u8>,
    },
}

impl DomainEvent {
    /// The event's tag (`message_received`, …).
    pub fn name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("event").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "unknown".into())
    }
}
