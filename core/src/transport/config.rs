//! How to reach one socket.io namespace: the settings a profile gives the socket.

use super::backoff::BackoffPolicy;
use super::login::LoginWatch;
use std::time::Duration;

/// How to reach one socket.io namespace.
#[derive(Debug, Clone)]
pub struct SocketConfig {
    /// Server URL (`http://host:port` or `https://…`; the socket.io path is added).
    pub url: String,
    /// Namespace, `/` by default.
    pub namespace: String,
    /// Reconnection policy.
    pub backoff: BackoffPolicy,
    /// How long one connection attempt may take before it counts as failed.
    pub connect_timeout: Duration,
    /// Default time a server has to answer an ack.
    pub ack_timeout: Duration,
    /// Requests allowed to wait behind the one ack in flight before `Busy` is returned.
    pub max_queued_requests: usize,
    /// TLS settings (extra trusted roots); `None` uses the system's, always verifying.
    pub tls: Option<native_tls::TlsConnector>,
    /// How the server answers a login after connecting (from the dialect); `None`: only the
    /// handshake can refuse.
    pub login: Option<LoginWatch>,
    /// After the server refused our token: when to ask the token source again for a new one
    /// (a token already refused is never sent again). `max_attempts` bounds the asks in a row
    /// that bring no working token; then the socket gives up (`Disconnected`).
    pub renewal: BackoffPolicy,
}

impl SocketConfig {
    /// A config with socket.io-client's defaults for `url` and `namespace`.
    pub fn new(url: impl Into<String>, namespace: impl Into<String>) -> Self {
        SocketConfig {
            url: url.into(),
            namespace: namespace.into(),
            backoff: BackoffPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(10),
            max_queued_requests: 1024,
            tls: None,
            login: None,
            renewal: BackoffPolicy {
                min_ms: 1000,
                max_ms: 30_000,
                jitter: 0.5,
                max_attempts: None,
            },
        }
    }
}
