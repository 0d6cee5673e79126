//! Consultations: the product being sold. A state machine per consultation (its values in
//! [`crate::model`]), a live meter reconciled to the server's ticks ([`meter`]), and the [`ConsultationService`]
//! that follows them from the dialects' events, confirms commands, warns before the wallet
//! runs out, and keeps everything in the local cache ([`records`]).

pub mod meter;
pub mod records;
pub mod service;

pub use crate::model::{
    Bill, ConsultationState, ConsultationView, EndReason, EndedBy, IllegalTransition, MeterReading,
    Side,
};
pub use meter::Meter;
pub use service::ConsultationService;
