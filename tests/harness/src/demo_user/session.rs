//! The consultation itself: the chat at a human pace, the meter's first minute, and the end
//! with its bill.

use super::{secs, Plan};
use crate::demo::Transcript;
use crate::script::{Actor, StepError};
use parlor_core::model::Money;
use parlor_core::{Capability, Command, DomainEvent, Error};
use rust_decimal::Decimal;

/// Joins the conversation and writes `plan.lines`, printing what the expert answers.
pub(super) async fn chat(
    user: &mut Actor,
    plan: &Plan,
    id: &str,
    t: &Transcript,
) -> Result<Vec<String>, StepError> {
    let me = user.name.clone();
    user.send(
        "join",
        Command::JoinConversation {
            conversation_id: id.to_owned(),
        },
    )
    .await?;
    let my_id = user.client.profile().account_id.clone();
    let mut said = Vec::new();
    for line in &plan.lines {
        tokio::time::sleep(plan.pace).await;
        user.send(
            "message",
            Command::SendMessage {
                conversation_id: id.to_owned(),
                client_id: uuid::Uuid::new_v4().to_string(),
                text: Some(line.clone()),
                reply_to: None,
                file_id: None,
            },
        )
        .await?;
        t.say(&me, format!("says: {line}"));
        let reply = user
            .expect("the expert's reply", secs(plan.reply_wait), |e| match e {
                DomainEvent::MessageReceived { message }
                    if message.conversation_id == id
                        && Some(&message.sender.id) != my_id.as_ref() =>
                {
                    message.text.clone()
                }
                _ => None,
            })
            .await;
        match reply {
            Ok(text) => {
                t.say(&plan.expert_id, format!("says: {text}"));
                said.push(text);
            }
            // A person may take longer than the script waits: the chat goes on.
            Err(StepError::Missing { .. }) => {
                t.say("note", "no answer yet; carrying on");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(said)
}

/// Waits for the first billed minute (000 `chat-timer`) or a running meter reading.
pub(super) async fn wait_for_meter(
    user: &mut Actor,
    plan: &Plan,
    id: &str,
    t: &Transcript,
) -> Result<(), StepError> {
    let live_billing = user
        .client
        .capabilities()
        .contains(&Capability::LiveBilling);
    let what = if live_billing {
        "the first billed minute"
    } else {
        "a running meter reading"
    };
    let (minutes, cost) = user
        .expect(what, secs(plan.meter_timeout), |e| match e {
            DomainEvent::MeterTick {
                consultation_id,
                minutes,
                cost,
                ..
            } if live_billing && consultation_id == id && *minutes >= Decimal::ONE => {
                Some((*minutes, cost.amount))
            }
            DomainEvent::MeterUpdate {
                consultation_id,
                reading,
            } if !live_billing && consultation_id == id && reading.running => {
                Some((reading.billed_minutes, reading.cost.amount))
            }
            _ => None,
        })
        .await?;
    t.say("meter", format!("{minutes} min billed, {cost} so far"));
    Ok(())
}

/// Ends the consultation (unless the expert already did) and returns the bill.
pub(super) async fn end(
    user: &mut Actor,
    id: &str,
    rate: &Option<Money>,
    t: &Transcript,
) -> Result<(Option<Decimal>, Option<Money>), StepError> {
    let ended = |e: &DomainEvent| match e {
        DomainEvent::ConsultationEnded {
            consultation_id,
            minutes,
            total,
            ..
        } if consultation_id.as_deref().is_none_or(|c| c == id) => Some((*minutes, total.clone())),
        _ => None,
    };
    let answer = user
        .send(
            "end",
            Command::EndConsultation {
                consultation_id: id.to_owned(),
                rate_per_minute: rate.as_ref().map(|m| m.amount),
                duration_minutes: None,
            },
        )
        .await;
    let events = match answer {
        Ok(events) => {
            t.say(&user.name, "ended the consultation");
            events
        }
        // The expert ended it first: the chat-ended event carries the bill.
        Err(StepError::Command {
            error: Error::IllegalState(_),
            ..
        }) => Vec::new(),
        Err(e) => return Err(e),
    };
    match events.iter().find_map(ended) {
        Some(bill) => Ok(bill),
        None => user.expect("the bill", 10, ended).await,
    }
}
