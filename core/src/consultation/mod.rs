//! Consultations: the product being sold. A state machine per consultation ([`state`]), a
//! live meter reconciled to the server's ticks ([`meter`]), and the [`ConsultationService`]
//! that follows them from the dialects' events, confirms commands, warns before the wallet
//! runs out, and keeps everything in the local cache ([`records`]).

pub mod meter;
pub mod records;
pub mod service;
pub mod state;

pub use meter::{Meter, MeterReading};
pub use service::ConsultationService;
pub use state::{ConsultationState, EndReason, EndedBy, IllegalTransition};

use crate::model::{ConsultationKind, Money, Party};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
