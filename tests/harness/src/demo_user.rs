//! `parlor demo-user`: the scripted user of the desktop demo. Against an already running
//! reference server it waits for the expert to come online, asks for a text consultation,
//! waits for a person (or a test) to accept it, chats at a human pace where the dialect has
//! messages, waits for the meter, ends and prints the bill. Every step waits for the event
//! that proves it; a step that does not happen fails the run.

use crate::demo::Transcript;
use crate::script::{Actor, StepError};
use parlor_core::model::{Money, RequestOutcome};
use parlor_core::{Capability, DialectId, DomainEvent};
use rust_decimal::Decimal;
use std::time::Duration;

mod request;
mod session;

use request::{request_when_online, start_billing};
use session::{chat, end, wait_for_meter};

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
