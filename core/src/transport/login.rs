//! The login after the socket connected. Most servers refuse a bad token in the handshake
//! (a socket.io `connect_error`); some accept every socket and then confirm or refuse the login
//! with an ordinary event (an `authenticated` / `auth_error` pair, say). For those, `Connected` is
//! reported only once the confirming event arrived, so `wait_connected` never answers ok before
//! a refusal. The dialect reads the events; the transport only acts on its verdict.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// What a server event says about our login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginVerdict {
    /// The server confirmed who we are.
    Accepted,
    /// The server refused our credentials; its message.
    Refused(String),
}

/// Reads an event (name and arguments) as a login verdict, if it is one.
pub type VerdictOf = dyn Fn(&str, &[Value]) -> Option<LoginVerdict> + Send + Sync;

/// How one server answers a login after the socket connected.
#[derive(Clone)]
pub struct LoginWatch {
    verdict: Arc<VerdictOf>,
    /// The server confirms every accepted login with an event: `Connected` waits for it.
    pub confirms: bool,
    /// How long to wait for that confirmation before taking the login as accepted (a server
    /// that never sends it must not keep us offline).
    pub grace: Duration,
}

/// The default wait for a login confirmation.
pub const DEFAULT_LOGIN_GRACE: Duration = Duration::from_secs(5);

impl LoginWatch {
    /// A watch that reads events with `verdict`; `confirms` when every accepted login is
    /// confirmed by an event.
    pub fn new(
        confirms: bool,
        verdict: impl Fn(&str, &[Value]) -> Option<LoginVerdict> + Send + Sync + 'static,
    ) -> Self {
        LoginWatch {
            verdict: Arc::new(verdict),
            confirms,
            grace: DEFAULT_LOGIN_GRACE,
        }
    }

    /// The verdict `event` carries, if any.
    pub fn verdict(&self, event: &str, args: &[Value]) -> Option<LoginVerdict> {
        (self.verdict)(event, args)
    }
}

impl std::fmt::Debug for LoginWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginWatch")
            .field("confirms", &self.confirms)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}
