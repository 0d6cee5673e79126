//! Voice notes (issue 6): record (cpal), encode to Ogg/Opus with a duration and a 64-peak
//! waveform, upload as multipart with progress through a persistent outbox, and play back
//! (download once, decode with libopus, play through rodio).

pub mod capture;
pub mod encode;
pub mod outbox;
pub mod playback;
pub mod ring;
pub mod service;
pub mod upload;

pub use capture::{input_devices, Recorder, RecorderConfig, RecorderEvent, Recording};
pub use encode::{
    decode_ogg_opus, encode_ogg_opus, wav_to_mono_48k, waveform, EncodedNote, SAMPLE_RATE,
};
pub use outbox::{OutboxNote, VoiceOutbox, VoiceOutboxConfig, VoiceOutboxEvent};
pub use playback::{PlaybackEvent, VoicePlayer};
pub use service::{to_error, VoiceNotes, VoiceNotesConfig};
pub use upload::{
    check_file, download, upload_voice_note, CancelHandle, ProgressFn, RateWindow, UploadOptions,
    UploadProgress, VoiceFile,
};

/// Everything that can go wrong with a voice note, one variant per cause a UI shows differently.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VoiceError {
    /// No input (or output) device exists.
    #[error("no audio device: {0}")]
    NoDevice(String),
    /// The system refused access to the microphone.
    #[error("microphone permission denied: {0}")]
    PermissionDenied(String),
    /// Any other audio device failure.
    #[error("audio device error: {0}")]
    Device(String),
    /// Encoding or decoding failed.
    #[error("codec error: {0}")]
    Codec(String),
    /// A file could not be read or written.
    #[error("i/o error: {0}")]
    Io(String),
    /// Client-side check: the file type is not one the server accepts (mp3, wav, ogg, webm).
    #[error("unsupported file type: {0}")]
    UnsupportedType(String),
    /// Client-side check: the file exceeds the server's limit.
    #[error("file too large: {size} bytes (the limit is {max})")]
    TooLarge {
        /// Bytes in the file.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Client-side check: more than 10 notes in a minute; retry after this many milliseconds.
    #[error("too many voice notes: retry in {retry_after_ms} ms")]
    TooMany {
        /// When the window frees a slot.
        retry_after_ms: u64,
    },
    /// The upload was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// 401 `AUTHENTICATION_REQUIRED`.
    #[error("authentication required: {0}")]
    AuthenticationRequired(String),
    /// 403 `CHAT_ACCESS_DENIED`.
    #[error("chat access denied: {0}")]
    ChatAccessDenied(String),
    /// 404 `SESSION_NOT_FOUND`.
    #[error("session not found: {0}")]
    SessionNotFound(String),
    /// 400 `VALIDATION_ERROR`.
    #[error("rejected: {0}")]
    Validation(String),
    /// 413 `FILE_TOO_LARGE`.
    #[error("server: file too large: {0}")]
    FileTooLarge(String),
    /// 415 `UNSUPPORTED_FILE_TYPE`.
    #[error("server: unsupported file type: {0}")]
    UnsupportedFileType(String),
    /// 429 `RATE_LIMIT_EXCEEDED`.
    #[error("server: rate limit exceeded: {0}")]
    RateLimitExceeded(String),
    /// 409 `SESSION_INACTIVE`.
    #[error("session inactive: {0}")]
    SessionInactive(String),
    /// Any other server error (5xx, unknown code).
    #[error("server error {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// Nothing reached the server (refused, DNS, TLS): sending again is safe.
    #[error("network error: {0}")]
    Network(String),
    /// The upload went out and its answer did not come: the server may have the note.
    #[error("no answer from the server: {0}")]
    NoAnswer(String),
}

impl VoiceError {
    /// Whether retrying the same upload later can succeed (the outbox keeps it).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            VoiceError::Network(_)
                | VoiceError::NoAnswer(_)
                | VoiceError::RateLimitExceeded(_)
                | VoiceError::TooMany { .. }
                | VoiceError::Server { .. }
        )
    }

    /// Whether the server may have stored the note although the try failed: the upload went
    /// out and no answer came, the answer was an unreadable success, or the server failed
    /// after taking the request (5xx). Sending it again may then store it twice.
    pub fn may_have_arrived(&self) -> bool {
        match self {
            VoiceError::NoAnswer(_) => true,
            VoiceError::Server { status, .. } => *status == 200 || *status >= 500,
            _ => false,
        }
    }
}

impl From<std::io::Error> for VoiceError {
    fn from(e: std::io::Error) -> Self {
        VoiceError::Io(e.to_string())
    }
}
