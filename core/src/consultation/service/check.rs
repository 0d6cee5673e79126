//! Commands checked against the state machine before anything is sent.

use super::*;

impl ConsultationService {
    /// Checks `cmd` against the state machine (nothing is sent when it is illegal).
    pub(super) fn check(&self, cmd: &Command) -> Result<(), Error> {
        let (id, to) = match cmd {
            Command::AnswerConsultation {
                consultation_id,
                accept,
            } => (
                consultation_id,
                if *accept {
                    ConsultationState::Accepted
                } else {
                    ConsultationState::Rejected
                },
            ),
            Command::CancelConsultationRequest { consultation_id } => {
                (consultation_id, ConsultationState::Cancelled)
            }
            Command::StartConsultation { consultation_id } => {
                (consultation_id, ConsultationState::Active)
            }
            Command::PauseConsultation { consultation_id } => {
                (consultation_id, ConsultationState::Paused)
            }
            Command::ResumeConsultation { consultation_id } => {
                (consultation_id, ConsultationState::Active)
            }
            Command::EndConsultation {
                consultation_id, ..
            } => (
                consultation_id,
                ConsultationState::Ended {
                    by: None,
                    reason: EndReason::Ended,
                },
            ),
            _ => return Ok(()),
        };
        let t = self.tracker();
        let Some(r) = t.records.get(id) else {
            // Unknown here (another device, an earlier run): the server decides.
            return Ok(());
        };
        let from = r.view.state;
        // Starting an accepted consultation must come from Accepted (some servers start on accept).
        let start_ok = !matches!(cmd, Command::StartConsultation { .. })
            || from == ConsultationState::Accepted;
        match from.transition(to) {
            Ok(_) if start_ok => Ok(()),
            Ok(_) => Err(Error::IllegalState(format!(
                "consultation {id} is {}; only an accepted one can be started",
                from.name()
            ))),
            Err(e) => Err(Error::IllegalState(format!("consultation {id}: {e}"))),
        }
    }
}
