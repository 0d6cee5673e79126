//! Consultations: their kind, state, live meter and bill.

use super::{mirror_enum, money, Money, Party};
use crate::types::ms;
use parlor_core::consultation::ConsultationView;
use parlor_core::model::{
    Bill as CoreBill, ConsultationKind as CoreKind, ConsultationState as CoreState,
    ConsultationSummary as CoreSummary, EndReason as CoreEndReason, EndedBy as CoreEndedBy,
    MeterReading, RequestOutcome as CoreOutcome, Side as CoreSide,
};
use rust_decimal::Decimal;
use std::time::Duration;

mirror_enum! {
    /// Chat, audio or video consultation.
    pub enum ConsultationKind from CoreKind {
        /// Chat.
        Text,
        /// A voice call.
        Audio,
        /// A video call.
        Video,
    } else Text
}

impl From<ConsultationKind> for CoreKind {
    fn from(k: ConsultationKind) -> Self {
        match k {
            ConsultationKind::Text => CoreKind::Text,
            ConsultationKind::Audio => CoreKind::Audio,
            ConsultationKind::Video => CoreKind::Video,
        }
    }
}

mirror_enum! {
    /// Which side of a consultation this client is on.
    pub enum Side from CoreSide {
        /// The paying user.
        User,
        /// The expert.
        Expert,
    } else User
}

mirror_enum! {
    /// How a request was answered, or why it never was.
    pub enum RequestOutcome from CoreOutcome {
        /// The expert accepted.
        Accepted,
        /// The expert declined.
        Rejected,
        /// Nobody answered in time.
        Expired,
        /// The user withdrew it.
        Cancelled,
    } else Rejected
}

mirror_enum! {
    /// Who ended a consultation.
    pub enum EndedBy from CoreEndedBy {
        /// The paying user.
        User,
        /// The expert.
        Expert,
        /// An administrator.
        Admin,
        /// The server (wallet empty, disconnect timeout).
        System,
    } else System
}

mirror_enum! {
    /// Why a consultation ended.
    pub enum EndReason from CoreEndReason {
        /// One side ended it.
        Ended,
        /// The wallet could not pay for the next minute.
        InsufficientBalance,
        /// A side stayed disconnected too long.
        Disconnect,
        /// An administrator ended it.
        Admin,
    } else Ended
}

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsultationState {
    /// Asked for, not answered yet.
    Requested,
    /// Accepted, not started.
    Accepted,
    /// Declined.
    Rejected,
    /// Nobody answered in time.
    Expired,
    /// Withdrawn.
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

impl From<&CoreState> for ConsultationState {
    fn from(s: &CoreState) -> Self {
        match s {
            CoreState::Requested => Self::Requested,
            CoreState::Accepted => Self::Accepted,
            CoreState::Rejected => Self::Rejected,
            CoreState::Expired => Self::Expired,
            CoreState::Cancelled => Self::Cancelled,
            CoreState::Active => Self::Active,
            CoreState::Paused => Self::Paused,
            CoreState::Ended { by, reason } => Self::Ended {
                by: by.map(EndedBy::from),
                reason: (*reason).into(),
            },
            _ => Self::Ended {
                by: None,
                reason: EndReason::Ended,
            },
        }
    }
}

/// The live meter of a consultation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Meter {
    /// Time billed so far.
    pub elapsed: Duration,
    /// Minutes the server has billed (each started minute is billed whole).
    pub billed_minutes: Decimal,
    /// What those minutes cost.
    pub cost: Money,
    /// The wallet as last reported.
    pub balance: Option<Money>,
    /// When the wallet runs out at this rate, if known.
    pub runs_out_in: Option<Duration>,
    /// Whether the meter is running (not paused or ended).
    pub running: bool,
}

impl From<&MeterReading> for Meter {
    fn from(m: &MeterReading) -> Self {
        Meter {
            elapsed: ms(m.elapsed_ms),
            billed_minutes: m.billed_minutes,
            cost: (&m.cost).into(),
            balance: money(&m.balance),
            runs_out_in: m.runs_out_in_ms.map(ms),
            running: m.running,
        }
    }
}

/// The bill of an ended consultation, as the server stated it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bill {
    /// Billed minutes.
    pub minutes: Decimal,
    /// The price of a minute, when known.
    pub rate_per_minute: Option<Money>,
    /// The total charged.
    pub total: Money,
    /// Who ended it.
    pub ended_by: Option<EndedBy>,
    /// Why.
    pub reason: EndReason,
}

impl From<&CoreBill> for Bill {
    fn from(b: &CoreBill) -> Self {
        Bill {
            minutes: b.minutes,
            rate_per_minute: money(&b.rate_per_minute),
            total: (&b.total).into(),
            ended_by: b.ended_by.map(EndedBy::from),
            reason: b.reason.into(),
        }
    }
}

/// A consultation as the consultation service sees it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Consultation {
    /// The consultation's id (the server's).
    pub id: String,
    /// This client's side.
    pub side: Side,
    /// The other party, when known.
    pub counterpart: Option<Party>,
    /// The expert's id.
    pub expert_id: Option<String>,
    /// Chat, audio or video.
    pub kind: Option<ConsultationKind>,
    /// Where it stands.
    pub state: ConsultationState,
    /// The price of a minute.
    pub rate_per_minute: Option<Money>,
    /// The live meter.
    pub meter: Meter,
    /// The bill, once ended.
    pub bill: Option<Bill>,
    /// When it was requested, as the server wrote it (or our clock when it gave none).
    pub requested_at: Option<String>,
    /// When billing started, as the server wrote it.
    pub started_at: Option<String>,
    /// When it ended, as the server wrote it.
    pub ended_at: Option<String>,
}

impl From<&ConsultationView> for Consultation {
    fn from(v: &ConsultationView) -> Self {
        Consultation {
            id: v.id.clone(),
            side: v.side.into(),
            counterpart: v.counterpart.as_ref().map(Party::from),
            expert_id: v.expert_id.clone(),
            kind: v.kind.map(ConsultationKind::from),
            state: (&v.state).into(),
            rate_per_minute: money(&v.rate_per_minute),
            meter: (&v.meter).into(),
            bill: v.bill.as_ref().map(Bill::from),
            requested_at: v.requested_at.clone(),
            started_at: v.started_at.clone(),
            ended_at: v.ended_at.clone(),
        }
    }
}

pub(crate) fn consultations(list: &[ConsultationView]) -> Vec<Consultation> {
    list.iter().map(Consultation::from).collect()
}

/// One consultation as an admin view lists it (000 `admin-monitor`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsultationSummary {
    /// The room's or session's id.
    pub consultation_id: String,
    /// The paying user.
    pub user_id: Option<String>,
    /// The expert.
    pub expert_id: Option<String>,
    /// The state as the server spells it.
    pub status: Option<String>,
    /// Billed minutes.
    pub minutes: Option<Decimal>,
    /// The cost so far.
    pub cost: Option<Money>,
}

impl From<&CoreSummary> for ConsultationSummary {
    fn from(s: &CoreSummary) -> Self {
        ConsultationSummary {
            consultation_id: s.consultation_id.clone(),
            user_id: s.user_id.clone(),
            expert_id: s.expert_id.clone(),
            status: s.status.clone(),
            minutes: s.minutes,
            cost: money(&s.cost),
        }
    }
}
