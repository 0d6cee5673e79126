//! Commands refused, by the client (what the dialect lacks, before sending) or by the server
//! (003's errors verbatim, 001's REST errors typed by status).

use super::*;

/// A command the dialect lacks is a clear `Unsupported`, before anything is sent.
#[tokio::test]
async fn unsupported_commands_are_refused_before_sending() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let client = Client::connect(
        profile(DialectId::SupportChat, &server.url(), "/"),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let err = client
        .send(Command::PauseConsultation {
            consultation_id: "r".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unsupported");
    assert_eq!(
        err.to_string(),
        "support-chat does not support pause_consultation"
    );
    let err = client
        .send(Command::SendMessage {
            conversation_id: "c".into(),
            client_id: "x".into(),
            text: Some(" ".into()),
            reply_to: None,
            file_id: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

/// Server errors of the 003 gateway come back as the command's error, verbatim.
#[tokio::test]
async fn support_chat_errors_are_returned_verbatim() {
    let server = RefServer::start(server_file(DialectId::SupportChat), &[])
        .await
        .unwrap();
    let token = server.mint("2").await.unwrap();
    let mut a = Actor::connect(
        "second",
        DialectId::SupportChat,
        &server.url(),
        "/",
        token,
        None,
    )
    .await
    .unwrap();
    let err = a
        .client
        .send(Command::JoinConversation {
            conversation_id: "chat-1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Rejected {
            code: None,
            status: None,
            message: "You are not a participant of this chat".into()
        }
    );
    let err = a
        .client
        .send(Command::JoinConversation {
            conversation_id: "chat-404".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Chat not found");
    a.drain();
}

/// 001 REST errors stay distinguishable by status (403, 404, 409).
#[tokio::test]
async fn presence_sessions_rest_errors_are_typed() {
    let d = DialectId::PresenceSessions;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let sharma = server.mint("astro_sharma").await.unwrap();
    let mut expert = Actor::connect("sharma", d, &server.url(), "/", sharma, None)
        .await
        .unwrap();
    // The escape hatch calls any path as it is and hands back the body.
    let listed = expert
        .client
        .send(Command::RawRest {
            method: Method::Get,
            path: "/api/v1/astrologers/online".into(),
            body: None,
        })
        .await
        .unwrap();
    assert!(
        matches!(&listed[..], [DomainEvent::RawReply { wire_event, args }]
            if wire_event == "GET /api/v1/astrologers/online" && args.len() == 1),
        "{listed:?}"
    );
    // Another expert's presence is not this one's to set: 403 from the raw call.
    let err = expert
        .client
        .send(Command::RawRest {
            method: Method::Post,
            path: "/api/v1/astrologers/astro_meera/online".into(),
            body: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Rejected {
                status: Some(403),
                ..
            }
        ),
        "{err:?}"
    );
    let err = expert
        .client
        .send(Command::AnswerConsultation {
            consultation_id: "000000000000000000000000".into(),
            accept: true,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Rejected {
                status: Some(404),
                ..
            }
        ),
        "{err:?}"
    );
    let asha = server.mint("user_asha").await.unwrap();
    let user = Actor::connect("asha", d, &server.url(), "/", asha, None)
        .await
        .unwrap();
    let err = user
        .client
        .send(Command::RequestConsultation {
            expert_id: "astro_sharma".into(),
            kind: parlor_core::model::ConsultationKind::Text,
            rate_per_minute: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: Some(409), ref code, .. } if code.as_deref() == Some("ASTROLOGER_OFFLINE")),
        "{err:?}"
    );
    expert.drain();
}
