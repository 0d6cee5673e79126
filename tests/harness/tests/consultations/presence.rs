//! Experts' presence and sessions on 001 and 004, across server restarts.

use super::*;

#[tokio::test]
async fn presence_and_sessions_on_001_for_both_sides() {
    let d = DialectId::PresenceSessions;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let mut user = party(&server, d, "Asha Verma", "user_asha", 60_000).await;
    let mut other = party(&server, d, "Ravi Kumar", "user_ravi", 60_000).await;
    let mut expert = party(&server, d, "Pandit Sharma", "astro_sharma", 60_000).await;
    // Expert goes online (over REST: the profile knows her id); the user's live list follows
    // (snapshot, then changes).
    expert
        .send("online", Command::SetPresence { online: true })
        .await
        .unwrap();
    user.expect("listed", 5, |e| matches!(e, DomainEvent::ExpertUpdated { expert } if expert.party.id == "astro_sharma" && expert.presence == Presence::Online).then_some(())).await.unwrap();
    let snap = user.client.send(LocalCommand::WatchExperts).await.unwrap();
    assert!(
        matches!(&snap[0], DomainEvent::ExpertsSnapshot { experts } if experts.iter().any(|x| x.party.id == "astro_sharma"))
    );

    let sent = user
        .send(
            "start",
            Command::RequestConsultation {
                expert_id: "astro_sharma".into(),
                kind: ConsultationKind::Audio,
                rate_per_minute: Some(dec("10.00")),
            },
        )
        .await
        .unwrap();
    let DomainEvent::ConsultationRequestSent {
        consultation_id: id,
        ..
    } = &sent[0]
    else {
        panic!("{sent:?}")
    };
    let id = id.clone();
    let seen = state_of(&mut expert, &id, "requested", 5).await;
    assert_eq!(seen.kind, Some(ConsultationKind::Audio));
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
    state_of(&mut user, &id, "active", 5).await;
    // The expert is now busy: another user's request is the atomic conflict, as a clear error.
    let err = other
        .client
        .send(Command::RequestConsultation {
            expert_id: "astro_sharma".into(),
            kind: ConsultationKind::Text,
            rate_per_minute: Some(dec("10.00")),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { status: Some(409), code: Some(c), .. } if c == "ASTROLOGER_BUSY"),
        "{err:?}"
    );
    user.expect("busy in the list", 5, |e| {
        matches!(e, DomainEvent::ExpertUpdated { expert } if expert.presence == Presence::Busy)
            .then_some(())
    })
    .await
    .unwrap();

    let ended = user
        .send(
            "end",
            Command::EndConsultation {
                consultation_id: id.clone(),
                rate_per_minute: Some(dec("10.00")),
                duration_minutes: None,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&ended[0], DomainEvent::ConsultationEnded { total: Some(t), .. } if t.amount == dec("10.00")),
        "{ended:?}"
    );
    // Seed 001 prints no `session:ended` (our server's extension): the other side learns of
    // the end only from its own next call, so only the default mode shows it at once.
    let extensions = ServerMode::from_env().has_extensions();
    if extensions {
        let bill = state_of(&mut expert, &id, "ended", 5).await.bill.unwrap();
        assert_eq!(
            (bill.minutes, bill.total.amount),
            (Decimal::ONE, dec("10.00"))
        );
    }

    // Rejecting a pending request, and two racing accepts over REST: exactly one 200.
    let sent = other
        .send(
            "start",
            Command::RequestConsultation {
                expert_id: "astro_sharma".into(),
                kind: ConsultationKind::Text,
                rate_per_minute: Some(dec("10.00")),
            },
        )
        .await
        .unwrap();
    let DomainEvent::ConsultationRequestSent {
        consultation_id: id2,
        ..
    } = &sent[0]
    else {
        panic!()
    };
    state_of(&mut expert, id2, "requested", 5).await;
    expert
        .send(
            "reject",
            Command::AnswerConsultation {
                consultation_id: id2.clone(),
                accept: false,
            },
        )
        .await
        .unwrap();
    if extensions {
        state_of(&mut other, id2, "rejected", 5).await;
    }

    let sent = other
        .send(
            "start",
            Command::RequestConsultation {
                expert_id: "astro_sharma".into(),
                kind: ConsultationKind::Text,
                rate_per_minute: Some(dec("10.00")),
            },
        )
        .await
        .unwrap();
    let DomainEvent::ConsultationRequestSent {
        consultation_id: id3,
        ..
    } = &sent[0]
    else {
        panic!()
    };
    let accept = Command::AnswerConsultation {
        consultation_id: id3.clone(),
        accept: true,
    };
    let second = party(&server, d, "Sharma (second device)", "astro_sharma", 60_000).await;
    let (a, b) = tokio::join!(
        expert.client.send_to_server(accept.clone()),
        second.client.send_to_server(accept)
    );
    assert_eq!(
        [&a, &b].iter().filter(|r| r.is_ok()).count(),
        1,
        "{a:?} {b:?}"
    );
    let loser = if a.is_err() { a } else { b }.unwrap_err();
    assert!(
        matches!(
            loser,
            Error::Rejected {
                status: Some(409),
                ..
            }
        ),
        "{loser:?}"
    );
}

/// 001 forgets presence when it restarts: the expert's presence keeper tells it again, so the
/// server lists the expert once more without anyone touching anything. Going offline is
/// remembered too: after the next restart the expert stays off the list.
#[tokio::test]
async fn the_experts_presence_survives_a_server_restart_on_001() {
    let d = DialectId::PresenceSessions;
    let mut server = RefServer::start(server_file(d), &[]).await.unwrap();
    let mut user = party(&server, d, "Asha Verma", "user_asha", 60_000).await;
    let mut expert = party(&server, d, "Pandit Sharma", "astro_sharma", 60_000).await;
    // The profile knows her id: the dialect sets her presence by its REST call.
    let online = |on: bool| Command::SetPresence { online: on };
    // The server's own answer (REST), not a list cached on the client.
    async fn server_lists_her(user: &parlor_core::Client) -> bool {
        match user.send(Command::ListOnlineExperts).await {
            Ok(events) => events.iter().any(|e| {
                matches!(e, DomainEvent::ExpertsOnline { experts } if experts.iter().any(|x| x.party.id == "astro_sharma"))
            }),
            Err(_) => false, // still restarting
        }
    }
    let reconnected = |e: &DomainEvent| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Connected
            }
        )
        .then_some(())
    };
    expert.send("online", online(true)).await.unwrap();
    assert!(server_lists_her(&user.client).await);

    server.restart().await.unwrap();
    expert.expect("reconnected", 15, reconnected).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !server_lists_her(&user.client).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restarted server never heard she is online"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    expert.send("offline", online(false)).await.unwrap();
    assert!(!server_lists_her(&user.client).await);
    user.drain();
    server.restart().await.unwrap();
    expert.expect("reconnected", 15, reconnected).await.unwrap();
    user.expect("the user reconnected", 15, reconnected)
        .await
        .unwrap();
    // A (wrong) restore would reach the user as the server's broadcast listing her again:
    // watch for it for a second rather than sleep and hope.
    user.expect_none("the expert listed again after going offline", 1000, |e| {
        matches!(e, DomainEvent::ExpertUpdated { expert } if expert.party.id == "astro_sharma")
            || matches!(e, DomainEvent::ExpertsOnline { experts } if experts.iter().any(|x| x.party.id == "astro_sharma"))
    })
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match user.client.send(Command::ListOnlineExperts).await {
            Ok(events) => {
                assert_eq!(events, vec![DomainEvent::ExpertsOnline { experts: vec![] }]);
                break;
            }
            Err(e) => assert!(tokio::time::Instant::now() < deadline, "{e}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn telecaller_presence_keeps_the_users_list_live() {
    let d = DialectId::Telecaller;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let mut p = ServerProfile::new(d, server.url());
    p.namespace = "/user".into();
    let mut user = Actor::connect_profile(
        "Arjun",
        p,
        server.mint("507f1f77bcf86cd799439011").await.unwrap(),
    )
    .await
    .unwrap();
    let mut p = ServerProfile::new(d, server.url());
    p.namespace = "/telecaller".into();
    let mut jane = Actor::connect_profile(
        "Jane",
        p,
        server.mint("507f1f77bcf86cd799439031").await.unwrap(),
    )
    .await
    .unwrap();
    jane.send("online", Command::SetPresence { online: true })
        .await
        .unwrap();
    let listed = user
        .expect("Jane listed", 5, |e| match e {
            DomainEvent::ExpertUpdated { expert }
                if expert.party.id == "507f1f77bcf86cd799439031" =>
            {
                Some(expert.clone())
            }
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(listed.party.name.as_deref(), Some("Jane Smith"));
    assert_eq!(listed.language.as_deref().map(str::is_empty), Some(false));
    jane.send("offline", Command::SetPresence { online: false })
        .await
        .unwrap();
    user.expect("Jane gone", 5, |e| matches!(e, DomainEvent::ExpertRemoved { expert_id } if expert_id == "507f1f77bcf86cd799439031").then_some(())).await.unwrap();
    let snap = user.client.send(LocalCommand::WatchExperts).await.unwrap();
    assert_eq!(snap, vec![DomainEvent::ExpertsSnapshot { experts: vec![] }]);
    jane.drain();
}
