use super::*;
use crate::dialect::DialectId;
use crate::model::{ConsultationKind, Party, RequestOutcome};
use crate::token::StaticToken;
use crate::ServerProfile;
use rust_decimal::Decimal;
use std::str::FromStr;

fn offline_client(d: DialectId) -> Client {
    Client::connect(
        ServerProfile::new(d, "http://127.0.0.1:9"),
        Arc::new(StaticToken::new("t")),
    )
    .unwrap()
}

/// A user-side service whose consultation "r" has been requested, accepted and started.
fn running_user_consultation() -> (Client, Arc<ConsultationService>) {
    running_user_consultation_in(None)
}

fn running_user_consultation_in(store: Option<Store>) -> (Client, Arc<ConsultationService>) {
    let client = offline_client(DialectId::BillingChat);
    let s = ConsultationService::attach(&client, store, 60_000);
    s.apply(&DomainEvent::Connection {
        state: ConnectionState::Connected,
    });
    s.apply(&DomainEvent::ConsultationRequestSent {
        kind: None,
        consultation_id: "r".into(),
        expert_id: None,
        rate_per_minute: None,
        expires_at: None,
    });
    s.apply(&DomainEvent::ConsultationAnswered {
        consultation_id: "r".into(),
        outcome: RequestOutcome::Accepted,
        message: None,
        channel: None,
    });
    s.apply(&DomainEvent::ConsultationStarted {
        consultation_id: None,
        started_at: None,
        rate_per_minute: None,
        balance: None,
    });
    (client, s)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[tokio::test]
async fn follows_a_consultation_from_request_to_bill_and_keeps_it() {
    let dir = std::env::temp_dir().join(format!("parlor-consult-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let client = offline_client(DialectId::BillingChat);
    let s = ConsultationService::attach(&client, Some(store.clone()), 60_000);
    s.apply(&DomainEvent::Connection {
        state: ConnectionState::Connected,
    });
    let rate = Money::with_unit(dec("10.00"), "INR");
    s.apply(&DomainEvent::ConsultationRequested {
        consultation_id: "r1".into(),
        user: Party {
            id: "u".into(),
            name: Some("Asha".into()),
            ..Party::default()
        },
        kind: ConsultationKind::Text,
        rate_per_minute: Some(rate.clone()),
        expires_at: None,
    });
    let derived = s.apply(&DomainEvent::ConsultationAnswered {
        consultation_id: "r1".into(),
        outcome: RequestOutcome::Accepted,
        message: None,
        channel: None,
    });
    assert!(derived.contains(&DomainEvent::ExpertBusy { busy: true }));
    s.apply(&DomainEvent::ConsultationStarted {
        consultation_id: Some("r1".into()),
        started_at: None,
        rate_per_minute: None,
        balance: None,
    });
    assert_eq!(s.get("r1").unwrap().state, ConsultationState::Active);
    s.apply(&DomainEvent::ConsultationPaused {
        consultation_id: None,
        by: None,
    });
    assert_eq!(s.get("r1").unwrap().state, ConsultationState::Paused);
    assert!(!s.get("r1").unwrap().meter.running);
    s.apply(&DomainEvent::ConsultationResumed {
        consultation_id: None,
        by: None,
    });
    s.apply(&DomainEvent::MeterTick {
        consultation_id: "r1".into(),
        minutes: dec("2"),
        cost: Money::new(dec("20.00")),
        balance: None,
        state: None,
    });
    s.apply(&DomainEvent::ConsultationEnded {
        consultation_id: None,
        minutes: Some(dec("3")),
        total: Some(Money::new(dec("30.00"))),
        ended_by: Some("user".into()),
        reason: None,
        balance: None,
    });
    let v = s.get("r1").unwrap();
    assert_eq!(
        v.state,
        ConsultationState::Ended {
            by: Some(EndedBy::User),
            reason: EndReason::Ended
        }
    );
    let bill = v.bill.unwrap();
    assert_eq!(
        (
            bill.minutes,
            bill.total.amount,
            bill.rate_per_minute.unwrap().amount
        ),
        (dec("3"), dec("30.00"), dec("10.00"))
    );
    // Kept in the cache, and found again by a new service (a restarted app).
    let again =
        ConsultationService::attach(&offline_client(DialectId::BillingChat), Some(store), 60_000);
    assert_eq!(
        again.get("r1").unwrap().bill.unwrap().total.amount,
        dec("30.00")
    );
}

#[tokio::test]
async fn illegal_commands_fail_before_anything_is_sent() {
    let client = offline_client(DialectId::BillingChat);
    let s = ConsultationService::attach(&client, None, 60_000);
    s.apply(&DomainEvent::ConsultationRequestSent {
        kind: None,
        consultation_id: "r".into(),
        expert_id: None,
        rate_per_minute: None,
        expires_at: None,
    });
    let err = client
        .send(Command::PauseConsultation {
            consultation_id: "r".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::IllegalState(
            "consultation r: a consultation cannot go from requested to paused".into()
        )
    );
    let err = client
        .send(Command::StartConsultation {
            consultation_id: "r".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "illegal_state");
    // Legal, so it is sent — and fails only because this client is offline.
    let err = client
        .send(Command::CancelConsultationRequest {
            consultation_id: "r".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_connected");
}

#[tokio::test]
async fn a_wallet_error_ends_the_meter_with_the_required_balance() {
    let (_client, s) = running_user_consultation();
    let derived = s.apply(&DomainEvent::WalletError {
        message: "Insufficient wallet balance to continue the chat.".into(),
        required_balance: Some(Money::new(dec("10.00"))),
    });
    assert!(derived.iter().any(|e| matches!(e, DomainEvent::MeterStopped { reason: EndReason::InsufficientBalance, required_balance: Some(m), .. } if m.amount == dec("10.00"))));
    assert_eq!(
        s.get("r").unwrap().state,
        ConsultationState::Ended {
            by: Some(EndedBy::System),
            reason: EndReason::InsufficientBalance
        }
    );
    // The server's chat-ended that follows completes the bill without an illegal move.
    let derived = s.apply(&DomainEvent::ConsultationEnded {
        consultation_id: Some("r".into()),
        minutes: Some(dec("2")),
        total: Some(Money::new(dec("20.00"))),
        ended_by: Some("system".into()),
        reason: Some("insufficient_balance".into()),
        balance: None,
    });
    assert!(!derived
        .iter()
        .any(|e| matches!(e, DomainEvent::ProtocolError { .. })));
    assert_eq!(s.get("r").unwrap().bill.unwrap().total.amount, dec("20.00"));
}

#[tokio::test]
async fn hostile_figures_are_refused_and_the_service_goes_on() {
    let (_client, s) = running_user_consultation();
    // The issue's chat-timer, and 001's session:ended with an absurd duration.
    let derived = s.apply(&DomainEvent::MeterTick {
        consultation_id: "r".into(),
        minutes: dec("1000000000000000000"),
        cost: Money::new(dec("10")),
        balance: None,
        state: None,
    });
    assert!(
        matches!(&derived[..], [DomainEvent::ProtocolError { wire_event, raw, .. }]
            if wire_event == "meter_tick" && raw["minutes"] == "1000000000000000000"),
        "{derived:?}"
    );
    assert_eq!(s.get("r").unwrap().meter.billed_minutes, Decimal::ZERO);
    s.apply(&DomainEvent::ConsultationStarted {
        consultation_id: Some("r".into()),
        started_at: None,
        rate_per_minute: Some(Money::new(dec("0.0000000000000000000000000001"))),
        balance: Some(Money::new(dec("79228162514264337593543950335"))),
    });
    let derived = s.apply(&DomainEvent::ConsultationEnded {
        consultation_id: Some("r".into()),
        minutes: Some(dec("79228162514264337593543950335")),
        total: Some(Money::new(dec("30.00"))),
        ended_by: Some("user".into()),
        reason: None,
        balance: None,
    });
    assert!(derived
        .iter()
        .any(|e| matches!(e, DomainEvent::ProtocolError { .. })));
    let v = s.get("r").unwrap();
    let bill = v.bill.expect("ended with the sane part of the bill");
    assert_eq!(bill.total.amount, dec("30.00"));
    assert!(
        v.rate_per_minute.is_none(),
        "the absurd rate was never taken"
    );
}

#[tokio::test]
async fn a_panic_while_the_tracker_is_held_leaves_the_service_usable() {
    let (_client, s) = running_user_consultation();
    let s2 = s.clone();
    let _ = std::thread::spawn(move || {
        let _held = s2.tracker.lock();
        panic!("a bug while the tracker is held");
    })
    .join();
    assert!(s.tracker.is_poisoned());
    s.apply(&DomainEvent::MeterTick {
        consultation_id: "r".into(),
        minutes: dec("1"),
        cost: Money::new(dec("10")),
        balance: None,
        state: None,
    });
    assert_eq!(s.get("r").unwrap().meter.billed_minutes, dec("1"));
    assert_eq!(s.list().len(), 1);
}

#[tokio::test]
async fn unloadable_rows_are_quarantined_and_the_rest_loads() {
    let dir = std::env::temp_dir().join(format!("parlor-consult-q-{}", uuid::Uuid::new_v4()));
    let path = dir.join("c.sqlite3");
    {
        // A good consultation through the real code path, then rows an older build (or a
        // damaged disk) left behind.
        let store = Store::open(&path).unwrap();
        let (client, s) = running_user_consultation_in(Some(store.clone()));
        s.apply(&DomainEvent::ConsultationEnded {
            consultation_id: Some("r".into()),
            minutes: Some(dec("2")),
            total: Some(Money::new(dec("20.00"))),
            ended_by: Some("user".into()),
            reason: None,
            balance: None,
        });
        store
            .write(|tx| {
                tx.execute_batch(
                    r#"INSERT INTO consultations (id, role, state, billed_minutes, cost, bill, updated_at)
                       VALUES ('huge', 'user', '{"state":"ended","by":"user","reason":"ended"}',
                               '1000000000000000000', '10', NULL, 1);
                       INSERT INTO consultations (id, role, state, updated_at)
                       VALUES ('garbled', 'user', 'not json', 2);
                       INSERT INTO consultations (id, role, state, cost, updated_at)
                       VALUES ('typed', 'user', '{"state":"active"}', X'00FF', 3);"#,
                )?;
                Ok(())
            })
            .unwrap();
        drop((client, s, store));
    }
    let store = Store::open(&path).unwrap();
    let client = offline_client(DialectId::BillingChat);
    let again = ConsultationService::attach(&client, Some(store.clone()), 60_000);
    let ids: Vec<String> = again.list().into_iter().map(|v| v.id).collect();
    assert_eq!(ids, vec!["r".to_string()]);
    let moved = crate::store::quarantine::list(&store).unwrap();
    let mut keys: Vec<&str> = moved.iter().filter_map(|q| q.row["id"].as_str()).collect();
    keys.sort();
    assert_eq!(keys, vec!["garbled", "huge", "typed"]);
    // Reported once the link is up.
    let reports = again.apply(&DomainEvent::Connection {
        state: ConnectionState::Connected,
    });
    assert_eq!(
        reports
            .iter()
            .filter(|e| matches!(e, DomainEvent::ProtocolError { wire_event, .. } if wire_event == "cache"))
            .count(),
        3
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_meter_freezes_while_the_link_is_down() {
    let (_client, s) = running_user_consultation();
    assert!(s.get("r").unwrap().meter.running);
    s.apply(&DomainEvent::Connection {
        state: ConnectionState::Reconnecting {
            attempt: 1,
            delay_ms: 1000,
            reason: "x".into(),
        },
    });
    assert!(!s.get("r").unwrap().meter.running);
    s.apply(&DomainEvent::Connection {
        state: ConnectionState::Connected,
    });
    assert!(s.get("r").unwrap().meter.running);
}
