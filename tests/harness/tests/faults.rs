//! Fault injection through a TCP proxy that cuts the link on a schedule: billing stays
//! honest across cuts (the meter never shows less than the server billed) and the bill is
//! exact once the consultation ends.

use parlor_core::model::ConsultationKind;
use parlor_core::{Command, ConnectionState, DialectId, DomainEvent, ServerProfile};
use parlor_harness::faults::FaultProxy;
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;

async fn party(url: &str, server: &RefServer, name: &str, account: &str, minute_ms: u64) -> Actor {
    let mut p = ServerProfile::new(DialectId::BillingChat, url);
    p.account_id = Some(account.into());
    p.billing_minute_ms = minute_ms;
    // Quick reconnection so several cuts fit in a short test.
    p.reconnect.min_ms = 100;
    p.reconnect.max_ms = 400;
    Actor::connect_profile(name, p, server.mint(account).await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn billing_across_link_cuts_never_shows_less_than_the_server_billed() {
    let minute = 400u64;
    let server = RefServer::start(
        server_file(DialectId::BillingChat),
        &[("PARLOR_BILLING_MINUTE_MS", "400")],
    )
    .await
    .unwrap();
    let proxy = Arc::new(FaultProxy::start(server.port()).await.unwrap());
    let mut expert = party(&server.url(), &server, "Pandit Sharma", "a-sharma", minute).await;
    let mut user = party(&proxy.url(), &server, "Asha Verma", "u-asha", minute).await;

    user.send(
        "request",
        Command::RequestConsultation {
            expert_id: "a-sharma".into(),
            kind: ConsultationKind::Text,
            rate_per_minute: None,
        },
    )
    .await
    .unwrap();
    let id = expert
        .expect("request", 5, |e| match e {
            DomainEvent::ConsultationRequested {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .await
        .unwrap();
    expert
        .send(
            "accept",
            Command::AnswerConsultation {
                consultation_id: id.clone(),
                accept: true,
            },
        )
        .await
        .unwrap();
    user.send(
        "start",
        Command::StartConsultation {
            consultation_id: id.clone(),
        },
    )
    .await
    .unwrap();

    let cutter = proxy.cut_every(Duration::from_millis(1500), 4);
    let rate = Decimal::new(1000, 2);
    let mut server_cost = Decimal::ZERO;
    let (mut readings, mut reconnects) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(7500);
    while tokio::time::Instant::now() < deadline {
        let left = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .as_secs()
            .max(1);
        let Ok(e) = user
            .expect("meter or link events", left, |e| match e {
                DomainEvent::MeterTick { .. }
                | DomainEvent::MeterUpdate { .. }
                | DomainEvent::Connection { .. } => Some(e.clone()),
                _ => None,
            })
            .await
        else {
            break;
        };
        match e {
            DomainEvent::MeterTick { cost, .. } => server_cost = server_cost.max(cost.amount),
            DomainEvent::MeterUpdate { reading, .. } => {
                readings += 1;
                assert!(
                    reading.cost.amount >= server_cost,
                    "meter {} below the server's {server_cost}",
                    reading.cost.amount
                );
                assert!(
                    reading.cost.amount <= server_cost + rate,
                    "meter {} more than a tick ahead of {server_cost}",
                    reading.cost.amount
                );
            }
            DomainEvent::Connection {
                state: ConnectionState::Connected,
            } => reconnects += 1,
            _ => {}
        }
    }
    cutter.await.unwrap();
    assert_eq!(proxy.cuts(), 4);
    assert!(reconnects >= 3, "reconnected after the cuts: {reconnects}");
    assert!(readings >= 4, "{readings}");
    user.client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();

    user.send(
        "end",
        Command::EndConsultation {
            consultation_id: id.clone(),
            rate_per_minute: None,
            duration_minutes: None,
        },
    )
    .await
    .unwrap();
    let bill = |e: &DomainEvent| match e {
        DomainEvent::ConsultationUpdated { consultation } if consultation.bill.is_some() => {
            consultation.bill.clone()
        }
        _ => None,
    };
    let ours = user.expect("the user's bill", 5, bill).await.unwrap();
    let theirs = expert.expect("the expert's bill", 5, bill).await.unwrap();
    assert_eq!(ours.total.amount, ours.minutes * rate, "to the cent");
    assert_eq!(
        (ours.minutes, ours.total.amount),
        (theirs.minutes, theirs.total.amount),
        "both sides agree"
    );
    assert!(
        ours.total.amount >= server_cost,
        "the bill covers what was billed"
    );
}
