//! The one error shape the page sees: `{ code, message, server_code? }`. `code` is the core's
//! error code (`not_connected`, `timeout`, …) or one of the shell's own (`keyring`,
//! `no_profile`, `io`); `message` is a sentence a person understands; `server_code` is the
//! server's own code (`CHAT_ACCESS_DENIED`, …) when the server gave one.

use parlor_core::secrets::SecretError;
use serde::Serialize;

/// An error crossing to the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Stable machine code.
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
    /// The server's own code, when a server refusal carried one (support teams search for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_code: Option<String>,
}

impl AppError {
    /// An error with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        AppError {
            code: code.into(),
            message: message.into(),
            server_code: None,
        }
    }

    /// No session: the page asked for something that needs a signed-in server.
    pub fn not_signed_in() -> Self {
        AppError::new(
            "not_connected",
            "You are not signed in to a server. Sign in first.",
        )
    }
}

/// Results of commands.
pub type AppResult<T> = Result<T, AppError>;

impl From<parlor_core::Error> for AppError {
    fn from(e: parlor_core::Error) -> Self {
        use parlor_core::Error as E;
        let message = match &e {
            E::NotConnected(_) => {
                "Not connected to the server right now. It will be retried when the connection is back.".to_owned()
            }
            E::Timeout(_) => "The server did not answer in time. Try again.".to_owned(),
            E::AuthFailed(m) => format!("The server refused the sign-in ({m}). Check the token."),
            E::Unsupported(m) => format!("This server cannot do that: {m}."),
            E::InvalidInput(m) => format!("That was not accepted: {m}."),
            E::Protocol(m) => format!("The server sent something unexpected: {m}."),
            E::Rejected { message, .. } => format!("The server refused: {message}"),
            E::Network(m) => format!("Network problem: {m}."),
            E::Device { message, .. } => {
                format!("This computer's audio could not be used: {message}.")
            }
            E::Busy(_) => "Too much is in progress right now. Try again in a moment.".to_owned(),
            E::Closed => "The connection was closed. Sign in again.".to_owned(),
            E::IllegalState(m) => capitalise(m),
            // A kind of error added to the core after this shell was written: its own words.
            other => capitalise(&other.to_string()),
        };
        AppError {
            server_code: e.server_code().map(str::to_owned),
            ..AppError::new(e.code(), message)
        }
    }
}

impl From<SecretError> for AppError {
    fn from(e: SecretError) -> Self {
        AppError::new(
            "keyring",
            format!("The system keyring could not be used to keep the token safe: {e}."),
        )
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::new(
            "io",
            format!("A local file could not be read or written: {e}."),
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_code_and_read_as_sentences() {
        let e: AppError = parlor_core::Error::NotConnected("socket down".into()).into();
        assert_eq!(e.code, "not_connected");
        assert!(e.message.starts_with("Not connected to the server"));
        let e: AppError = parlor_core::Error::IllegalState("nothing to pause".into()).into();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("illegal_state", "Nothing to pause")
        );
        let e: AppError = SecretError::Unavailable("no dbus".into()).into();
        assert_eq!(e.code, "keyring");
        assert_eq!(e.server_code, None);
    }

    #[test]
    fn a_server_refusal_keeps_the_servers_code_on_its_way_to_the_page() {
        let e: AppError = parlor_core::Error::Rejected {
            code: Some("CHAT_ACCESS_DENIED".into()),
            status: Some(403),
            message: "You are not part of this chat".into(),
        }
        .into();
        assert_eq!(e.code, "rejected");
        assert_eq!(e.server_code.as_deref(), Some("CHAT_ACCESS_DENIED"));
        assert!(
            e.message.contains("You are not part of this chat"),
            "{}",
            e.message
        );
        let page = serde_json::to_value(&e).unwrap();
        assert_eq!(page["server_code"], "CHAT_ACCESS_DENIED");
        let plain: AppError = parlor_core::Error::Timeout("slow".into()).into();
        let page = serde_json::to_value(&plain).unwrap();
        assert!(
            page.get("server_code").is_none(),
            "absent when the server gave none"
        );
    }
}
