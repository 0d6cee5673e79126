//! The error callers of the core see: a small set of kinds they can act on, mapped from the
//! richer errors of each layer.

use crate::dialect::{DialectError, ProtocolError};
use crate::profile::ProfileError;
use crate::transport::{HttpErrorKind, RestError, TransportError};

/// An error at the core's API edge.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Not connected: nothing was sent; retry when connected.
    #[error("not connected: {0}")]
    NotConnected(String),
    /// Not allowed in the current state (pause a consultation that is not running, …);
    /// nothing was sent.
    #[error("{0}")]
    IllegalState(String),
    /// The server did not answer in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server refused our credentials.
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// This server's dialect cannot do that.
    #[error("{0}")]
    Unsupported(String),
    /// The caller's input is not acceptable.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The server said something we cannot read.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server refused the operation; its message verbatim.
    #[error("{message}")]
    Rejected {
        /// Machine code, when given.
        code: Option<String>,
        /// HTTP status, for REST.
        status: Option<u16>,
        /// The server's message.
        message: String,
    },
    /// No answer from the network.
    #[error("network error: {0}")]
    Network(String),
    /// Something on this machine failed, not the server: no input device, microphone
    /// permission denied, an audio device error, audio that cannot be decoded, a local file.
    #[error("{message}")]
    Device {
        /// `no_input_device`, `permission_denied`, `device_error`, `codec_error` or `io_error`.
        code: String,
        /// What happened.
        message: String,
    },
    /// Too much is already in flight.
    #[error("busy: {0}")]
    Busy(String),
    /// The client was shut down.
    #[error("the client is closed")]
    Closed,
}

impl Error {
    /// A stable machine code for the error kind (`not_connected`, `rejected`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotConnected(_) => "not_connected",
            Error::Timeout(_) => "timeout",
            Error::IllegalState(_) => "illegal_state",
            Error::AuthFailed(_) => "auth_failed",
            Error::Unsupported(_) => "unsupported",
            Error::InvalidInput(_) => "invalid_input",
            Error::Protocol(_) => "protocol",
            Error::Rejected { .. } => "rejected",
            Error::Network(_) => "network",
            Error::Device { .. } => "device",
            Error::Busy(_) => "busy",
            Error::Closed => "closed",
        }
    }

    /// The server's own code for the refusal (`SESSION_INACTIVE`, `CHAT_ACCESS_DENIED`, …),
    /// when it gave one; [`Error::code`] is Parlor's coarse kind beside it.
    pub fn server_code(&self) -> Option<&str> {
        match self {
            Error::Rejected { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of a refused REST call.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Rejected { status, .. } => *status,
            _ => None,
        }
    }

    /// True when retrying the same thing later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::NotConnected(_) | Error::Timeout(_) | Error::Network(_) | Error::Busy(_)
        ) || matches!(self, Error::Rejected { status: Some(s), .. } if *s == 429 || *s >= 500)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::NotConnected(m) | TransportError::SendFailed(m) => {
                Error::NotConnected(m)
            }
            TransportError::Timeout(_) | TransportError::NoAnswer(_) => {
                Error::Timeout(e.to_string())
            }
            TransportError::Busy(_) => Error::Busy(e.to_string()),
            TransportError::AuthFailed(m) => Error::AuthFailed(m),
            TransportError::Closed => Error::Closed,
            TransportError::Unsupported(m) => Error::Unsupported(m),
        }
    }
}

impl From<DialectError> for Error {
    fn from(e: DialectError) -> Self {
        match e {
            DialectError::Unsupported { .. } => Error::Unsupported(e.to_string()),
            DialectError::InvalidCommand(m) => Error::InvalidInput(m),
            DialectError::Rejected { code, message } => Error::Rejected {
                code,
                status: None,
                message,
            },
            DialectError::Protocol(p) => p.into(),
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e.to_string())
    }
}

impl From<RestError> for Error {
    fn from(e: RestError) -> Self {
        match e {
            RestError::Http {
                status,
                kind,
                code,
                message,
            } => match kind {
                HttpErrorKind::Unauthorized => Error::AuthFailed(message),
                _ => Error::Rejected {
                    code,
                    status: Some(status),
                    message,
                },
            },
            RestError::Network(m) => Error::Network(m),
            // What the caller must treat as "may have happened": as an unanswered request.
            RestError::NoAnswer(m) => Error::Timeout(format!("no answer from the server: {m}")),
            RestError::Decode(m) => Error::Protocol(m),
            RestError::Token(t) => Error::AuthFailed(t.to_string()),
            RestError::NoBaseUrl => Error::InvalidInput(e.to_string()),
        }
    }
}

impl From<ProfileError> for Error {
    fn from(e: ProfileError) -> Self {
        Error::InvalidInput(e.to_string())
    }
}

impl From<native_tls::Error> for Error {
    fn from(e: native_tls::Error) -> Self {
        Error::InvalidInput(format!("TLS setup: {e}"))
    }
}
