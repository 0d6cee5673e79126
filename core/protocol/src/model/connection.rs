//! The connection state every caller can observe.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where the socket stands. Published on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConnectionState {
    /// Opening the first connection.
    Connecting {
        /// 1 for the first try.
        attempt: u32,
    },
    /// Connected: the namespace accepted us and emits are allowed.
    Connected,
    /// The link dropped (or a try failed); the next try starts after `delay_ms`.
    Reconnecting {
        /// How many tries have failed in a row (1 after the first drop).
        attempt: u32,
        /// Wait before the next try, in milliseconds.
        delay_ms: u64,
        /// Why the link dropped.
        reason: String,
    },
    /// Stopped for good: asked to, or out of tries (reconnection or token renewal).
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The server refused our token. The token source is asked again with backoff; the
    /// refused token is never sent again, a new one is tried at once. Commands fail fast with
    /// `auth_failed` meanwhile.
    AuthFailed {
        /// The server's message, verbatim.
        message: String,
    },
}

impl ConnectionState {
    /// True when emits are allowed.
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnectionState::Connected)
    }

    /// True when the supervisor has stopped for good (`AuthFailed` is not: a renewed token
    /// may still come).
    pub fn is_terminal(&self) -> bool {
        matches!(self, ConnectionState::Disconnected { .. })
    }
}
