//! What the voice-note outbox stores and reports: a note, the outbox's events, its timing.

use crate::voice::VoiceError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// A note in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxNote {
    /// Client id (uuid): also the server's message id where the server takes it.
    pub client_id: String,
    /// The conversation.
    pub session_id: String,
    /// File name sent.
    pub file_name: String,
    /// MIME type sent.
    pub mime: String,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// 64 peaks for the UI.
    pub waveform: Vec<u8>,
    /// When queued (ms since the epoch): the sending order.
    pub queued_at_ms: u64,
    /// The server's message, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the outbox reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VoiceOutboxEvent {
    /// Stored and shown (optimistic).
    Queued(OutboxNote),
    /// Upload progress.
    Progress {
        /// The note.
        client_id: String,
        /// Bytes sent.
        sent: u64,
        /// File size.
        total: u64,
    },
    /// A try failed for a reason that may pass; it will be retried.
    Retrying {
        /// The note.
        client_id: String,
        /// Why.
        error: VoiceError,
        /// Tries so far.
        attempt: u32,
    },
    /// The server has it.
    Sent(OutboxNote),
    /// Refused for good (kept in `failed/`).
    Failed {
        /// The note.
        client_id: String,
        /// Why.
        error: VoiceError,
    },
    /// Cancelled by the user before the server had it.
    Cancelled {
        /// The note.
        client_id: String,
    },
    /// The upload went out and its answer was lost, on a server that cannot drop a repeat:
    /// it may be there. Kept in `unconfirmed/` until the user resends or discards it.
    Unconfirmed {
        /// The note.
        client_id: String,
        /// What happened to the try.
        error: VoiceError,
    },
    /// The user chose to send an unconfirmed note again: it waits in the queue.
    Resent {
        /// The note.
        client_id: String,
    },
}

/// Retry timing and shaping.
#[derive(Debug, Clone)]
pub struct VoiceOutboxConfig {
    /// First retry delay (doubles up to `retry_max`).
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// A pause after each 16 KB chunk (0: none).
    pub chunk_delay: Duration,
    /// The server drops a repeated upload by its client id, so a try whose answer was lost
    /// is simply made again (exactly once); otherwise it ends `unconfirmed` (at most once).
    pub server_deduplicates: bool,
}

impl Default for VoiceOutboxConfig {
    fn default() -> Self {
        VoiceOutboxConfig {
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(30),
            chunk_delay: Duration::ZERO,
            server_deduplicates: false,
        }
    }
}
