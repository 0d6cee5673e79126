//! Consultations end to end against the reference servers (seeds 000, 001, 004): both sides,
//! the state machine, the live meter against the server's ticks, the wallet running out,
//! racing accepts, a server restart in the middle, presence lists, admin monitoring.

#[path = "../support/mod.rs"]
mod support;

use parlor_core::consultation::{ConsultationState, EndReason, EndedBy, MeterReading, Side};
use parlor_core::model::{ConsultationKind, Presence};
use parlor_core::{
    Command, ConnectionState, DialectId, DomainEvent, Error, LocalCommand, ServerProfile,
};
use parlor_harness::script::{open_billed_chat, Actor};
use parlor_harness::servers::{server_file, RefServer, ServerMode};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::str::FromStr;
use support::ledger::Ledger;

mod meter;
mod meter_sync;
mod presence;
mod requests;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

async fn party(
    server: &RefServer,
    d: DialectId,
    name: &str,
    account: &str,
    minute_ms: u64,
) -> Actor {
    let mut p = ServerProfile::new(d, server.url());
    p.rest_url = Some(server.url());
    p.account_id = Some(account.into());
    p.billing_minute_ms = minute_ms;
    let token = server.mint(account).await.unwrap();
    Actor::connect_profile(name, p, token).await.unwrap()
}

async fn state_of(
    a: &mut Actor,
    id: &str,
    want: &str,
    secs: u64,
) -> parlor_core::consultation::ConsultationView {
    let id = id.to_owned();
    let want = want.to_owned();
    a.expect(&format!("{id} {want}"), secs, move |e| match e {
        DomainEvent::ConsultationUpdated { consultation }
            if consultation.id == id && consultation.state.name() == want =>
        {
            Some(consultation.clone())
        }
        _ => None,
    })
    .await
    .unwrap()
}

async fn billing_server(minute_ms: u64, extra: &[(&str, &str)]) -> RefServer {
    let minute = minute_ms.to_string();
    let mut env = vec![("PARLOR_BILLING_MINUTE_MS", minute.as_str())];
    env.extend_from_slice(extra);
    RefServer::start(server_file(DialectId::BillingChat), &env)
        .await
        .unwrap()
}

/// Requests a chat from `expert` and returns the room id once the expert has it.
async fn request(user: &mut Actor, expert: &mut Actor, expert_id: &str) -> String {
    let sent = user
        .send(
            "request",
            Command::RequestConsultation {
                expert_id: expert_id.into(),
                kind: ConsultationKind::Text,
                rate_per_minute: None,
            },
        )
        .await
        .unwrap();
    let id = match &sent[0] {
        DomainEvent::ConsultationRequestSent {
            consultation_id, ..
        } => consultation_id.clone(),
        other => panic!("{other:?}"),
    };
    let seen = state_of(expert, &id, "requested", 5).await;
    assert_eq!(seen.side, Side::Expert);
    // The user's name on the notice is our server's extension (seed 000 prints the ids only).
    let counterpart = seen.counterpart.as_ref().expect("the requesting user");
    if ServerMode::from_env().has_extensions() {
        assert_eq!(counterpart.name.as_deref(), Some(user.name.as_str()));
    } else {
        assert!(!counterpart.id.is_empty(), "{counterpart:?}");
    }
    id
}
