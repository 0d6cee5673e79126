//! Voice notes' states as enums (the core names them in text: `queued`, `sent` …); a name a
//! newer core adds crosses as `Other` until the bindings type it.

macro_rules! named_states {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A state this version of the bindings does not know, by the core's name.
            Other {
                /// The core's name for it.
                name: String,
            },
        }

        impl $name {
            /// The core's name → the state.
            pub(crate) fn parse(text: &str) -> $name {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Other { name: other.to_owned() },
                }
            }

            /// Every name the bindings know (for the tests).
            #[cfg(test)]
            pub(crate) const NAMES: &'static [&'static str] = &[$( $text ),+];
        }
    };
}

named_states! {
    /// Where a voice note is on its way to the server.
    pub enum VoiceNoteState {
        /// Stored and shown at once, waiting to upload.
        Queued = "queued",
        /// Uploading (with `sent`/`total` progress).
        Sending = "sending",
        /// The upload failed for now; it is tried again (`error` says why).
        Retrying = "retrying",
        /// The server has it (with its message id and URL).
        Sent = "sent",
        /// Uploaded to a server that gave no proof of taking it: resend or discard.
        Unconfirmed = "unconfirmed",
        /// Given up on (`error` says why).
        Failed = "failed",
        /// Cancelled by the user.
        Cancelled = "cancelled",
    }
}

named_states! {
    /// What a voice note's playback did.
    pub enum PlaybackState {
        /// Playing from the start (with its length and peaks).
        Started = "started",
        /// Where it is now (with `position`).
        Position = "position",
        /// Paused.
        Paused = "paused",
        /// Playing again.
        Resumed = "resumed",
        /// Played to the end.
        Finished = "finished",
        /// Stopped before the end.
        Stopped = "stopped",
        /// Could not play.
        Failed = "failed",
    }
}

named_states! {
    /// Why a recording ended.
    pub enum RecordingEndReason {
        /// Stopped by the user (and sent, when asked).
        Stopped = "stopped",
        /// It reached its maximum length and stopped by itself.
        MaxLength = "max_length",
        /// Discarded by the user.
        Cancelled = "cancelled",
        /// The microphone failed.
        Failed = "failed",
    }
}
