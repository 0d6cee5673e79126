//! [`Event`]: every domain event of the core as a typed enum (a sealed class in Kotlin, an
//! enum in Swift, classes in Python), converted in `convert.rs`. Events this version of the
//! bindings does not know yet cross as [`Event::Other`] with their JSON.

use crate::records::{
    AgoraJoinInfo, Call, CallMedia, CallRecord, ChatItem, ConnectionState, Consultation,
    ConsultationKind, ConsultationSummary, ConversationInfo, EndReason, ExpertItem,
    LiveKitCredentials, MediaEvent, Message, Meter, Money, PageSource, Party, PlaybackState,
    Presence, RecordingEndReason, RequestOutcome, VoiceNoteState,
};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;

mod convert;

pub(crate) use convert::events;

/// What the core tells its subscribers, whatever the server's dialect said on the wire.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Event {
    // ----- connection -----
    /// The connection state changed.
    Connection {
        /// The new state.
        state: ConnectionState,
    },
    /// The server confirmed who this account is.
    Authenticated {
        /// This account.
        user: Party,
    },
    /// The server sent something this dialect cannot read; nothing else is lost.
    ProtocolError {
        /// The event's name as received.
        wire_event: String,
        /// What was wrong.
        reason: String,
        /// The payload as received, as JSON.
        raw_json: String,
    },
    /// This subscriber read too slowly and `missed` events were dropped: re-read what you show.
    Lagged {
        /// How many.
        missed: u64,
    },
    /// The server reported an error not tied to a command being waited on.
    ServerError {
        /// The server's code, when it gives one.
        code: Option<String>,
        /// The server's message.
        message: String,
        /// The wire event that carried it.
        source: String,
    },

    // ----- consultations -----
    /// User: the request reached the server.
    ConsultationRequestSent {
        /// The consultation's id.
        consultation_id: String,
        /// Chat, audio or video, when the server repeats it.
        kind: Option<ConsultationKind>,
        /// The expert asked.
        expert_id: Option<String>,
        /// The price of a minute, when the server says.
        rate_per_minute: Option<Money>,
        /// When the request expires, as the server wrote it.
        expires_at: Option<String>,
    },
    /// User: the server refused the request.
    ConsultationRequestFailed {
        /// The server's code, when given.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Expert: a user asks for a consultation.
    ConsultationRequested {
        /// The consultation's id.
        consultation_id: String,
        /// The user.
        user: Party,
        /// Chat, audio or video.
        kind: ConsultationKind,
        /// The price of a minute.
        rate_per_minute: Option<Money>,
        /// When the request expires, as the server wrote it.
        expires_at: Option<String>,
    },
    /// A request was accepted, rejected, expired or cancelled.
    ConsultationAnswered {
        /// The consultation's id.
        consultation_id: String,
        /// What happened.
        outcome: RequestOutcome,
        /// The server's message.
        message: Option<String>,
        /// The Agora channel of an audio or video session (001).
        channel: Option<String>,
    },
    /// Billing started.
    ConsultationStarted {
        /// The consultation's id, when the server says.
        consultation_id: Option<String>,
        /// The server's start time, as written.
        started_at: Option<String>,
        /// The price of a minute.
        rate_per_minute: Option<Money>,
        /// The user's wallet.
        balance: Option<Money>,
    },
    /// Billing paused.
    ConsultationPaused {
        /// The consultation's id, when the server says.
        consultation_id: Option<String>,
        /// Who paused.
        by: Option<String>,
    },
    /// Billing resumed.
    ConsultationResumed {
        /// The consultation's id, when the server says.
        consultation_id: Option<String>,
        /// Who resumed.
        by: Option<String>,
    },
    /// The consultation is over; the bill as the server states it.
    ConsultationEnded {
        /// The consultation's id, when the server says.
        consultation_id: Option<String>,
        /// Billed minutes.
        minutes: Option<Decimal>,
        /// The total charged.
        total: Option<Money>,
        /// Who ended it, as the server spells it.
        ended_by: Option<String>,
        /// Why, as the server spells it.
        reason: Option<String>,
        /// The user's balance afterwards.
        balance: Option<Money>,
    },
    /// The server's meter ticked (000).
    MeterTick {
        /// The consultation's id.
        consultation_id: String,
        /// Whole minutes billed.
        minutes: Decimal,
        /// The cost so far.
        cost: Money,
        /// The user's wallet.
        balance: Option<Money>,
        /// active, paused or suspended, when the server says.
        state: Option<String>,
    },
    /// The wallet cannot pay for more.
    WalletError {
        /// The server's message.
        message: String,
        /// What the wallet would need.
        required_balance: Option<Money>,
    },
    /// Admin: the result of a monitor action (000).
    AdminReport {
        /// Whether it succeeded.
        ok: bool,
        /// The server's message.
        message: String,
        /// The consultations listed.
        consultations: Vec<ConsultationSummary>,
    },

    // ----- presence -----
    /// The whole list of online experts, as the server sent it.
    ExpertsOnline {
        /// The list.
        experts: Vec<ExpertItem>,
    },
    /// One expert's presence changed.
    ExpertPresence {
        /// The expert.
        expert_id: String,
        /// The new presence.
        presence: Presence,
        /// Details, when the server sends them.
        expert: Option<ExpertItem>,
    },
    /// This expert's own presence was set.
    OwnPresence {
        /// True when online.
        online: bool,
    },

    // ----- conversations -----
    /// Joined a conversation's room.
    ConversationJoined {
        /// Which.
        conversation_id: String,
        /// Recent messages, oldest first, when the server sends them.
        recent: Vec<Message>,
    },
    /// Left a conversation's room.
    ConversationLeft {
        /// Which.
        conversation_id: String,
    },
    /// A message arrived (the server's echo of our own too).
    MessageReceived {
        /// The message.
        message: Message,
    },
    /// The server stored a message this client sent.
    MessageSent {
        /// Where, when known.
        conversation_id: Option<String>,
        /// The server's id.
        server_id: String,
        /// Our client id, when known.
        client_id: Option<String>,
        /// The stored message, when the server returns it.
        message: Option<Message>,
    },
    /// The server refused a message this client sent.
    MessageFailed {
        /// Where, when known.
        conversation_id: Option<String>,
        /// Our client id, when known.
        client_id: Option<String>,
        /// The server's code.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Someone started or stopped typing.
    TypingChanged {
        /// Where, when the server says.
        conversation_id: Option<String>,
        /// Who.
        user: Party,
        /// True while typing.
        typing: bool,
    },
    /// A reaction was added or removed.
    ReactionChanged {
        /// Where, when the server says.
        conversation_id: Option<String>,
        /// The message.
        message_id: String,
        /// Who reacted.
        user: Party,
        /// The emoji.
        emoji: String,
        /// True when added, false when removed, absent when unknown.
        added: Option<bool>,
        /// Totals per emoji, when the server sends them.
        totals: HashMap<String, u32>,
    },
    /// Someone read messages.
    MessagesRead {
        /// Where, when the server says.
        conversation_id: Option<String>,
        /// Who read.
        user_id: String,
        /// Which messages.
        message_ids: Vec<String>,
        /// When, as the server wrote it.
        read_at: Option<String>,
    },
    /// How many have read each message (003).
    ReadCounts {
        /// Message id → readers.
        counts: HashMap<String, u32>,
    },
    /// Someone joined or left a conversation.
    ParticipantChanged {
        /// Where.
        conversation_id: Option<String>,
        /// Who.
        user: Party,
        /// True on join, false on leave.
        joined: bool,
        /// When, as the server wrote it.
        at: Option<String>,
    },
    /// A conversation's status changed (003).
    ConversationStatusChanged {
        /// Which.
        conversation_id: String,
        /// The new status as the server spells it.
        status: String,
    },
    /// Who is in a conversation now (003).
    ActiveUsers {
        /// Which.
        conversation_id: String,
        /// Their ids.
        user_ids: Vec<String>,
    },
    /// A page of history from the server (002).
    History {
        /// Which conversation.
        conversation_id: String,
        /// Oldest first.
        messages: Vec<Message>,
        /// Whether older pages exist.
        has_more: bool,
        /// The server id the page ends before; absent for the newest page.
        before: Option<String>,
    },
    /// This account's conversations, as the server lists them.
    Conversations {
        /// The list.
        conversations: Vec<ConversationInfo>,
    },

    // ----- calls -----
    /// Caller: the callee's phone rings.
    CallRinging {
        /// The call.
        call_id: String,
        /// The callee.
        callee: Option<Party>,
    },
    /// Callee: someone calls.
    CallIncoming {
        /// The call.
        call_id: String,
        /// Audio or video.
        media: CallMedia,
        /// The caller.
        caller: Party,
    },
    /// The call was accepted: the credentials for the app's LiveKit SDK.
    CallAccepted {
        /// The call.
        call_id: String,
        /// The media room's credentials.
        livekit: LiveKitCredentials,
        /// Audio or video, when the server says.
        media: Option<CallMedia>,
        /// The caller (callee side).
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
        /// Time talked, when the server says.
        duration: Option<Duration>,
        /// Coins charged, when the server says.
        coins: Option<Money>,
        /// Who ended it, as the server spells it.
        ended_by: Option<String>,
    },
    /// A call operation failed.
    CallError {
        /// The server's code, when it gives one.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Join info for the app's Agora SDK (001).
    AgoraJoinReady {
        /// What the SDK needs.
        join: AgoraJoinInfo,
    },

    // ----- derived by the core's services -----
    /// A consultation changed (or was first seen): the whole record.
    ConsultationUpdated {
        /// The consultation now.
        consultation: Consultation,
    },
    /// The live meter of a running consultation (every second, and on each server tick).
    MeterUpdate {
        /// Which consultation.
        consultation_id: String,
        /// What to show.
        meter: Meter,
    },
    /// The wallet runs out within a minute.
    LowBalanceWarning {
        /// Which consultation.
        consultation_id: String,
        /// The meter at the warning (with `runs_out_in`).
        meter: Meter,
    },
    /// The meter stopped because the consultation cannot go on.
    MeterStopped {
        /// Which consultation.
        consultation_id: String,
        /// Why.
        reason: EndReason,
        /// What the wallet would need, when the server says.
        required_balance: Option<Money>,
    },
    /// Every consultation known (current first, then history).
    ConsultationList {
        /// The list.
        consultations: Vec<Consultation>,
    },
    /// Expert: whether a consultation takes this expert now.
    ExpertBusy {
        /// True while accepted, active or paused.
        busy: bool,
    },
    /// The online experts now.
    ExpertsSnapshot {
        /// The list.
        experts: Vec<ExpertItem>,
    },
    /// An expert appeared in the online list or changed.
    ExpertUpdated {
        /// The expert now.
        expert: ExpertItem,
    },
    /// An expert left the online list.
    ExpertRemoved {
        /// Who.
        expert_id: String,
    },
    /// The answer to a raw command: the ack's arguments (a REST body as the one argument).
    RawReply {
        /// The event asked (`METHOD /path` for REST).
        wire_event: String,
        /// Each argument as JSON.
        args_json: Vec<String>,
    },
    /// The call moved on (every phase change, either side).
    CallStateChanged {
        /// The call now.
        call: Call,
    },
    /// A call's media room reported something.
    CallMediaChanged {
        /// The call.
        call_id: String,
        /// What happened.
        media: MediaEvent,
    },
    /// Past calls from the cache, newest first.
    CallHistory {
        /// The calls.
        calls: Vec<CallRecord>,
    },
    /// A message in the local cache appeared or changed.
    ChatMessageChanged {
        /// The message as now cached.
        message: ChatItem,
    },
    /// One of our unsent messages was discarded.
    ChatMessageDiscarded {
        /// Where.
        conversation_id: String,
        /// Its client id.
        client_id: String,
    },
    /// A page of a conversation from the cache, oldest first.
    MessagesPage {
        /// Which conversation.
        conversation_id: String,
        /// The page asked for (a `local_id`), echoed.
        before: Option<i64>,
        /// Oldest first.
        messages: Vec<ChatItem>,
        /// Whether older messages are cached.
        has_more: bool,
        /// The cache at once, or again after a server backfill.
        source: PageSource,
    },
    /// Results of a local full-text search, newest first.
    SearchResults {
        /// The words searched.
        query: String,
        /// Matching messages.
        messages: Vec<ChatItem>,
    },

    // ----- voice notes -----
    /// The input devices.
    InputDevices {
        /// Their names.
        names: Vec<String>,
    },
    /// A recording started.
    RecordingStarted {
        /// Its maximum length.
        max: Duration,
    },
    /// The input level of the last 50 ms, for a meter.
    VoiceLevel {
        /// The position in the recording.
        at: Duration,
        /// RMS, 0.0–1.0 of full scale.
        rms: f32,
    },
    /// A recording ended.
    RecordingEnded {
        /// Why.
        reason: RecordingEndReason,
        /// Its length (zero when cancelled).
        duration: Duration,
    },
    /// A voice note moved on its way to the server.
    VoiceNoteChanged {
        /// Its client id.
        client_id: String,
        /// Where.
        conversation_id: String,
        /// Where it is.
        state: VoiceNoteState,
        /// Bytes sent (while sending).
        sent: Option<u64>,
        /// The file's size (while sending).
        total: Option<u64>,
        /// Its length.
        duration: Duration,
        /// 64 peaks, 0–255, for drawing.
        waveform: Vec<u8>,
        /// The server's message id, once sent.
        message_id: Option<String>,
        /// Where the server serves it, once sent.
        file_url: Option<String>,
        /// Why it is retrying or failed.
        error: Option<String>,
    },
    /// A voice note's playback did something.
    VoicePlayback {
        /// The note's URL.
        url: String,
        /// What.
        state: PlaybackState,
        /// The position (with `position`).
        position: Option<Duration>,
        /// The length (with `started`).
        duration: Option<Duration>,
        /// Peaks for drawing (with `started`).
        waveform: Vec<u8>,
    },

    /// An event this version of the bindings does not type yet: its name and JSON (the
    /// core's `event`-tagged format). Never used for the events above.
    Other {
        /// The event's name (`snake_case`).
        name: String,
        /// The whole event as JSON.
        json: String,
    },
}
