//! A consultation as callers see it ([`ConsultationView`], its [`MeterReading`] and [`Bill`]),
//! and its state machine: requested → accepted | rejected | expired | cancelled → active ⇄
//! paused → ended (with who ended it and why). Illegal moves are typed errors. Pure values: the
//! service that follows consultations lives in `parlor_core::consultation`.

use super::{ConsultationKind, Money, Party};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who ended a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The paying user.
    User,
    /// The expert.
    Expert,
    /// An administrator.
    Admin,
    /// The server (wallet empty, disconnect timeout).
    System,
}

impl EndedBy {
    /// Reads the many spellings servers use (`astrologer`, `TELECALLER`, …).
    pub fn parse(s: &str) -> Option<EndedBy> {
        match s.to_ascii_lowercase().as_str() {
            "user" | "client" => Some(EndedBy::User),
            "astrologer" | "expert" | "reader" | "telecaller" => Some(EndedBy::Expert),
            "admin" => Some(EndedBy::Admin),
            "system" | "server" => Some(EndedBy::System),
            _ => None,
        }
    }
}

/// Why a consultation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndReason {
    /// One side ended it.
    Ended,
    /// The wallet could not pay for the next minute.
    InsufficientBalance,
    /// A side stayed disconnected too long.
    Disconnect,
    /// An administrator ended it.
    Admin,
}

impl EndReason {
    /// Reads a server's reason text.
    pub fn parse(s: &str) -> EndReason {
        match s.to_ascii_lowercase().as_str() {
            "insufficient_balance" | "wallet" | "low_balance" => EndReason::InsufficientBalance,
            "disconnect" | "disconnected" => EndReason::Disconnect,
            "admin" => EndReason::Admin,
            _ => EndReason::Ended,
        }
    }
}

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConsultationState {
    /// Asked for, not yet answered.
    Requested,
    /// Accepted, not yet started (000 needs `start-chat`).
    Accepted,
    /// Declined by the expert.
    Rejected,
    /// Nobody answered in time.
    Expired,
    /// Withdrawn by the user.
    Cancelled,
    /// Running and billed.
    Active,
    /// Running, billing paused.
    Paused,
    /// Over.
    Ended {
        /// Who ended it, when known.
        by: Option<EndedBy>,
        /// Why.
        reason: EndReason,
    },
}

impl From<super::RequestOutcome> for ConsultationState {
    /// The state an answered request leaves the consultation in.
    fn from(outcome: super::RequestOutcome) -> Self {
        use super::RequestOutcome;
        match outcome {
            RequestOutcome::Accepted => ConsultationState::Accepted,
            RequestOutcome::Rejected => ConsultationState::Rejected,
            RequestOutcome::Expired => ConsultationState::Expired,
            RequestOutcome::Cancelled => ConsultationState::Cancelled,
        }
    }
}

impl ConsultationState {
    /// The state's name (`requested`, `active`, …).
    pub fn name(&self) -> &'static str {
        match self {
            ConsultationState::Requested => "requested",
            ConsultationState::Accepted => "accepted",
            ConsultationState::Rejected => "rejected",
            ConsultationState::Expired => "expired",
            ConsultationState::Cancelled => "cancelled",
            ConsultationState::Active => "active",
            ConsultationState::Paused => "paused",
            ConsultationState::Ended { .. } => "ended",
        }
    }

    /// True when nothing more can happen.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ConsultationState::Rejected
                | ConsultationState::Expired
                | ConsultationState::Cancelled
                | ConsultationState::Ended { .. }
        )
    }

    /// True while the expert is taken (accepted, active or paused).
    pub fn occupies_expert(&self) -> bool {
        matches!(
            self,
            ConsultationState::Accepted | ConsultationState::Active | ConsultationState::Paused
        )
    }

    /// The state after `to`, or why that move is not allowed from here.
    pub fn transition(self, to: ConsultationState) -> Result<ConsultationState, IllegalTransition> {
        use ConsultationState::*;
        let ok = match (self, to) {
            (Requested, Accepted | Rejected | Expired | Cancelled) => true,
            // Some servers start billing on acceptance (001).
            (Requested | Accepted, Active) => true,
            (Accepted, Cancelled | Ended { .. }) => true,
            (Active, Paused) | (Paused, Active) => true,
            (Active | Paused, Ended { .. }) => true,
            _ => false,
        };
        if ok {
            Ok(to)
        } else {
            Err(IllegalTransition {
                from: self.name(),
                to: to.name(),
            })
        }
    }
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a consultation cannot go from {from} to {to}")]
pub struct IllegalTransition {
    /// Current state.
    pub from: &'static str,
    /// Requested state.
    pub to: &'static str,
}

/// Which side of a consultation this client is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The paying user.
    User,
    /// The expert.
    Expert,
}

impl Side {
    /// The name serde gives it (snake case), as stored in the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::User => "user",
            Side::Expert => "expert",
        }
    }
}

/// The bill of an ended consultation, as the server stated it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Bill {
    /// Billed minutes.
    #[schemars(with = "String")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(with = "rust_decimal::serde::str")]
    pub minutes: Decimal,
    /// Price per minute, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_minute: Option<Money>,
    /// Total charged.
    pub total: Money,
    /// Who ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<EndedBy>,
    /// Why.
    pub reason: EndReason,
}

/// A consultation as callers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsultationView {
    /// Room or session id.
    pub id: String,
    /// Our side.
    pub side: Side,
    /// The other party, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart: Option<Party>,
    /// The expert's id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert_id: Option<String>,
    /// Chat, audio or video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ConsultationKind>,
    /// Where it stands.
    pub state: ConsultationState,
    /// Price per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_minute: Option<Money>,
    /// The meter now.
    pub meter: MeterReading,
    /// The bill, once ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill: Option<Bill>,
    /// When it was requested (server time, or local when the server gives none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<String>,
    /// When billing started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
}

/// What the meter shows at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeterReading {
    /// Active (billed) time so far, in milliseconds.
    pub elapsed_ms: u64,
    /// Whole minutes the server has billed.
    #[schemars(with = "String")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(with = "rust_decimal::serde::str")]
    pub billed_minutes: Decimal,
    /// Cost to show now (never below what the server billed).
    pub cost: Money,
    /// The user's wallet as last reported, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<Money>,
    /// Time until the wallet runs out, when rate and balance are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_out_in_ms: Option<u64>,
    /// False while paused or disconnected.
    pub running: bool,
}

#[cfg(test)]
mod tests {
    use super::ConsultationState::*;
    use super::*;

    const ENDED: ConsultationState = Ended {
        by: Some(EndedBy::User),
        reason: EndReason::Ended,
    };

    #[test]
    fn the_happy_path_is_allowed() {
        let s = Requested.transition(Accepted).unwrap();
        let s = s.transition(Active).unwrap();
        let s = s.transition(Paused).unwrap();
        let s = s.transition(Active).unwrap();
        assert_eq!(s.transition(ENDED).unwrap(), ENDED);
        assert!(ENDED.is_terminal());
    }

    #[test]
    fn every_illegal_move_is_a_typed_error() {
        let all = [
            Requested, Accepted, Rejected, Expired, Cancelled, Active, Paused, ENDED,
        ];
        let allowed = |from: ConsultationState, to: ConsultationState| {
            matches!(
                (from, to),
                (
                    Requested,
                    Accepted | Rejected | Expired | Cancelled | Active
                ) | (Accepted, Active | Cancelled | Ended { .. })
                    | (Active, Paused | Ended { .. })
                    | (Paused, Active | Ended { .. })
            )
        };
        for from in all {
            for to in all {
                let r = from.transition(to);
                assert_eq!(r.is_ok(), allowed(from, to), "{from:?} → {to:?}");
                if let Err(e) = r {
                    assert_eq!((e.from, e.to), (from.name(), to.name()));
                }
            }
        }
    }

    #[test]
    fn server_spellings_parse() {
        assert_eq!(EndedBy::parse("astrologer"), Some(EndedBy::Expert));
        assert_eq!(EndedBy::parse("TELECALLER"), Some(EndedBy::Expert));
        assert_eq!(EndedBy::parse("nobody"), None);
        assert_eq!(
            EndReason::parse("insufficient_balance"),
            EndReason::InsufficientBalance
        );
        assert_eq!(EndReason::parse("completed"), EndReason::Ended);
    }
}
