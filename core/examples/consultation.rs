//! A paid consultation, both sides in one program, on a billing-chat (000) server: a user asks
//! an astrologer for a text chat, the astrologer accepts, the user starts it, the live meter
//! ticks (a reading every second, re-anchored to the server's billed minutes), the user ends
//! it, and both print the bill.
//!
//! ```sh
//! PARLOR_BILLING_MINUTE_MS=1500 node tests/servers/000_billing_chat.js --port 0   # READY <port>
//! PARLOR_BILLING_MINUTE_MS=1500 cargo run -p parlor-core --example consultation -- \
//!     http://127.0.0.1:PORT "$(node tests/servers/000_billing_chat.js --mint u-asha)" \
//!     "$(node tests/servers/000_billing_chat.js --mint a-sharma)"
//! ```
//!
//! `PARLOR_BILLING_MINUTE_MS` is the length of a billed minute, the server's and ours (60000
//! unless set). USER and EXPERT default to the reference server's `u-asha` and `a-sharma`.

use parlor_core::model::{ConsultationKind, Money};
use parlor_core::{
    Command, DialectId, DomainEvent, EventStream, ServerProfile, Session, StaticToken,
};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;

/// How long each step may wait for the server.
const STEP: Duration = Duration::from_secs(10);
/// The meter runs until the server has billed this many minutes.
const MINUTES: u32 = 2;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, user_token, expert_token, rest @ ..] = args.as_slice() else {
        eprintln!("usage: consultation URL USER_TOKEN EXPERT_TOKEN [USER (default u-asha)] [EXPERT (default a-sharma)]");
        std::process::exit(2);
    };
    let user = rest.first().map_or("u-asha", String::as_str);
    let expert = rest.get(1).map_or("a-sharma", String::as_str);
    let minute = std::env::var("PARLOR_BILLING_MINUTE_MS").ok();
    let minute_ms = minute.and_then(|v| v.parse().ok()).unwrap_or(60_000);
    // However the server behaves, the example ends: the minutes, plus room for each step.
    let bound = Duration::from_millis(minute_ms * u64::from(MINUTES + 1)) + 4 * STEP;
    let sides = [(user, user_token.as_str()), (expert, expert_token.as_str())];
    let run = tokio::time::timeout(bound, run(url, sides, minute_ms));
    let result = run
        .await
        .unwrap_or_else(|_| Err("no end in sight: gave up".into()));
    if let Err(e) = result {
        eprintln!("consultation: {e}");
        std::process::exit(1);
    }
}

/// A session for one account; 000 repeats the account's id in its requests.
fn session(url: &str, account: &str, token: &str, minute_ms: u64) -> Result<Session, Failure> {
    let mut profile = ServerProfile::new(DialectId::BillingChat, url);
    profile.account_id = Some(account.to_owned());
    profile.billing_minute_ms = minute_ms;
    Ok(Session::builder(profile, Arc::new(StaticToken::new(token))).build()?)
}

async fn run(url: &str, sides: [(&str, &str); 2], minute_ms: u64) -> Result<(), Failure> {
    let [(user_id, user_token), (expert_id, expert_token)] = sides;
    let user = session(url, user_id, user_token, minute_ms)?;
    let expert = session(url, expert_id, expert_token, minute_ms)?;
    // Subscribed before anything is asked, so no event is missed.
    let (mut user_events, mut expert_events) = (user.client.subscribe(), expert.client.subscribe());
    user.client.wait_connected(STEP).await?;
    expert.client.wait_connected(STEP).await?;

    // The consultation service confirms each command by the event that proves it.
    let sent = user
        .client
        .send(Command::RequestConsultation {
            expert_id: expert_id.to_owned(),
            kind: ConsultationKind::Text,
            rate_per_minute: None,
        })
        .await?;
    let room = sent
        .iter()
        .find_map(|e| match e {
            DomainEvent::ConsultationRequestSent {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .ok_or("the request was not confirmed")?;
    println!("user: asked {expert_id} for a text chat (room {room})");
    let (who, rate) = next(&mut expert_events, |e| match e {
        DomainEvent::ConsultationRequested {
            consultation_id,
            user,
            rate_per_minute,
            ..
        } if *consultation_id == room => Some((
            user.name.clone().unwrap_or_else(|| user.id.clone()),
            rate_per_minute.clone(),
        )),
        _ => None,
    })
    .await?;
    println!(
        "expert: {who} asks for a text chat at {}/min",
        show(rate.as_ref())
    );
    let consultation_id = room.clone();
    expert
        .client
        .send(Command::AnswerConsultation {
            consultation_id,
            accept: true,
        })
        .await?;
    println!("expert: accepted");
    user.client
        .send(Command::StartConsultation {
            consultation_id: room.clone(),
        })
        .await?;
    println!("user: started; the meter runs");

    // The service publishes a reading every second and on each of the server's billed minutes.
    let mut billed = Decimal::ZERO;
    while billed < Decimal::from(MINUTES) {
        let reading = next(&mut user_events, |e| match e {
            DomainEvent::MeterUpdate {
                consultation_id,
                reading,
            } if *consultation_id == room => Some(reading.clone()),
            _ => None,
        })
        .await?;
        billed = reading.billed_minutes;
        println!(
            "meter: {:.1} s active, {billed} min billed, {} so far, wallet {}",
            reading.elapsed_ms as f64 / 1000.0,
            show(Some(&reading.cost)),
            show(reading.balance.as_ref()),
        );
    }

    let end = Command::EndConsultation {
        consultation_id: room.clone(),
        rate_per_minute: None,
        duration_minutes: None,
    };
    user.client.send(end).await?;
    // Each side's service keeps the consultation with the bill the server stated (which counts
    // the started minute whole) and publishes the record on every change; `get`, `list` and
    // `observe` on `session.consultations` read the same records.
    for (side, events) in [("user", &mut user_events), ("expert", &mut expert_events)] {
        let bill = next(events, |e| match e {
            DomainEvent::ConsultationUpdated { consultation } if consultation.id == room => {
                consultation.bill.clone()
            }
            _ => None,
        })
        .await?;
        let by = bill
            .ended_by
            .map_or("?".into(), |b| format!("{b:?}").to_lowercase());
        let (minutes, total) = (bill.minutes, show(Some(&bill.total)));
        let rate = show(bill.rate_per_minute.as_ref());
        println!("{side}: bill {minutes} min x {rate} = {total} (ended by {by})");
    }
    user.client.disconnect().await;
    expert.client.disconnect().await;
    Ok(())
}

/// The next event `pick` accepts, within [`STEP`].
async fn next<T>(
    events: &mut EventStream,
    mut pick: impl FnMut(&DomainEvent) -> Option<T>,
) -> Result<T, Failure> {
    let found = async {
        while let Some(event) = events.recv().await {
            if let Some(found) = pick(&event) {
                return Ok(found);
            }
        }
        Err("the client closed".into())
    };
    let late = |_| Err(format!("nothing expected arrived within {STEP:?}").into());
    tokio::time::timeout(STEP, found).await.unwrap_or_else(late)
}

/// An amount with its unit, or `?` when the server did not say.
fn show(money: Option<&Money>) -> String {
    money.map_or("?".into(), |m| match &m.unit {
        Some(unit) => format!("{} {unit}", m.amount),
        None => m.amount.to_string(),
    })
}
