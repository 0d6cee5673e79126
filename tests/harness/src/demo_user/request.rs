//! Getting the consultation going: asking for it (retrying while the expert is offline or
//! busy) and, where billing is live (000), starting it after the accept.

use super::{money, Plan};
use crate::demo::Transcript;
use crate::script::{Actor, StepError};
use parlor_core::model::{ConsultationKind, Money};
use parlor_core::{Command, DomainEvent, Error};
use std::time::{Duration, Instant};

/// True when the server refused because the expert is not available yet.
fn expert_unavailable(e: &StepError) -> bool {
    match e {
        StepError::Command {
            error: Error::Rejected { code, message, .. },
            ..
        } => {
            let code = code.as_deref().unwrap_or_default();
            code.contains("OFFLINE")
                || code.contains("BUSY")
                || message.to_ascii_lowercase().contains("offline")
        }
        _ => false,
    }
}

/// Asks for a text consultation, retrying while the expert is offline or busy.
pub(super) async fn request_when_online(
    user: &mut Actor,
    plan: &Plan,
    t: &Transcript,
) -> Result<(String, Option<Money>), StepError> {
    let me = user.name.clone();
    let deadline = Instant::now() + plan.online_timeout;
    let mut said_waiting = false;
    loop {
        let sent = user
            .send(
                "chat request",
                Command::RequestConsultation {
                    expert_id: plan.expert_id.clone(),
                    kind: ConsultationKind::Text,
                    rate_per_minute: None,
                },
            )
            .await;
        match sent {
            Ok(events) => {
                let found = events.iter().find_map(request_sent);
                let (id, rate) = match found {
                    Some(f) => f,
                    None => {
                        user.expect("the request to be sent", 10, request_sent)
                            .await?
                    }
                };
                t.say(
                    &me,
                    format!(
                        "asked {} for a text chat at {}/min (consultation {id})",
                        plan.expert_id,
                        money(&rate)
                    ),
                );
                return Ok((id, rate));
            }
            Err(e) if expert_unavailable(&e) && Instant::now() < deadline => {
                if !said_waiting {
                    t.say(
                        &me,
                        format!("waiting for {} to come online …", plan.expert_id),
                    );
                    said_waiting = true;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn request_sent(e: &DomainEvent) -> Option<(String, Option<Money>)> {
    match e {
        DomainEvent::ConsultationRequestSent {
            consultation_id,
            rate_per_minute,
            ..
        } => Some((consultation_id.clone(), rate_per_minute.clone())),
        _ => None,
    }
}

/// 000: the user starts billing after the accept (the expert's app may have started it first).
pub(super) async fn start_billing(
    user: &mut Actor,
    id: &str,
    rate: &mut Option<Money>,
    t: &Transcript,
) -> Result<(), StepError> {
    let started = user
        .send(
            "start",
            Command::StartConsultation {
                consultation_id: id.to_owned(),
            },
        )
        .await;
    match started {
        Ok(_) => {}
        // Already started by the expert: the chat-started event proves it below.
        Err(StepError::Command {
            error: Error::IllegalState(_),
            ..
        }) => {}
        Err(e) => return Err(e),
    }
    let (started_rate, balance) = user
        .expect("chat-started", 10, |e| match e {
            DomainEvent::ConsultationStarted {
                rate_per_minute,
                balance,
                ..
            } => Some((rate_per_minute.clone(), balance.clone())),
            _ => None,
        })
        .await?;
    if started_rate.is_some() {
        *rate = started_rate;
    }
    t.say(
        &user.name,
        format!("chat started; wallet {}", money(&balance)),
    );
    Ok(())
}
