//! The error apps see: a few kinds they can act on, mapped from the core's richer errors.

/// What went wrong, coarsely. `detail` is for logs, not for users (the field is not called
/// `message` because that clashes with `Throwable.message` in Kotlin).
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum ParlorError {
    /// No connection, a timeout or a network failure: nothing (or not all) was done;
    /// `retryable` says whether trying the same thing later may work.
    #[error("offline: {detail}")]
    Offline {
        /// What failed, for logs.
        detail: String,
        /// Whether the same call may work later.
        retryable: bool,
    },
    /// The server refused the credentials, or the secret store has no token.
    #[error("authentication failed: {detail}")]
    Auth {
        /// What failed, for logs.
        detail: String,
    },
    /// The server (or the local state machine) refused the operation. `code` is the core's
    /// coarse kind (`rejected`, `illegal_state`, `busy`); `server_code` the server's own code
    /// (`SESSION_INACTIVE`, …) when it gave one; `detail` the server's words.
    #[error("rejected ({code}): {detail}")]
    Rejected {
        /// The core's coarse kind.
        code: String,
        /// The server's own code, when it gave one.
        server_code: Option<String>,
        /// The server's words.
        detail: String,
    },
    /// The input is not acceptable (bad profile, bad JSON, unknown dialect …).
    #[error("invalid input: {detail}")]
    InvalidInput {
        /// What was refused, for logs.
        detail: String,
    },
    /// This server's dialect cannot do that.
    #[error("unsupported: {detail}")]
    Unsupported {
        /// What the server cannot do.
        detail: String,
    },
    /// This device failed, not the server: `code` is `no_input_device`, `permission_denied`
    /// (ask the user for microphone access), `device_error`, `codec_error` or `io_error`.
    #[error("device ({code}): {detail}")]
    Device {
        /// The kind of failure (above).
        code: String,
        /// What failed, for logs.
        detail: String,
    },
    /// The work was cancelled, or the client is closed.
    #[error("cancelled")]
    Cancelled,
    /// A bug or a broken local cache: report it.
    #[error("internal error: {detail}")]
    Internal {
        /// What failed, for the report.
        detail: String,
    },
}

impl From<parlor_core::Error> for ParlorError {
    fn from(e: parlor_core::Error) -> Self {
        use parlor_core::Error as E;
        let retryable = e.is_transient();
        let detail = e.to_string();
        match &e {
            E::NotConnected(_) | E::Timeout(_) | E::Network(_) => {
                ParlorError::Offline { detail, retryable }
            }
            E::AuthFailed(_) => ParlorError::Auth { detail },
            E::Rejected { code, .. } => ParlorError::Rejected {
                code: e.code().into(),
                server_code: code.clone(),
                detail,
            },
            E::IllegalState(_) | E::Busy(_) => ParlorError::Rejected {
                code: e.code().into(),
                server_code: None,
                detail,
            },
            E::InvalidInput(_) => ParlorError::InvalidInput { detail },
            E::Unsupported(_) => ParlorError::Unsupported { detail },
            E::Closed => ParlorError::Cancelled,
            E::Protocol(_) => ParlorError::Internal { detail },
            E::Device { code, .. } => ParlorError::Device {
                code: code.clone(),
                detail,
            },
            // A kind of error added to the core after these bindings: kept, with its words.
            _ => ParlorError::Internal { detail },
        }
    }
}

impl From<parlor_core::store::StoreError> for ParlorError {
    fn from(e: parlor_core::store::StoreError) -> Self {
        ParlorError::Internal {
            detail: format!("local cache: {e}"),
        }
    }
}

impl ParlorError {
    pub(crate) fn invalid(detail: impl std::fmt::Display) -> Self {
        ParlorError::InvalidInput {
            detail: detail.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlor_core::Error as E;

    #[test]
    fn core_errors_map_to_coarse_kinds() {
        assert!(matches!(
            ParlorError::from(E::NotConnected("x".into())),
            ParlorError::Offline {
                retryable: true,
                ..
            }
        ));
        assert!(matches!(
            ParlorError::from(E::Rejected { code: Some("INSUFFICIENT_BALANCE".into()), status: None, message: "no".into() }),
            ParlorError::Rejected { code, server_code: Some(s), .. } if code == "rejected" && s == "INSUFFICIENT_BALANCE"
        ));
        assert!(matches!(
            ParlorError::from(E::IllegalState("paused".into())),
            ParlorError::Rejected { code, .. } if code == "illegal_state"
        ));
        assert!(matches!(
            ParlorError::from(E::AuthFailed("x".into())),
            ParlorError::Auth { .. }
        ));
        assert!(matches!(
            ParlorError::from(E::Closed),
            ParlorError::Cancelled
        ));
    }
}

/// What an app's listener or logger threw. The library logs it and goes on delivering: a
/// failing listener never stops its subscription (a thrown exception used to end it).
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    /// The app's code failed; `detail` is what it threw.
    #[error("the app's listener failed: {detail}")]
    Failed {
        /// What was thrown.
        detail: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ListenerError::Failed { detail: e.reason }
    }
}

/// Logs a listener's failure; delivery goes on with the next item.
pub(crate) fn report(result: Result<(), ListenerError>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "a listener of the app failed; delivery goes on");
    }
}
