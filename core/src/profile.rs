//! Server profiles: everything needed to talk to one marketplace backend, loadable from TOML.
//!
//! ```toml
//! name = "demo 000"
//! dialect = "billing-chat"          # or 000 … 004, or a name an app registered its dialect under
//! socket_url = "http://127.0.0.1:5000"
//! namespace = "/"                   # 004: "/user" or "/telecaller"
//! rest_url = "http://127.0.0.1:5000" # where the dialect has REST
//! account_id = "u-asha"             # this account's server id, where the protocol repeats it
//! [token]
//! env = "PARLOR_TOKEN"              # or: file = "/path/to/token"
//! ```

use crate::dialect::DialectName;
use crate::token::{EnvToken, FileToken, SharedTokenSource};
use crate::transport::{BackoffPolicy, SocketConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where a profile's token comes from. Tokens are never stored in the profile itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum TokenSpec {
    /// An environment variable, read before every connection.
    Env {
        /// Variable name.
        env: String,
    },
    /// A file, read before every connection.
    File {
        /// Its path.
        file: PathBuf,
    },
}

impl Default for TokenSpec {
    fn default() -> Self {
        TokenSpec::Env {
            env: "PARLOR_TOKEN".into(),
        }
    }
}

impl TokenSpec {
    /// The token source this spec names.
    pub fn source(&self) -> SharedTokenSource {
        match self {
            TokenSpec::Env { env } => Arc::new(EnvToken(env.clone())),
            TokenSpec::File { file } => Arc::new(FileToken(file.clone())),
        }
    }
}

/// One server and how to talk to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerProfile {
    /// A name people recognise.
    #[serde(default)]
    pub name: String,
    /// The protocol: a built-in dialect's name or seed, or the name an app registered its
    /// own dialect under ([`DialectRegistry`](crate::dialect::DialectRegistry)).
    pub dialect: DialectName,
    /// Socket.IO server URL.
    pub socket_url: String,
    /// Namespace.
    #[serde(default = "root_namespace")]
    pub namespace: String,
    /// REST base URL, where the dialect has REST.
    #[serde(default)]
    pub rest_url: Option<String>,
    /// This account's server id, where the protocol repeats it (000 `chat-request`).
    #[serde(default)]
    pub account_id: Option<String>,
    /// Where the token comes from.
    #[serde(default)]
    pub token: TokenSpec,
    /// Reconnection policy.
    #[serde(default)]
    pub reconnect: BackoffPolicy,
    /// Time a server has to answer an ack, in milliseconds.
    #[serde(default = "default_ack_timeout_ms")]
    pub ack_timeout_ms: u64,
    /// Time one connection attempt may take, in milliseconds.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// Length of a billed minute in milliseconds (60000; test servers shorten it).
    #[serde(default = "default_billing_minute_ms")]
    pub billing_minute_ms: u64,
    /// A PEM certificate to trust besides the system's roots (a self-signed server). TLS
    /// certificates are always verified; this is the only way to accept one that is not.
    #[serde(default)]
    pub trusted_certificate: Option<PathBuf>,
    /// Allow plain `http://` / `ws://` to a host that is not this machine. Off by default:
    /// tokens and chats would cross the network readable by anyone on the path.
    #[serde(default)]
    pub allow_plaintext: bool,
    /// How chat messages may be sent to this server: size limit, resend safety.
    #[serde(default)]
    pub delivery: DeliveryLimits,
    /// Events this server names differently from its document: the document's name → this
    /// server's (`[events]` with `newMessage = "message:new"`). Applied to everything sent and
    /// received, so that a server close to one of the five needs a profile, not code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub events: BTreeMap<String, String>,
    /// Fields this server keeps elsewhere than its document, per event (the document's name):
    /// the document's dotted path → this server's (`[fields.newMessage]` with `content =
    /// "body.text"`). Applied to the payloads of that event both ways and to answers that name
    /// it; a field the payload lacks stays absent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
    /// REST paths this server serves elsewhere than its document: the document's path prefix
    /// → this server's (`[rest_paths]` with `"/api/chat" = "/v2/chat"`), whole segments, the
    /// longest prefix first. Applied to every REST call the dialect describes, the voice
    /// upload included.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rest_paths: BTreeMap<String, String>,
}

/// What a server takes and how it treats a resend (`[delivery]` in a profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryLimits {
    /// The largest message the server takes, in bytes of the encoded socket.io payload. A
    /// larger one is refused when queued. Default: socket.io's default frame limit
    /// (`maxHttpBufferSize`, 1 MB), which closes the connection on anything larger.
    pub max_message_bytes: usize,
    /// True when the server is known to drop a resend that carries the client id of a message
    /// it already has (none of the five documents says so; our reference servers do it outside
    /// seed-only mode). Then a message whose confirmation was lost is simply resent; otherwise
    /// the client first checks, where the dialect can, whether the server has it.
    pub server_deduplicates: bool,
}

impl Default for DeliveryLimits {
    fn default() -> Self {
        DeliveryLimits {
            max_message_bytes: 1_000_000,
            server_deduplicates: false,
        }
    }
}

fn root_namespace() -> String {
    "/".into()
}
fn default_ack_timeout_ms() -> u64 {
    10_000
}
fn default_connect_timeout_ms() -> u64 {
    10_000
}
fn default_billing_minute_ms() -> u64 {
    60_000
}

/// Why a profile is unusable.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file could not be read.
    #[error("cannot read profile {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The TOML is not a valid profile.
    #[error("invalid profile: {0}")]
    Invalid(String),
    /// The profile would send credentials in the clear.
    #[error("{0}")]
    Insecure(String),
}

impl ServerProfile {
    /// A profile with defaults for `dialect` at `socket_url`. The dialect is a built-in
    /// [`DialectId`](crate::DialectId), or a [`DialectName`] read from a name or a seed.
    ///
    /// ```
    /// use parlor_core::dialect::DialectName;
    /// use parlor_core::{DialectId, ServerProfile};
    /// let mut profile = ServerProfile::new(DialectId::Telecaller, "https://calls.example.com");
    /// profile.namespace = "/user".into();
    /// assert_eq!(profile.billing_minute_ms, 60_000);
    /// assert!(profile.validate().is_ok());
    /// // A seed number, or any spelling of a name, reads as the built-in dialect.
    /// assert_eq!("004".parse::<DialectId>(), Ok(DialectId::Telecaller));
    /// assert_eq!(DialectName::parse("support_chat")?, DialectId::SupportChat);
    /// // Plain http only to this machine: tokens must not cross a network in the clear.
    /// assert!(ServerProfile::new(DialectId::Telecaller, "http://127.0.0.1:5004").validate().is_ok());
    /// assert!(ServerProfile::new(DialectId::Telecaller, "http://calls.example.com").validate().is_err());
    /// # Ok::<(), parlor_core::dialect::UnknownDialect>(())
    /// ```
    pub fn new(dialect: impl Into<DialectName>, socket_url: impl Into<String>) -> Self {
        ServerProfile {
            name: String::new(),
            dialect: dialect.into(),
            socket_url: socket_url.into(),
            namespace: root_namespace(),
            rest_url: None,
            account_id: None,
            token: TokenSpec::default(),
            reconnect: BackoffPolicy::default(),
            ack_timeout_ms: default_ack_timeout_ms(),
            connect_timeout_ms: default_connect_timeout_ms(),
            billing_minute_ms: default_billing_minute_ms(),
            trusted_certificate: None,
            allow_plaintext: false,
            delivery: DeliveryLimits::default(),
            events: BTreeMap::new(),
            fields: BTreeMap::new(),
            rest_paths: BTreeMap::new(),
        }
    }

    /// Parses and checks a TOML profile (the module documentation lists its keys).
    ///
    /// ```
    /// use parlor_core::{DialectId, ServerProfile, TokenSpec};
    /// let profile = ServerProfile::from_toml(
    ///     r#"
    ///     name = "support"
    ///     dialect = "003"
    ///     socket_url = "https://support.example.com"
    ///     account_id = "1"
    ///     [token]
    ///     file = "/run/secrets/support-token"
    ///     [events]
    ///     sendMessage = "message:send"
    ///     "#,
    /// )?;
    /// assert_eq!(profile.dialect, DialectId::SupportChat);
    /// assert_eq!(profile.namespace, "/");
    /// assert_eq!(profile.account_id.as_deref(), Some("1"));
    /// assert!(matches!(profile.token, TokenSpec::File { .. }));
    /// assert_eq!(profile.events["sendMessage"], "message:send");
    /// // Unknown keys and unusable values are refused with the reason.
    /// assert!(ServerProfile::from_toml("dialect = \"003\"\nsocket_url = \"x\"").is_err());
    /// assert!(ServerProfile::from_toml("dialect = \"003\"\nsocket_url = \"https://a.b\"\nsocket = 1").is_err());
    /// # Ok::<(), parlor_core::profile::ProfileError>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, ProfileError> {
        let p: ServerProfile =
            toml::from_str(text).map_err(|e| ProfileError::Invalid(e.message().to_owned()))?;
        p.validate()?;
        Ok(p)
    }

    /// Reads a TOML profile file.
    pub fn from_file(path: &Path) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text)
    }

    /// Checks URLs, the namespace, and that nothing goes in the clear to another machine.
    pub fn validate(&self) -> Result<(), ProfileError> {
        check_url("socket_url", &self.socket_url, self.allow_plaintext)?;
        if let Some(r) = &self.rest_url {
            check_url("rest_url", r, self.allow_plaintext)?;
        }
        if !self.namespace.starts_with('/') {
            return Err(ProfileError::Invalid(format!(
                "namespace must start with '/', got {:?}",
                self.namespace
            )));
        }
        if self.delivery.max_message_bytes == 0 {
            return Err(ProfileError::Invalid(
                "delivery.max_message_bytes must be above zero".into(),
            ));
        }
        if self.ack_timeout_ms == 0 || self.connect_timeout_ms == 0 || self.billing_minute_ms == 0 {
            return Err(ProfileError::Invalid("timeouts must be above zero".into()));
        }
        let mut server_names = std::collections::BTreeSet::new();
        for (document, server) in &self.events {
            if document.trim().is_empty() || server.trim().is_empty() {
                return Err(ProfileError::Invalid(
                    "events: a renamed event needs both names".into(),
                ));
            }
            if !server_names.insert(server) {
                return Err(ProfileError::Invalid(format!(
                    "events: two events are renamed to {server:?}"
                )));
            }
        }
        crate::dialect::field_paths::FieldMoves::new(&self.fields)
            .map_err(|e| ProfileError::Invalid(e.to_string()))?;
        crate::dialect::rest_paths::RestMoves::new(&self.rest_paths)
            .map_err(|e| ProfileError::Invalid(e.to_string()))?;
        if !(0.0..=1.0).contains(&self.reconnect.jitter) {
            return Err(ProfileError::Invalid(
                "reconnect.jitter must be within 0..=1".into(),
            ));
        }
        Ok(())
    }

    /// The socket settings of this profile.
    pub fn socket_config(&self) -> SocketConfig {
        let mut c = SocketConfig::new(self.socket_url.clone(), self.namespace.clone());
        c.backoff = self.reconnect.clone();
        c.ack_timeout = Duration::from_millis(self.ack_timeout_ms);
        c.connect_timeout = Duration::from_millis(self.connect_timeout_ms);
        c
    }
}

fn check_url(field: &str, raw: &str, allow_plaintext: bool) -> Result<(), ProfileError> {
    let url =
        url::Url::parse(raw).map_err(|e| ProfileError::Invalid(format!("{field} {raw:?}: {e}")))?;
    let plain = match url.scheme() {
        "https" | "wss" => false,
        "http" | "ws" => true,
        other => {
            return Err(ProfileError::Invalid(format!(
                "{field} has unsupported scheme {other:?}"
            )))
        }
    };
    let Some(host) = url.host() else {
        return Err(ProfileError::Invalid(format!(
            "{field} {raw:?} has no host"
        )));
    };
    if plain && !allow_plaintext && !is_loopback(&host) {
        return Err(ProfileError::Insecure(format!(
            "{field} {raw:?} is plain {} to another machine; use https/wss, or set allow_plaintext = true in the profile",
            url.scheme()
        )));
    }
    Ok(())
}

/// This machine: `localhost`, 127.0.0.0/8 or ::1. Names below `localhost`
/// (`evil.localhost`) do not count: resolvers may send them to DNS, and plain text must
/// never leave the machine.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl ServerProfile {
    /// The trusted certificate's PEM bytes, when the profile names one.
    pub fn trusted_certificate_pem(&self) -> Result<Option<Vec<u8>>, ProfileError> {
        match &self.trusted_certificate {
            None => Ok(None),
            Some(path) => std::fs::read(path)
                .map(Some)
                .map_err(|e| ProfileError::Read {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }),
        }
    }
}

#[cfg(test)]
mod tests;
