//! `parlor demo-user`: the scripted user of the desktop demo. Against an already running
//! reference server it waits for the expert to come online, asks for a text consultation,
//! waits for a person (or a test) to accept it, chats at a human pace where the dialect has
//! messages, waits for the meter, ends and prints the bill. Every step waits for the event
//! that proves it; a step that does not happen fails the run.

use crate::demo::Transcript;
use crate::script::{Actor, StepError};
use parlor_core::model::{ConsultationKind, Money, RequestOutcome};
use parlor_core::{Capability, Command, DialectId, DomainEvent, Error};
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

/// What the scripted user does and how patient it is.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The expert's account id on the server.
    pub expert_id: String,
    /// What the user writes, one message each (dialects with messages only).
    pub lines: Vec<String>,
    /// Pause before each message, as a person typing.
    pub pace: Duration,
    /// How long to wait for the expert's answer after each message.
    pub reply_wait: Duration,
    /// How long to wait for the expert to come online.
    pub online_timeout: Duration,
    /// How long to wait for the expert to accept.
    pub answer_timeout: Duration,
    /// How long to wait for the meter's first billed minute (000) or reading (others).
    pub meter_timeout: Duration,
}

impl Plan {
    /// The demo's defaults for `expert_id`: a short, friendly consultation.
    pub fn new(expert_id: impl Into<String>) -> Self {
        Plan {
            expert_id: expert_id.into(),
            lines: vec![
                "Namaste! Will my new business grow this year?".into(),
                "And is June a good month to sign the lease?".into(),
                "Thank you, that helps a lot.".into(),
            ],
            pace: Duration::from_millis(2500),
            reply_wait: Duration::from_secs(20),
            online_timeout: Duration::from_secs(300),
            answer_timeout: Duration::from_secs(300),
            meter_timeout: Duration::from_secs(90),
        }
    }
}

/// What the consultation came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Room or session id.
    pub consultation_id: String,
    /// What the expert wrote, in order.
    pub expert_said: Vec<String>,
    /// Billed minutes, when the server says.
    pub minutes: Option<Decimal>,
    /// Total charged, when the server says.
    pub total: Option<Money>,
    /// Price per minute, when the server says.
    pub rate: Option<Money>,
}

/// Default seeded accounts of a dialect's reference server: (user, expert).
pub fn default_accounts(d: DialectId) -> Option<(&'static str, &'static str)> {
    match d {
        DialectId::BillingChat => Some(("u-asha", "a-sharma")),
        DialectId::PresenceSessions => Some(("user_asha", "astro_sharma")),
        _ => None,
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs().max(1)
}

fn money(m: &Option<Money>) -> String {
    m.as_ref()
        .map(|m| m.amount.to_string())
        .unwrap_or_else(|| "?".into())
}

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

/// Plays the user's part with `user` (connected, consultation service attached).
pub async fn run(user: &mut Actor, plan: &Plan, t: &Transcript) -> Result<Outcome, StepError> {
    let me = user.name.clone();
    let expert = plan.expert_id.clone();
    let (id, mut rate) = request_when_online(user, plan, t).await?;

    t.say(&me, "waiting for the expert to accept …");
    let outcome = user
        .expect(
            "the expert's answer",
            secs(plan.answer_timeout),
            |e| match e {
                DomainEvent::ConsultationAnswered {
                    consultation_id,
                    outcome,
                    ..
                } if *consultation_id == id => Some(*outcome),
                _ => None,
            },
        )
        .await?;
    if outcome != RequestOutcome::Accepted {
        return Err(StepError::Setup(format!(
            "{expert} did not accept the request: {outcome:?}"
        )));
    }
    t.say(&me, format!("{expert} accepted"));

    if user
        .client
        .capabilities()
        .contains(&Capability::LiveBilling)
    {
        start_billing(user, &id, &mut rate, t).await?;
    }

    let expert_said = if user.client.capabilities().contains(&Capability::Messaging) {
        chat(user, plan, &id, t).await?
    } else {
        t.say("note", "this dialect has no chat messages: billing only");
        Vec::new()
    };

    wait_for_meter(user, plan, &id, t).await?;

    let (minutes, total) = end(user, &id, &rate, t).await?;
    t.say(
        "bill",
        format!(
            "{} min × {} = {} (consultation {id})",
            minutes.map(|m| m.to_string()).unwrap_or_else(|| "?".into()),
            money(&rate),
            money(&total)
        ),
    );
    Ok(Outcome {
        consultation_id: id,
        expert_said,
        minutes,
        total,
        rate,
    })
}

/// Asks for a text consultation, retrying while the expert is offline or busy.
async fn request_when_online(
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
async fn start_billing(
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

/// Joins the conversation and writes `plan.lines`, printing what the expert answers.
async fn chat(
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
async fn wait_for_meter(
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
async fn end(
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
