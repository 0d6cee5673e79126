//! The 000 billing chat demo: its story, step by step against the reference server.

use super::*;

/// 000: request → accept → start → billed minutes → pause → resume → end, bill to the cent.
pub(super) async fn billing_chat(t: &Transcript) -> Result<(), StepError> {
    let d = DialectId::BillingChat;
    let server = start(d, &[("PARLOR_BILLING_MINUTE_MS", "1500")], t).await?;
    t.say("note", "a billed minute lasts 1.5 s on this demo server");
    let mut expert =
        actor_with_minute(&server, d, "Pandit Sharma", "a-sharma", "/", 1500, t).await?;
    let mut user = actor_with_minute(&server, d, "Asha Verma", "u-asha", "/", 1500, t).await?;

    user.send(
        "chat request",
        Command::RequestConsultation {
            expert_id: "a-sharma".into(),
            kind: ConsultationKind::Text,
            rate_per_minute: None,
        },
    )
    .await?;
    let room = user
        .expect("the request to be sent", 5, |e| match e {
            DomainEvent::ConsultationRequestSent {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .await?;
    t.say(
        "Asha Verma",
        format!("asked Pandit Sharma for a text chat (room {room})"),
    );
    let (who, rate) = expert
        .expect("the incoming request", 5, |e| match e {
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
    let rate = rate
        .map(|m| m.amount)
        .ok_or_else(|| setup("the request carried no rate"))?;
    t.say(
        "Pandit Sharma",
        format!("incoming text chat from {who} at {rate}/min"),
    );
    expert
        .send(
            "accept",
            Command::AnswerConsultation {
                consultation_id: room.clone(),
                accept: true,
            },
        )
        .await?;
    user.expect("acceptance", 5, |e| {
        matches!(
            e,
            DomainEvent::ConsultationAnswered {
                outcome: RequestOutcome::Accepted,
                ..
            }
        )
        .then_some(())
    })
    .await?;
    t.say("Asha Verma", "the astrologer accepted");
    user.send(
        "start",
        Command::StartConsultation {
            consultation_id: room.clone(),
        },
    )
    .await?;
    let balance = user
        .expect("chat-started", 5, |e| match e {
            DomainEvent::ConsultationStarted { balance, .. } => Some(balance.clone()),
            _ => None,
        })
        .await?;
    t.say(
        "Asha Verma",
        format!(
            "chat started; wallet {}",
            balance
                .map(|b| b.amount.to_string())
                .unwrap_or_else(|| "?".into())
        ),
    );
    let tick = |n: u32| {
        move |e: &DomainEvent| match e {
            DomainEvent::MeterTick { minutes, cost, .. } if *minutes == Decimal::from(n) => {
                Some(cost.amount)
            }
            _ => None,
        }
    };
    let cost = user.expect("minute 1 billed", 5, tick(1)).await?;
    t.say("meter", format!("1 min billed, {cost} so far"));
    user.send(
        "pause",
        Command::PauseConsultation {
            consultation_id: room.clone(),
        },
    )
    .await?;
    expert
        .expect("chat-paused", 5, |e| {
            matches!(e, DomainEvent::ConsultationPaused { .. }).then_some(())
        })
        .await?;
    t.say("Asha Verma", "paused the chat (billing stops)");
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    user.drain();
    user.send(
        "resume",
        Command::ResumeConsultation {
            consultation_id: room.clone(),
        },
    )
    .await?;
    expert
        .expect("chat-resumed", 5, |e| {
            matches!(e, DomainEvent::ConsultationResumed { .. }).then_some(())
        })
        .await?;
    t.say("Asha Verma", "resumed after 2 s");
    let cost = user.expect("minute 2 billed", 5, tick(2)).await?;
    t.say("meter", format!("2 min billed, {cost} so far"));
    let live = user
        .expect("a live meter reading", 5, |e| match e {
            DomainEvent::MeterUpdate { reading, .. }
                if reading.running && reading.billed_minutes == Decimal::from(2) =>
            {
                Some(reading.clone())
            }
            _ => None,
        })
        .await?;
    t.say(
        "meter",
        format!(
            "live: {:.1} billed minutes elapsed, {} shown, wallet runs out in {}",
            live.elapsed_ms as f64 / 1500.0,
            live.cost.amount,
            live.runs_out_in_ms
                .map(|ms| format!("{:.0} billed minutes", ms as f64 / 1500.0))
                .unwrap_or_else(|| "?".into())
        ),
    );
    expert
        .send(
            "end",
            Command::EndConsultation {
                consultation_id: room.clone(),
                rate_per_minute: None,
                duration_minutes: None,
            },
        )
        .await?;
    let (minutes, total, by) = user
        .expect("chat-ended", 5, |e| match e {
            DomainEvent::ConsultationEnded {
                minutes: Some(m),
                total: Some(t),
                ended_by,
                ..
            } => Some((*m, t.amount, ended_by.clone())),
            _ => None,
        })
        .await?;
    if minutes * rate != total {
        return Err(setup(format!(
            "bill mismatch: {minutes} × {rate} ≠ {total}"
        )));
    }
    t.say(
        "bill",
        format!(
            "{minutes} min × {rate} = {total} INR (ended by {})",
            by.unwrap_or_else(|| "?".into())
        ),
    );
    let kept = expert
        .expect("the expert's record", 5, |e| match e {
            DomainEvent::ConsultationUpdated { consultation }
                if consultation.id == room && consultation.bill.is_some() =>
            {
                consultation.bill.clone()
            }
            _ => None,
        })
        .await?;
    t.say(
        "Pandit Sharma",
        format!(
            "earnings record: {} min, {} INR",
            kept.minutes, kept.total.amount
        ),
    );
    Ok(())
}
