//! Profiles, dialects, capabilities and the connection state.

use super::mirror_enum;
use crate::types::{ms, to_ms};
use crate::ParlorError;
use parlor_core::dialect::DialectName;
use parlor_core::ServerProfile;
use parlor_core::{Capability as CoreCapability, ConnectionState as CoreState, DialectId};
use std::time::Duration;

/// The protocol a server speaks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Dialect {
    /// 000: astrologer–user chat billed by the minute.
    BillingChat,
    /// 001: presence, REST sessions, Agora tokens, session chat.
    PresenceSessions,
    /// 002: tarot chat over socket and REST, voice notes.
    TarotChat,
    /// 003: support chat with acknowledgements.
    SupportChat,
    /// 004: telecaller calls on LiveKit.
    Telecaller,
    /// A dialect registered by the app's own Rust code, by its name.
    Other {
        /// Its registered name.
        name: String,
    },
}

impl From<&DialectName> for Dialect {
    fn from(n: &DialectName) -> Self {
        match n.builtin() {
            Some(DialectId::BillingChat) => Dialect::BillingChat,
            Some(DialectId::PresenceSessions) => Dialect::PresenceSessions,
            Some(DialectId::TarotChat) => Dialect::TarotChat,
            Some(DialectId::SupportChat) => Dialect::SupportChat,
            Some(DialectId::Telecaller) => Dialect::Telecaller,
            _ => Dialect::Other {
                name: n.as_str().to_owned(),
            },
        }
    }
}

impl TryFrom<&Dialect> for DialectName {
    type Error = ParlorError;
    fn try_from(d: &Dialect) -> Result<DialectName, ParlorError> {
        Ok(match d {
            Dialect::BillingChat => DialectId::BillingChat.into(),
            Dialect::PresenceSessions => DialectId::PresenceSessions.into(),
            Dialect::TarotChat => DialectId::TarotChat.into(),
            Dialect::SupportChat => DialectId::SupportChat.into(),
            Dialect::Telecaller => DialectId::Telecaller.into(),
            Dialect::Other { name } => DialectName::parse(name).map_err(ParlorError::invalid)?,
        })
    }
}

/// One server and how to talk to it (the core's `ServerProfile`, without the token, which
/// comes from the app's [`crate::SecretStore`]).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Profile {
    /// A name people recognise.
    pub name: String,
    /// The protocol.
    pub dialect: Dialect,
    /// The Socket.IO server's URL.
    pub socket_url: String,
    /// The namespace (`/`; 004: `/user` or `/telecaller`).
    pub namespace: String,
    /// The REST base URL, where the dialect has REST.
    pub rest_url: Option<String>,
    /// This account's server id (also names the local cache).
    pub account_id: Option<String>,
    /// The length of a billed minute (a minute outside tests).
    pub billing_minute: Duration,
}

impl TryFrom<Profile> for ServerProfile {
    type Error = ParlorError;
    fn try_from(p: Profile) -> Result<ServerProfile, Self::Error> {
        let mut s = ServerProfile::new(DialectName::try_from(&p.dialect)?, p.socket_url);
        s.name = p.name;
        s.namespace = p.namespace;
        s.rest_url = p.rest_url;
        s.account_id = p.account_id;
        s.billing_minute_ms = to_ms(p.billing_minute);
        s.validate().map_err(ParlorError::invalid)?;
        Ok(s)
    }
}

impl From<&ServerProfile> for Profile {
    fn from(s: &ServerProfile) -> Profile {
        Profile {
            name: s.name.clone(),
            dialect: Dialect::from(&s.dialect),
            socket_url: s.socket_url.clone(),
            namespace: s.namespace.clone(),
            rest_url: s.rest_url.clone(),
            account_id: s.account_id.clone(),
            billing_minute: ms(s.billing_minute_ms),
        }
    }
}

/// A profile with the core's defaults for `dialect` at `socket_url`.
#[uniffi::export]
pub fn profile_new(dialect: Dialect, socket_url: String) -> Result<Profile, ParlorError> {
    Ok(Profile::from(&ServerProfile::new(
        DialectName::try_from(&dialect)?,
        socket_url,
    )))
}

/// A profile from the core's TOML format (its `[token]` table is ignored: tokens come from
/// the secret store).
#[uniffi::export]
pub fn profile_from_toml(toml: String) -> Result<Profile, ParlorError> {
    let s = ServerProfile::from_toml(&toml).map_err(ParlorError::invalid)?;
    Ok(Profile::from(&s))
}

/// Where the connection stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionState {
    /// Opening the first connection (`attempt` 1 for the first try).
    Connecting {
        /// 1 for the first try.
        attempt: u32,
    },
    /// Connected: commands go out.
    Connected,
    /// The link dropped; the next try starts after `delay`.
    Reconnecting {
        /// Failed tries in a row.
        attempt: u32,
        /// The wait before the next try.
        delay: Duration,
        /// Why the link dropped.
        reason: String,
    },
    /// Stopped for good (asked to, or out of tries).
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The server refused the token; the secret store is asked again with backoff.
    AuthFailed {
        /// The server's message.
        message: String,
    },
}

impl From<&CoreState> for ConnectionState {
    fn from(s: &CoreState) -> Self {
        match s {
            CoreState::Connecting { attempt } => ConnectionState::Connecting { attempt: *attempt },
            CoreState::Connected => ConnectionState::Connected,
            CoreState::Reconnecting {
                attempt,
                delay_ms,
                reason,
            } => ConnectionState::Reconnecting {
                attempt: *attempt,
                delay: ms(*delay_ms),
                reason: reason.clone(),
            },
            CoreState::AuthFailed { message } => ConnectionState::AuthFailed {
                message: message.clone(),
            },
            CoreState::Disconnected { reason } => ConnectionState::Disconnected {
                reason: reason.clone(),
            },
            other => ConnectionState::Disconnected {
                reason: format!("{other:?}"),
            },
        }
    }
}

mirror_enum! {
    /// What a server can do.
    pub enum Capability from CoreCapability {
        /// Request, answer, start and end consultations.
        Consultations,
        /// The server's per-minute meter, pause and resume.
        LiveBilling,
        /// Admin monitoring of consultations.
        AdminMonitor,
        /// Expert presence.
        Presence,
        /// Chat messages.
        Messaging,
        /// History fetched from the server.
        History,
        /// Typing indicators.
        Typing,
        /// Read receipts.
        ReadReceipts,
        /// Reactions.
        Reactions,
        /// Replies to messages.
        Replies,
        /// Who is in a conversation now.
        ActiveUsers,
        /// Conversation status changes.
        ConversationStatus,
        /// Voice notes.
        VoiceNotes,
        /// Call signalling.
        Calls,
        /// Agora tokens.
        Agora,
    } else Messaging
}
