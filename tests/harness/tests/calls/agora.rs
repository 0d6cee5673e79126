//! Seed 001's Agora join info for audio and video sessions.

use super::*;

#[tokio::test]
async fn agora_join_info_for_audio_and_video_sessions_of_001() {
    let d = DialectId::PresenceSessions;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let connect = |name: &'static str| {
        let server = &server;
        async move {
            let token = server.mint(name).await.unwrap();
            let a = Actor::connect(name, d, &server.url(), "/", token, Some(name))
                .await
                .unwrap();
            assert!(
                calls::attach(&a.client, None, None).is_none(),
                "001 has no 004 calls"
            );
            a
        }
    };
    let mut user = connect("user_asha").await;
    let mut expert = connect("astro_sharma").await;
    expert
        .send("online", Command::SetPresence { online: true })
        .await
        .unwrap();
    for kind in [ConsultationKind::Audio, ConsultationKind::Text] {
        let sent = user
            .send(
                "start",
                Command::RequestConsultation {
                    expert_id: "astro_sharma".into(),
                    kind,
                    rate_per_minute: Some(Decimal::new(1000, 2)),
                },
            )
            .await
            .unwrap();
        let session = sent
            .iter()
            .find_map(|e| match e {
                DomainEvent::ConsultationRequestSent {
                    consultation_id, ..
                } => Some(consultation_id.clone()),
                _ => None,
            })
            .unwrap();
        expert
            .expect("request", 5, |e| {
                matches!(e, DomainEvent::ConsultationRequested { consultation_id, .. } if *consultation_id == session).then_some(())
            })
            .await
            .unwrap();
        expert
            .send(
                "accept",
                Command::AnswerConsultation {
                    consultation_id: session.clone(),
                    accept: true,
                },
            )
            .await
            .unwrap();
        let channel = user
            .expect("accepted", 5, |e| match e {
                DomainEvent::ConsultationAnswered {
                    consultation_id,
                    outcome: RequestOutcome::Accepted,
                    channel: Some(c),
                    ..
                } if *consultation_id == session => Some(c.clone()),
                _ => None,
            })
            .await
            .unwrap();
        if kind == ConsultationKind::Audio {
            for (a, uid) in [(&mut user, "user_asha"), (&mut expert, "astro_sharma")] {
                let join = a
                    .expect("agora join", 5, |e| match e {
                        DomainEvent::AgoraJoinReady { join } => Some(join.clone()),
                        _ => None,
                    })
                    .await
                    .unwrap();
                assert_eq!(join.channel, channel);
                assert_eq!(join.uid, uid);
                assert!(!join.app_id.is_empty());
                // A real RTC token (Agora's 007 format).
                assert!(join.token.starts_with("007"), "{}", join.token);
            }
        } else {
            user.expect_none("agora join for a text session", 700, |e| {
                matches!(e, DomainEvent::AgoraJoinReady { .. })
            })
            .await
            .unwrap();
        }
        for a in [&mut user, &mut expert] {
            a.send(
                "end",
                Command::EndConsultation {
                    consultation_id: session.clone(),
                    rate_per_minute: Some(Decimal::new(1000, 2)),
                    duration_minutes: None,
                },
            )
            .await
            .ok();
        }
        user.drain();
        expert.drain();
    }
}
