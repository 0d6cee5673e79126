//! The error apps see: a few kinds they can act on, mapped from the core's richer errors.

/// What went wrong, coarsely. `message` is for logs, not for users.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum ParlorError {
    /// No connection, a timeout or a network failure: nothing (or not all) was done;
    /// `retryable` says whether trying the same thing later may work.
    #[error("offline: {message}")]
    Offline { message: String, retryable: bool },
    /// The server refused the credentials, or the secret store has no token.
    #[error("authentication failed: {message}")]
    Auth { message: String },
    /// The server (or the local state machine) refused the operation. `code` is the core's
    /// (`rejected`, `illegal_state`, `busy`) or the server's machine code when it gave one.
    #[error("rejected ({code}): {message}")]
    Rejected { code: String, message: String },
    /// The input is not acceptable (bad profile, bad JSON, unknown dialect …).
    #[error("invalid input: {message}")]
    InvalidInput { message: String },
    /// This server's dialect cannot do that.
    #[error("unsupported: {message}")]
    Unsupported { message: String },
    /// The work was cancelled, or the client is closed.
    #[error("cancelled")]
    Cancelled,
    /// A bug or a broken local cache: report it.
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl From<parlor_core::Error> for ParlorError {
    fn from(e: parlor_core::Error) -> Self {
        use parlor_core::Error as E;
        let retryable = e.is_transient();
        let message = e.to_string();
        match e {
            E::NotConnected(_) | E::Timeout(_) | E::Network(_) => {
                ParlorError::Offline { message, retryable }
            }
            E::AuthFailed(_) => ParlorError::Auth { message },
            E::Rejected { code, .. } => ParlorError::Rejected {
                code: code.unwrap_or_else(|| "rejected".into()),
                message,
            },
            E::IllegalState(_) | E::Busy(_) => ParlorError::Rejected {
                code: e_code(retryable, &message),
                message,
            },
            E::InvalidInput(_) => ParlorError::InvalidInput { message },
            E::Unsupported(_) => ParlorError::Unsupported { message },
            E::Closed => ParlorError::Cancelled,
            E::Protocol(_) => ParlorError::Internal { message },
        }
    }
}

fn e_code(transient: bool, _message: &str) -> String {
    if transient { "busy" } else { "illegal_state" }.into()
}

impl From<parlor_core::store::StoreError> for ParlorError {
    fn from(e: parlor_core::store::StoreError) -> Self {
        ParlorError::Internal {
            message: format!("local cache: {e}"),
        }
    }
}

impl ParlorError {
    pub(crate) fn invalid(message: impl std::fmt::Display) -> Self {
        ParlorError::InvalidInput {
            message: message.to_string(),
        }
    }
}
