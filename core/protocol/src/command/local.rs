//! What a caller asks of the client itself.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a caller asks of the client itself: answered from the local cache, the audio and
/// video devices or the state the services keep (a page of messages, the call's state, the
/// recorder), never sent to a server as such. Serialized with a `cmd` tag, like [`Command`]
/// (the two share one namespace of tags, see [`Request`]).
///
/// [`Command`]: super::Command
/// [`Request`]: super::Request
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum LocalCommand {
    // ----- consultations and presence -----
    /// Every consultation the consultation service knows (current first, then history).
    ListConsultations,
    /// The current list of online experts (then `expert_updated` / `expert_removed` events).
    WatchExperts,

    // ----- calls -----
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
    // ----- messaging: the cache and the outbox -----
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
    // ----- voice notes: devices, the voice outbox, playback -----
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

impl LocalCommand {
    /// The command's tag (`load_messages`, …), for errors and logs.
    pub fn name(&self) -> String {
        super::tag_of(self)
    }
}
