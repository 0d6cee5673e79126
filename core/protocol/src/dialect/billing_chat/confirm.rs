//! What proves each 000 command. The document gives no acks: a command is proven by the event
//! the server broadcasts for it (`chat-started` for `start-chat`, …) and refuted by
//! `chat-error` or `wallet-error`. 000 events carry no request id, so a proof is matched by
//! room id where the event names one.

use crate::command::Command;
use crate::dialect::{EventProof, Refusal, Verdict};
use crate::event::DomainEvent;
use crate::model::RequestOutcome;
use std::time::Duration;

/// After an accepted answer, how long to listen for the `chat-error` that says another device
/// answered first (000 has no request ids to tell the two apart).
const RACE_SETTLE: Duration = Duration::from_millis(250);

fn chat_error(e: &DomainEvent) -> Option<Refusal> {
    match e {
        DomainEvent::ServerError {
            code,
            message,
            source,
        } if source == "chat-error" => Some(Refusal {
            code: code.clone(),
            message: message.clone(),
        }),
        _ => None,
    }
}

fn wallet_error(e: &DomainEvent) -> Option<Refusal> {
    match e {
        DomainEvent::WalletError { message, .. } => Some(Refusal {
            code: Some("INSUFFICIENT_BALANCE".into()),
            message: message.clone(),
        }),
        _ => None,
    }
}

fn refuted(refusal: Option<Refusal>) -> Verdict {
    refusal.map(Err)
}

/// An event that names no room may be about ours; one that names another room is not.
fn same(want: &str, got: &Option<String>) -> bool {
    got.as_deref().is_none_or(|g| g == want)
}

/// The proof of `cmd`, for the consultation commands (the others are settled by the send).
pub(super) fn event_proof(cmd: &Command) -> Option<EventProof> {
    Some(match cmd {
        Command::RequestConsultation { .. } => EventProof::new(|e| match e {
            DomainEvent::ConsultationRequestSent { .. } => Some(Ok(())),
            DomainEvent::ConsultationRequestFailed { code, message } => Some(Err(Refusal {
                code: code.clone(),
                message: message.clone(),
            })),
            other => refuted(wallet_error(other)),
        }),
        Command::AnswerConsultation {
            consultation_id, ..
        } => {
            let id = consultation_id.clone();
            EventProof {
                judge: Box::new(move |e| match e {
                    DomainEvent::ConsultationAnswered {
                        consultation_id,
                        outcome: RequestOutcome::Accepted | RequestOutcome::Rejected,
                        ..
                    } if *consultation_id == id => Some(Ok(())),
                    other => refuted(chat_error(other)),
                }),
                settle: RACE_SETTLE,
                late_refusal: chat_error,
            }
        }
        Command::CancelConsultationRequest { consultation_id } => {
            let id = consultation_id.clone();
            EventProof::new(move |e| match e {
                DomainEvent::ConsultationAnswered {
                    consultation_id,
                    outcome: RequestOutcome::Cancelled,
                    ..
                } if *consultation_id == id => Some(Ok(())),
                // The cancel is an `end-chat`, whose only documented answer is `chat-ended`
                // (a `chat-status cancelled` is our reference server's extension).
                DomainEvent::ConsultationEnded {
                    consultation_id, ..
                } if same(&id, consultation_id) => Some(Ok(())),
                other => refuted(chat_error(other)),
            })
        }
        Command::StartConsultation { consultation_id } => {
            let id = consultation_id.clone();
            EventProof::new(move |e| match e {
                DomainEvent::ConsultationStarted {
                    consultation_id, ..
                } if same(&id, consultation_id) => Some(Ok(())),
                other => refuted(chat_error(other).or_else(|| wallet_error(other))),
            })
        }
        Command::PauseConsultation { consultation_id } => {
            let id = consultation_id.clone();
            EventProof::new(move |e| match e {
                DomainEvent::ConsultationPaused {
                    consultation_id, ..
                } if same(&id, consultation_id) => Some(Ok(())),
                other => refuted(chat_error(other)),
            })
        }
        Command::ResumeConsultation { consultation_id } => {
            let id = consultation_id.clone();
            EventProof::new(move |e| match e {
                DomainEvent::ConsultationResumed {
                    consultation_id, ..
                } if same(&id, consultation_id) => Some(Ok(())),
                other => refuted(chat_error(other)),
            })
        }
        Command::EndConsultation {
            consultation_id, ..
        } => {
            let id = consultation_id.clone();
            EventProof::new(move |e| match e {
                DomainEvent::ConsultationEnded {
                    consultation_id, ..
                } if same(&id, consultation_id) => Some(Ok(())),
                DomainEvent::ConsultationAnswered {
                    consultation_id,
                    outcome: RequestOutcome::Cancelled,
                    ..
                } if *consultation_id == id => Some(Ok(())),
                other => refuted(chat_error(other)),
            })
        }
        _ => return None,
    })
}
