//! The built-in dialects by name: `DialectId`, its names and seeds, and how a name is read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The protocols Parlor speaks, one per seed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum DialectId {
    /// 000: astrologer–user chat with per-minute billing.
    BillingChat,
    /// 001: presence, REST sessions, Agora tokens, session chat.
    PresenceSessions,
    /// 002: SAMIA tarot chat, socket plus REST, voice notes.
    TarotChat,
    /// 003: support chat gateway with acks.
    SupportChat,
    /// 004: telecaller calls with LiveKit.
    Telecaller,
}

impl DialectId {
    /// All dialects, in seed order.
    pub const ALL: [DialectId; 5] = [
        DialectId::BillingChat,
        DialectId::PresenceSessions,
        DialectId::TarotChat,
        DialectId::SupportChat,
        DialectId::Telecaller,
    ];

    /// The canonical name (`billing-chat`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DialectId::BillingChat => "billing-chat",
            DialectId::PresenceSessions => "presence-sessions",
            DialectId::TarotChat => "tarot-chat",
            DialectId::SupportChat => "support-chat",
            DialectId::Telecaller => "telecaller",
        }
    }

    /// The seed document number (`000` … `004`).
    pub fn seed(self) -> &'static str {
        self.setup().seed
    }
}

impl fmt::Display for DialectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dialect name that is not one of ours.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("unknown dialect {0:?}: expected one of billing-chat (000), presence-sessions (001), tarot-chat (002), support-chat (003), telecaller (004)")]
pub struct UnknownDialect(pub String);

impl FromStr for DialectId {
    type Err = UnknownDialect;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        DialectId::ALL
            .into_iter()
            .find(|d| {
                d.as_str() == norm
                    || d.seed() == norm
                    || norm.trim_start_matches('0') == d.seed().trim_start_matches('0')
                        && !norm.is_empty()
                        && norm.chars().all(|c| c.is_ascii_digit())
            })
            .ok_or_else(|| UnknownDialect(s.to_owned()))
    }
}
