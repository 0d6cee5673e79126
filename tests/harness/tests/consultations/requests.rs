//! Requests on 000: rejection, expiry and cancellation, two devices racing to accept, and the admin's view.

use super::*;

#[tokio::test]
async fn rejection_expiry_and_cancellation_on_000() {
    let server = billing_server(60_000, &[("PARLOR_REQUEST_TIMEOUT_MS", "700")]).await;
    let mut expert = party(
        &server,
        DialectId::BillingChat,
        "Pandit Sharma",
        "a-sharma",
        60_000,
    )
    .await;
    let mut user = party(
        &server,
        DialectId::BillingChat,
        "Asha Verma",
        "u-asha",
        60_000,
    )
    .await;

    let id = request(&mut user, &mut expert, "a-sharma").await;
    expert
        .send(
            "reject",
            Command::AnswerConsultation {
                consultation_id: id.clone(),
                accept: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        state_of(&mut user, &id, "rejected", 5).await.state,
        ConsultationState::Rejected
    );

    let id = request(&mut user, &mut expert, "a-sharma").await;
    // Seed 000's `chat-status` is accepted or rejected: an expired request is a rejection
    // there ("Chat request expired."); our server's extension says `expired`.
    let (name, state) = if ServerMode::from_env().has_extensions() {
        ("expired", ConsultationState::Expired)
    } else {
        ("rejected", ConsultationState::Rejected)
    };
    assert_eq!(state_of(&mut user, &id, name, 5).await.state, state);
    state_of(&mut expert, &id, name, 5).await;

    let id = request(&mut user, &mut expert, "a-sharma").await;
    user.send(
        "cancel",
        Command::CancelConsultationRequest {
            consultation_id: id.clone(),
        },
    )
    .await
    .unwrap();
    // Seed 000 tells the astrologer of no cancel (its `chat-status` is accepted|rejected): with
    // our extension the app knows and refuses locally, without it the server refuses.
    let extensions = ServerMode::from_env().has_extensions();
    if extensions {
        state_of(&mut expert, &id, "cancelled", 5).await;
    }
    let err = expert
        .client
        .send(Command::AnswerConsultation {
            consultation_id: id,
            accept: true,
        })
        .await
        .unwrap_err();
    // Refused either way: by the app (it knows the request is over) or by the server.
    let refused: &[&str] = if extensions {
        &["illegal_state"]
    } else {
        &["illegal_state", "rejected"]
    };
    assert!(refused.contains(&err.code()), "{err:?}");
}

#[tokio::test]
async fn two_devices_racing_to_accept_exactly_one_wins() {
    let server = billing_server(60_000, &[]).await;
    let mut phone = party(
        &server,
        DialectId::BillingChat,
        "Sharma (phone)",
        "a-sharma",
        60_000,
    )
    .await;
    let mut desktop = party(
        &server,
        DialectId::BillingChat,
        "Sharma (desktop)",
        "a-sharma",
        60_000,
    )
    .await;
    let mut user = party(
        &server,
        DialectId::BillingChat,
        "Asha Verma",
        "u-asha",
        60_000,
    )
    .await;
    let id = request(&mut user, &mut phone, "a-sharma").await;
    state_of(&mut desktop, &id, "requested", 5).await;
    let accept = Command::AnswerConsultation {
        consultation_id: id.clone(),
        accept: true,
    };
    let (a, b) = tokio::join!(
        phone.client.send(accept.clone()),
        desktop.client.send(accept)
    );
    let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{a:?} {b:?}");
    let loser = if a.is_err() { a } else { b }.unwrap_err();
    // `ALREADY_RESPONDED` is our server's code; seed 000 leaves the code to the server.
    let want = ServerMode::from_env()
        .has_extensions()
        .then_some("ALREADY_RESPONDED");
    assert!(
        matches!(&loser, Error::Rejected { code: Some(c), .. } if want.is_none_or(|w| c == w)),
        "{loser:?}"
    );
    state_of(&mut user, &id, "accepted", 5).await;
}

#[tokio::test]
async fn admin_monitors_and_ends_a_consultation() {
    let server = billing_server(60_000, &[]).await;
    let mut expert = party(
        &server,
        DialectId::BillingChat,
        "Pandit Sharma",
        "a-sharma",
        60_000,
    )
    .await;
    let mut user = party(
        &server,
        DialectId::BillingChat,
        "Asha Verma",
        "u-asha",
        60_000,
    )
    .await;
    let mut admin = party(&server, DialectId::BillingChat, "Admin", "admin", 60_000).await;
    let id = open_billed_chat(&mut user, &mut expert, "a-sharma")
        .await
        .unwrap();
    admin
        .send(
            "view",
            Command::AdminViewConsultations {
                consultation_id: None,
            },
        )
        .await
        .unwrap();
    let listed = admin
        .expect("admin report", 5, |e| match e {
            DomainEvent::AdminReport {
                ok: true,
                consultations,
                ..
            } => Some(consultations.clone()),
            _ => None,
        })
        .await
        .unwrap();
    // The list of chats is our server's extension: seed 000's answer is a status and a message.
    if ServerMode::from_env().has_extensions() {
        assert!(listed
            .iter()
            .any(|c| c.consultation_id == id && c.status.as_deref() == Some("active")));
    }
    admin
        .send(
            "end",
            Command::AdminEndConsultation {
                consultation_id: id.clone(),
            },
        )
        .await
        .unwrap();
    for side in [&mut user, &mut expert] {
        let ended = state_of(side, &id, "ended", 5).await;
        // Who ended it (`endedBy`) is our server's extension to `chat-ended`.
        if ServerMode::from_env().has_extensions() {
            assert_eq!(ended.bill.unwrap().ended_by, Some(EndedBy::Admin));
        }
    }
    // A non-admin is refused with the server's words.
    user.send(
        "view",
        Command::AdminViewConsultations {
            consultation_id: None,
        },
    )
    .await
    .unwrap();
    user.expect("refusal", 5, |e| matches!(e, DomainEvent::AdminReport { ok: false, message, .. } if message == "Admin access required.").then_some(())).await.unwrap();
}
