//! Calls: their media, phase and snapshot, the media room's reports, the history, and the
//! credentials the app's LiveKit or Agora SDK needs.

use super::{mirror_enum, money, Money, Party};
use crate::types::instant_from_ms;
use parlor_core::model::{
    AgoraJoin, CallMedia as CoreMedia, CallPhase as CorePhase, CallRecord as CoreRecord,
    CallRole as CoreRole, CallSnapshot, LiveKitGrant, MediaEvent as CoreMediaEvent,
    TrackKind as CoreTrack,
};
use std::time::{Duration, SystemTime};

mirror_enum! {
    /// Voice or video call.
    pub enum CallMedia from CoreMedia {
        /// Voice only.
        Audio,
        /// Voice and video.
        Video,
    } else Audio
}

impl From<CallMedia> for CoreMedia {
    fn from(m: CallMedia) -> Self {
        match m {
            CallMedia::Audio => CoreMedia::Audio,
            CallMedia::Video => CoreMedia::Video,
        }
    }
}

mirror_enum! {
    /// Which side of a call this client is on.
    pub enum CallRole from CoreRole {
        /// The paying user who placed the call.
        Caller,
        /// The expert who was called.
        Callee,
    } else Caller
}

mirror_enum! {
    /// A kind of media track.
    pub enum TrackKind from CoreTrack {
        /// Sound.
        Audio,
        /// Picture.
        Video,
    } else Audio
}

/// What the app's LiveKit SDK needs to join a call's media room (004).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

/// Where a call is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CallPhase {
    /// No call yet.
    Idle,
    /// Placed, no answer yet.
    Initiating,
    /// Ringing (the callee's phone, or this one).
    Ringing,
    /// Both are in the media room.
    Accepted,
    /// The accepted call is over.
    Ended,
    /// The callee said no.
    Rejected,
    /// The caller hung up while it rang.
    Cancelled,
    /// Nobody answered in time.
    Missed,
    /// The call never started.
    Failed {
        /// Why (the server's words, or what went wrong here).
        reason: String,
    },
}

impl From<&CorePhase> for CallPhase {
    fn from(p: &CorePhase) -> Self {
        match p {
            CorePhase::Idle => Self::Idle,
            CorePhase::Initiating => Self::Initiating,
            CorePhase::Ringing => Self::Ringing,
            CorePhase::Accepted => Self::Accepted,
            CorePhase::Ended => Self::Ended,
            CorePhase::Rejected => Self::Rejected,
            CorePhase::Cancelled => Self::Cancelled,
            CorePhase::Missed => Self::Missed,
            CorePhase::Failed { reason } => Self::Failed {
                reason: reason.clone(),
            },
            other => Self::Failed {
                reason: format!("{other:?}"),
            },
        }
    }
}

/// Everything known about the current (or last) call.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Call {
    /// The server's call id, once known.
    pub call_id: Option<String>,
    /// Where the call is.
    pub phase: CallPhase,
    /// Which side this client is on.
    pub role: Option<CallRole>,
    /// Audio or video, when known.
    pub media: Option<CallMedia>,
    /// The other party, when known.
    pub peer: Option<Party>,
    /// The media room's credentials, once accepted.
    pub livekit: Option<LiveKitCredentials>,
    /// Time talked, when the server says.
    pub duration: Option<Duration>,
    /// Coins charged, when the server says.
    pub coins: Option<Money>,
    /// Who ended it, as the server spells it (`local:<why>` when only this client knows).
    pub ended_by: Option<String>,
}

impl From<&CallSnapshot> for Call {
    fn from(c: &CallSnapshot) -> Self {
        Call {
            call_id: c.call_id.clone(),
            phase: (&c.phase).into(),
            role: c.role.map(CallRole::from),
            media: c.media.map(CallMedia::from),
            peer: c.peer.as_ref().map(Party::from),
            livekit: c.livekit.as_ref().map(LiveKitCredentials::from),
            duration: c.duration_secs.map(Duration::from_secs),
            coins: money(&c.coins),
            ended_by: c.ended_by.clone(),
        }
    }
}

/// What a call's media room reports.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MediaEvent {
    /// In the room; our tracks are published.
    Connected,
    /// Someone entered the room.
    ParticipantJoined {
        /// Their identity in the room.
        identity: String,
    },
    /// Someone left the room.
    ParticipantLeft {
        /// Their identity in the room.
        identity: String,
    },
    /// A remote track is playing.
    TrackSubscribed {
        /// Whose.
        identity: String,
        /// Audio or video.
        track: TrackKind,
    },
    /// The connection to the room dropped; trying again.
    Reconnecting,
    /// Back in the room.
    Reconnected,
    /// Out of the room for good.
    Disconnected {
        /// Why (`left` when we left).
        reason: String,
    },
}

impl From<&CoreMediaEvent> for MediaEvent {
    fn from(e: &CoreMediaEvent) -> Self {
        match e {
            CoreMediaEvent::Connected => Self::Connected,
            CoreMediaEvent::ParticipantJoined { identity } => Self::ParticipantJoined {
                identity: identity.clone(),
            },
            CoreMediaEvent::ParticipantLeft { identity } => Self::ParticipantLeft {
                identity: identity.clone(),
            },
            CoreMediaEvent::TrackSubscribed { identity, track } => Self::TrackSubscribed {
                identity: identity.clone(),
                track: (*track).into(),
            },
            CoreMediaEvent::Reconnecting => Self::Reconnecting,
            CoreMediaEvent::Reconnected => Self::Reconnected,
            CoreMediaEvent::Disconnected { reason } => Self::Disconnected {
                reason: reason.clone(),
            },
            other => Self::Disconnected {
                reason: format!("{other:?}"),
            },
        }
    }
}

/// One call of the history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CallRecord {
    /// The server's call id.
    pub call_id: String,
    /// Which side this account was on.
    pub role: CallRole,
    /// Audio or video.
    pub media: Option<CallMedia>,
    /// The other party's id.
    pub peer_id: Option<String>,
    /// The other party's name.
    pub peer_name: Option<String>,
    /// Where the call got to (`ended`, `missed` …).
    pub outcome: String,
    /// Why a failed call failed.
    pub reason: Option<String>,
    /// Time talked, when the server said.
    pub duration: Option<Duration>,
    /// Coins charged, when the server said.
    pub coins: Option<Money>,
    /// Who ended it.
    pub ended_by: Option<String>,
    /// When this client first saw the call.
    pub started_at: SystemTime,
}

impl From<&CoreRecord> for CallRecord {
    fn from(r: &CoreRecord) -> Self {
        CallRecord {
            call_id: r.call_id.clone(),
            role: r.role.into(),
            media: r.media.map(CallMedia::from),
            peer_id: r.peer_id.clone(),
            peer_name: r.peer_name.clone(),
            outcome: r.outcome.clone(),
            reason: r.reason.clone(),
            duration: r.duration_secs.map(Duration::from_secs),
            coins: money(&r.coins),
            ended_by: r.ended_by.clone(),
            started_at: instant_from_ms(r.started_at),
        }
    }
}
