//! Records and enums crossing the boundary: plain data converted from the core's types.

use parlor_core::consultation::ConsultationView;
use parlor_core::messaging::ChatMessage;
use parlor_core::model::{AgoraJoin, Expert, LiveKitGrant, Money};
use parlor_core::{DialectId, DomainEvent, ServerProfile};
use serde::Serialize;

/// The snake_case name serde gives an enum value (`"text"`, `"online"` …).
pub(crate) fn tag<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn amount(m: &Money) -> String {
    m.amount.to_string()
}

/// One server and how to talk to it (the core's `ServerProfile`, without the token, which
/// comes from the app's [`crate::SecretStore`]).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Profile {
    /// A name people recognise.
    pub name: String,
    /// The protocol: `billing-chat`, `presence-sessions`, `tarot-chat`, `support-chat`,
    /// `telecaller` (or `000` … `004`).
    pub dialect: String,
    /// Socket.IO server URL.
    pub socket_url: String,
    /// Namespace (`/`; 004: `/user` or `/telecaller`).
    pub namespace: String,
    /// REST base URL, where the dialect has REST.
    pub rest_url: Option<String>,
    /// This account's server id (also names the local cache).
    pub account_id: Option<String>,
    /// Length of a billed minute in ms (60 000 outside tests).
    pub billing_minute_ms: u64,
}

impl TryFrom<Profile> for ServerProfile {
    type Error = crate::ParlorError;
    fn try_from(p: Profile) -> Result<ServerProfile, Self::Error> {
        let dialect = p
            .dialect
            .parse::<DialectId>()
            .map_err(crate::ParlorError::invalid)?;
        let mut s = ServerProfile::new(dialect, p.socket_url);
        s.name = p.name;
        s.namespace = p.namespace;
        s.rest_url = p.rest_url;
        s.account_id = p.account_id;
        s.billing_minute_ms = p.billing_minute_ms;
        s.validate().map_err(crate::ParlorError::invalid)?;
        Ok(s)
    }
}

impl From<&ServerProfile> for Profile {
    fn from(s: &ServerProfile) -> Profile {
        Profile {
            name: s.name.clone(),
            dialect: s.dialect.to_string(),
            socket_url: s.socket_url.clone(),
            namespace: s.namespace.clone(),
            rest_url: s.rest_url.clone(),
            account_id: s.account_id.clone(),
            billing_minute_ms: s.billing_minute_ms,
        }
    }
}

/// A profile with the core's defaults for `dialect` at `socket_url`.
#[uniffi::export]
pub fn profile_new(dialect: String, socket_url: String) -> Result<Profile, crate::ParlorError> {
    let d = dialect
        .parse::<DialectId>()
        .map_err(crate::ParlorError::invalid)?;
    Ok(Profile::from(&ServerProfile::new(d, socket_url)))
}

/// A profile from the core's TOML format (its `[token]` table is ignored: tokens come from
/// the secret store).
#[uniffi::export]
pub fn profile_from_toml(toml: String) -> Result<Profile, crate::ParlorError> {
    let s = ServerProfile::from_toml(&toml).map_err(crate::ParlorError::invalid)?;
    Ok(Profile::from(&s))
}

/// Chat, audio or video consultation.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum ConsultationKind {
    /// Chat.
    Text,
    /// A voice call.
    Audio,
    /// A video call.
    Video,
}

impl From<ConsultationKind> for parlor_core::model::ConsultationKind {
    fn from(k: ConsultationKind) -> Self {
        match k {
            ConsultationKind::Text => Self::Text,
            ConsultationKind::Audio => Self::Audio,
            ConsultationKind::Video => Self::Video,
        }
    }
}

/// Voice or video call.
#[derive(Debug, Clone, Copy, uniffi::Enum)]
pub enum CallMedia {
    /// Voice only.
    Audio,
    /// Voice and video.
    Video,
}

impl From<CallMedia> for parlor_core::model::CallMedia {
    fn from(m: CallMedia) -> Self {
        match m {
            CallMedia::Audio => Self::Audio,
            CallMedia::Video => Self::Video,
        }
    }
}

/// What the app's LiveKit SDK needs to join a call's media room (004).
#[derive(Debug, Clone, uniffi::Record)]
pub struct LiveKitCredentials {
    /// The LiveKit server's address.
    pub url: String,
    /// The access token for this participant.
    pub token: String,
    /// The room's name.
    pub room: String,
}

impl From<&LiveKitGrant> for LiveKitCredentials {
    fn from(g: &LiveKitGrant) -> Self {
        LiveKitCredentials {
            url: g.url.clone(),
            token: g.token.clone(),
            room: g.room.clone(),
        }
    }
}

/// What the app's Agora SDK needs to join a channel (001).
#[derive(Debug, Clone, uniffi::Record)]
pub struct AgoraJoinInfo {
    /// The Agora project's app id.
    pub app_id: String,
    /// The channel to join.
    pub channel: String,
    /// The RTC token for this channel and uid.
    pub token: String,
    /// This participant's uid.
    pub uid: String,
    /// When the token expires, as the server wrote it.
    pub expires_at: Option<String>,
}

impl From<&AgoraJoin> for AgoraJoinInfo {
    fn from(j: &AgoraJoin) -> Self {
        AgoraJoinInfo {
            app_id: j.app_id.clone(),
            channel: j.channel.clone(),
            token: j.token.clone(),
            uid: j.uid.clone(),
            expires_at: j.expires_at.clone(),
        }
    }
}

/// A domain event: its name, the whole event as JSON (the core's `event`-tagged format), and
/// the fields apps switch on lifted out.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Event {
    /// `message_received`, `consultation_started`, `call_accepted` …
    pub name: String,
    /// The whole event as JSON.
    pub json: String,
    /// The consultation it concerns, when it names one.
    pub consultation_id: Option<String>,
    /// The conversation it concerns, when it names one.
    pub conversation_id: Option<String>,
    /// The call it concerns, when it names one.
    pub call_id: Option<String>,
    /// LiveKit credentials (`call_accepted`).
    pub livekit: Option<LiveKitCredentials>,
    /// Agora join info (`agora_join_ready`).
    pub agora: Option<AgoraJoinInfo>,
}

impl From<&DomainEvent> for Event {
    fn from(e: &DomainEvent) -> Self {
        let value = serde_json::to_value(e).unwrap_or_default();
        let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let conversation_id = field("conversation_id").or_else(|| match e {
            DomainEvent::ChatMessageChanged { message } => Some(message.conversation_id.clone()),
            DomainEvent::MessageReceived { message } => Some(message.conversation_id.clone()),
            _ => None,
        });
        Event {
            name: e.name(),
            json: value.to_string(),
            consultation_id: field("consultation_id"),
            conversation_id,
            call_id: field("call_id"),
            livekit: match e {
                DomainEvent::CallAccepted { livekit, .. } => Some(livekit.into()),
                _ => None,
            },
            agora: match e {
                DomainEvent::AgoraJoinReady { join } => Some(join.into()),
                _ => None,
            },
        }
    }
}

pub(crate) fn events(list: &[DomainEvent]) -> Vec<Event> {
    list.iter().map(Event::from).collect()
}

/// The live meter of a consultation; money as decimal strings.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Meter {
    /// Time billed so far.
    pub elapsed_ms: u64,
    /// Minutes started so far (each started minute is billed whole).
    pub billed_minutes: String,
    /// What those minutes cost.
    pub cost: String,
    /// The currency or coin of `cost`, when the server says it.
    pub unit: Option<String>,
    /// The wallet as last reported.
    pub balance: Option<String>,
    /// When the wallet runs out at this rate, if known.
    pub runs_out_in_ms: Option<u64>,
    /// Whether the meter is running (not paused or ended).
    pub running: bool,
}

/// A consultation as the consultation service sees it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Consultation {
    /// The consultation's id (the server's).
    pub id: String,
    /// `user` or `expert`.
    pub side: String,
    /// The other party's id.
    pub counterpart_id: Option<String>,
    /// The other party's name, when the server gave it.
    pub counterpart_name: Option<String>,
    /// The expert's id.
    pub expert_id: Option<String>,
    /// `text`, `audio`, `video`.
    pub kind: Option<String>,
    /// `requested`, `accepted`, `active`, `paused`, `ended` … (the core's state names).
    pub state: String,
    /// The price of a minute.
    pub rate_per_minute: Option<String>,
    /// The live meter.
    pub meter: Meter,
    /// The bill once ended: minutes and total.
    pub bill_minutes: Option<String>,
    /// The bill's total.
    pub bill_total: Option<String>,
}

impl From<&ConsultationView> for Consultation {
    fn from(v: &ConsultationView) -> Self {
        let m = &v.meter;
        Consultation {
            id: v.id.clone(),
            side: tag(&v.side),
            counterpart_id: v.counterpart.as_ref().map(|p| p.id.clone()),
            counterpart_name: v.counterpart.as_ref().and_then(|p| p.name.clone()),
            expert_id: v.expert_id.clone(),
            kind: v.kind.as_ref().map(tag),
            state: v.state.name().to_owned(),
            rate_per_minute: v.rate_per_minute.as_ref().map(amount),
            meter: Meter {
                elapsed_ms: m.elapsed_ms,
                billed_minutes: m.billed_minutes.to_string(),
                cost: amount(&m.cost),
                unit: m.cost.unit.clone(),
                balance: m.balance.as_ref().map(amount),
                runs_out_in_ms: m.runs_out_in_ms,
                running: m.running,
            },
            bill_minutes: v.bill.as_ref().map(|b| b.minutes.to_string()),
            bill_total: v.bill.as_ref().map(|b| amount(&b.total)),
        }
    }
}

/// An expert in the online list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ExpertItem {
    /// The expert's id.
    pub id: String,
    /// The expert's name, when the server gave it.
    pub name: Option<String>,
    /// `online`, `busy`, `offline` …
    pub presence: String,
    /// The price of a minute.
    pub rate_per_minute: Option<String>,
    /// The language the expert speaks, when the server says it.
    pub language: Option<String>,
}

impl From<&Expert> for ExpertItem {
    fn from(e: &Expert) -> Self {
        ExpertItem {
            id: e.party.id.clone(),
            name: e.party.name.clone(),
            presence: tag(&e.presence),
            rate_per_minute: e.rate_per_minute.as_ref().map(amount),
            language: e.language.clone(),
        }
    }
}

/// A message from the local cache.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ChatItem {
    /// Stable local id; the pagination cursor.
    pub local_id: i64,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The id this client gave its own message.
    pub client_id: Option<String>,
    /// The server's id, once it has one.
    pub server_id: Option<String>,
    /// Who wrote it.
    pub sender_id: String,
    /// The writer's name, when the server gave it.
    pub sender_name: Option<String>,
    /// Whether this account wrote it.
    pub own: bool,
    /// The text.
    pub text: Option<String>,
    /// An attachment's (or voice note's) address.
    pub file_url: Option<String>,
    /// `text`, `voice`, `image`, `file` or `system`.
    pub kind: String,
    /// A voice note's length.
    pub duration_ms: Option<u64>,
    /// A voice note's peaks (0–255) for drawing; ours only.
    pub waveform: Vec<u8>,
    /// `pending`, `sending`, `sent`, `delivered`, `read`, `failed`.
    pub state: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Its place in the conversation (milliseconds; the server's time when known).
    pub sort_ts: i64,
}

impl From<&ChatMessage> for ChatItem {
    fn from(m: &ChatMessage) -> Self {
        ChatItem {
            local_id: m.local_id,
            conversation_id: m.conversation_id.clone(),
            client_id: m.client_id.clone(),
            server_id: m.server_id.clone(),
            sender_id: m.sender.id.clone(),
            sender_name: m.sender.name.clone(),
            own: m.own,
            text: m.text.clone(),
            file_url: m.file_url.clone(),
            kind: serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            duration_ms: m.duration_ms,
            waveform: m.waveform.clone(),
            state: m.state.as_str().to_owned(),
            error: m.error.clone(),
            sort_ts: m.sort_ts,
        }
    }
}

/// A page of history from the cache.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryPage {
    /// Oldest first.
    pub messages: Vec<ChatItem>,
    /// True when older messages exist in the cache.
    pub has_more: bool,
}

#[cfg(test)]
mod tests;
