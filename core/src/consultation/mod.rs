//! Consultations: the product being sold. A state machine per consultation (its values in
//! [`crate::model`]), a live meter reconciled to the server's ticks ([`meter`]), and the [`ConsultationService`]
//! that follows them from the dialects' events, confirms commands, warns before the wallet
//! runs out, and keeps everything in the local cache ([`records`]).
//!
//! A user's side: ask, start once accepted, watch the meter, read the bill.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use parlor_core::model::{ConsultationKind, RequestOutcome};
//! use parlor_core::{Command, DialectId, DomainEvent, ServerProfile, Session, StaticToken};
//! use std::sync::Arc;
//! let mut profile = ServerProfile::new(DialectId::BillingChat, "https://chat.example.com");
//! profile.account_id = Some("u-asha".into());
//! let session = Session::builder(profile, Arc::new(StaticToken::new("jwt"))).build()?;
//! let mut events = session.client.subscribe();
//! let asked = Command::RequestConsultation {
//!     expert_id: "a-sharma".into(),
//!     kind: ConsultationKind::Text,
//!     rate_per_minute: None,
//! };
//! session.client.send(asked).await?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         DomainEvent::ConsultationAnswered {
//!             consultation_id,
//!             outcome: RequestOutcome::Accepted,
//!             ..
//!         } => {
//!             session.client.send(Command::StartConsultation { consultation_id }).await?;
//!         }
//!         DomainEvent::MeterUpdate { reading, .. } => {
//!             println!("{} min billed, {} so far", reading.billed_minutes, reading.cost.amount);
//!         }
//!         DomainEvent::ConsultationUpdated { consultation } => {
//!             if let Some(bill) = &consultation.bill {
//!                 println!("bill: {} min, {}", bill.minutes, bill.total.amount);
//!                 break;
//!             }
//!         }
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```

pub mod meter;
pub mod records;
pub mod service;

pub use crate::model::{
    Bill, ConsultationState, ConsultationView, EndReason, EndedBy, IllegalTransition, MeterReading,
    Side,
};
pub use meter::Meter;
pub use service::ConsultationService;
