//! [`ParlorClient`]'s consultations (request, answer, the meter, the bill), the wallet and
//! presence (going online, the list of online experts).

use super::ParlorClient;
use crate::error::{report, ParlorError};
use crate::events::Event;
use crate::listeners::ExpertListListener;
use crate::records::{consultations, experts, Consultation, ConsultationKind, ExpertItem, Money};
use crate::runtime::TaskHandle;
use parlor_core::observe::ListChange;
use parlor_core::Command;
use rust_decimal::Decimal;
use std::sync::Arc;

#[uniffi::export(async_runtime = "tokio")]
impl ParlorClient {
    /// User: ask an expert for a consultation, with the expert's rate where the dialect
    /// wants it sent back (001).
    pub async fn request_consultation(
        &self,
        expert_id: String,
        kind: ConsultationKind,
        rate_per_minute: Option<Decimal>,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::RequestConsultation {
            expert_id,
            kind: kind.into(),
            rate_per_minute,
        })
        .await
    }

    /// Expert: accept or decline a request.
    pub async fn answer_consultation(
        &self,
        consultation_id: String,
        accept: bool,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::AnswerConsultation {
            consultation_id,
            accept,
        })
        .await
    }

    /// Start billing an accepted consultation.
    pub async fn start_consultation(
        &self,
        consultation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::StartConsultation { consultation_id })
            .await
    }

    /// Pause billing.
    pub async fn pause_consultation(
        &self,
        consultation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::PauseConsultation { consultation_id })
            .await
    }

    /// Resume billing.
    pub async fn resume_consultation(
        &self,
        consultation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::ResumeConsultation { consultation_id })
            .await
    }

    /// End a consultation; the bill arrives in `ConsultationEnded` and in
    /// [`Self::consultations`].
    pub async fn end_consultation(
        &self,
        consultation_id: String,
        rate_per_minute: Option<Decimal>,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::EndConsultation {
            consultation_id,
            rate_per_minute,
            duration_minutes: None,
        })
        .await
    }

    /// Every known consultation with its live meter (current first, then history).
    pub fn consultations(&self) -> Vec<Consultation> {
        consultations(&self.consultations.list())
    }

    /// One consultation with its live meter.
    pub fn consultation(&self, consultation_id: String) -> Option<Consultation> {
        self.consultations
            .get(&consultation_id)
            .as_ref()
            .map(Consultation::from)
    }

    /// The wallet as last reported by the server, when known.
    pub fn wallet_balance(&self) -> Option<Money> {
        self.consultations
            .list()
            .iter()
            .find_map(|c| c.meter.balance.as_ref().map(Money::from))
    }

    // ----- presence -----

    /// Expert: go online or offline.
    pub async fn set_presence(&self, online: bool) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::SetPresence { online }).await
    }

    /// The experts online now.
    pub fn experts(&self) -> Vec<ExpertItem> {
        experts(&self.directory.snapshot())
    }

    /// Observes the online experts: the list now, then each change, until `cancel()`.
    pub fn observe_experts(&self, listener: Arc<dyn ExpertListListener>) -> Arc<TaskHandle> {
        // The core keeps the list (snapshot, then changes; a fresh snapshot after a lag).
        let mut list = self.directory.observe(&self.client);
        TaskHandle::spawn(async move {
            report(listener.on_snapshot(experts(&list.take_snapshot())));
            while let Some(change) = list.next_change().await {
                match change {
                    ListChange::Reset(all) => report(listener.on_snapshot(experts(&all))),
                    ListChange::Set(expert) => report(listener.on_update((&expert).into())),
                    ListChange::Remove(id) => report(listener.on_remove(id)),
                    _ => {}
                }
            }
        })
    }
}
