//! A call as callers see it: its phase and role ([`CallSnapshot`]), the media devices and
//! room events ([`MediaEvent`]), and a call of the history ([`CallRecord`]). Pure values: the
//! state machine and the service live in `parlor_core::calls`.

use super::{CallMedia, LiveKitGrant, Money, Party};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which side of a call this client is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CallRole {
    /// The paying user who placed the call.
    Caller,
    /// The expert (telecaller) who was called.
    Callee,
}

impl CallRole {
    /// The name serde gives it (snake case), as stored in the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            CallRole::Caller => "caller",
            CallRole::Callee => "callee",
        }
    }
}

/// Where a call is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "phase", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallPhase {
    /// No call yet.
    Idle,
    /// `call:initiate` sent, no answer yet.
    Initiating,
    /// The callee's phone rings (caller) or this phone rings (callee).
    Ringing,
    /// Both are in the media room.
    Accepted,
    /// The accepted call is over.
    Ended,
    /// The callee said no.
    Rejected,
    /// The caller hung up while it rang.
    Cancelled,
    /// Nobody answered in time (the server's timeout, ours, or a disconnect while ringing).
    Missed,
    /// The call never started.
    Failed {
        /// Why (a server message verbatim, or what went wrong locally).
        reason: String,
    },
}

impl CallPhase {
    /// True from `initiating` to `accepted`: a new call cannot start.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            CallPhase::Initiating | CallPhase::Ringing | CallPhase::Accepted
        )
    }

    /// True once the call is over (any ending).
    pub fn is_over(&self) -> bool {
        !self.is_active() && *self != CallPhase::Idle
    }

    /// The phase's name (`ringing`, `failed`, …).
    pub fn name(&self) -> &'static str {
        match self {
            CallPhase::Idle => "idle",
            CallPhase::Initiating => "initiating",
            CallPhase::Ringing => "ringing",
            CallPhase::Accepted => "accepted",
            CallPhase::Ended => "ended",
            CallPhase::Rejected => "rejected",
            CallPhase::Cancelled => "cancelled",
            CallPhase::Missed => "missed",
            CallPhase::Failed { .. } => "failed",
        }
    }
}

/// Everything known about the current (or last) call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallSnapshot {
    /// The server's call id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// Where the call is (flattened: `"phase": "failed", "reason": …`).
    #[serde(flatten)]
    pub phase: CallPhase,
    /// Which side this client is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<CallRole>,
    /// Audio or video, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<CallMedia>,
    /// The other party (callee for the caller, caller for the callee), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Party>,
    /// Media room credentials, once accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub livekit: Option<LiveKitGrant>,
    /// Seconds talked, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<u64>,
    /// Coins charged, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coins: Option<Money>,
    /// Who ended it (`USER`, `TELECALLER`, `SYSTEM`, or `local:<why>` when only we know).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
}

impl Default for CallSnapshot {
    fn default() -> Self {
        CallSnapshot {
            call_id: None,
            phase: CallPhase::Idle,
            role: None,
            media: None,
            peer: None,
            livekit: None,
            duration_secs: None,
            coins: None,
            ended_by: None,
        }
    }
}

/// A kind of media device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Microphone.
    AudioInput,
    /// Speaker or headset.
    AudioOutput,
    /// Camera.
    VideoInput,
}

/// A kind of track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    /// Sound.
    Audio,
    /// Picture.
    Video,
}

/// What the media room reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
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
    /// The connection to the room dropped; the engine is trying again.
    Reconnecting,
    /// Back in the room.
    Reconnected,
    /// Out of the room for good.
    Disconnected {
        /// Why (`left` when we left).
        reason: String,
    },
}

/// One call of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallRecord {
    /// The server's call id.
    pub call_id: String,
    /// Which side this account was on.
    pub role: CallRole,
    /// Audio or video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<CallMedia>,
    /// The other party's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_id: Option<String>,
    /// The other party's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_name: Option<String>,
    /// Where the call got to (`ended`, `missed`, …; `ringing`/`accepted` while it lasts).
    pub outcome: String,
    /// Why a failed call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Seconds talked, when the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<u64>,
    /// Coins charged, when the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coins: Option<Money>,
    /// Who ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
    /// When this client first saw the call (unix milliseconds).
    pub started_at: i64,
}
