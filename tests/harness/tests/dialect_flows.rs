//! The core against the reference servers: the main flow of every dialect (the demo scripts,
//! each step checked), auth failures, a server restart, malformed events, unsupported commands.

use parlor_core::model::Method;
use parlor_core::{
    Client, Command, ConnectionState, DialectId, DomainEvent, Error, ServerProfile, StaticToken,
};
use parlor_harness::demo::{self, Transcript};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer, PROBE};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn flow(d: DialectId) {
    let t = Transcript::new(d, false);
    if let Err(e) = demo::run(d, &t).await {
        panic!("{d} flow failed: {e}\n{}", t.lines().join("\n"));
    }
    assert!(t.lines().len() >= 6, "{:?}", t.lines());
}

/// The bill is checked against figures the test knows on its own, not the server's: Pandit
/// Sharma's seeded rate (10.00 INR a minute, `tests/servers/000_billing_chat.js`), the
/// flow's shape (two billed minutes seen, then an end that bills at most the one started
/// minute), and the seeded wallet (500.00).
#[tokio::test]
async fn billing_chat_main_flow_bills_to_the_cent() {
    let t = Transcript::new(DialectId::BillingChat, false);
    if let Err(e) = demo::run(DialectId::BillingChat, &t).await {
        panic!("billing-chat flow failed: {e}\n{}", t.lines().join("\n"));
    }
    let lines = t.lines();
    let after = |marker: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("no {marker:?} line: {lines:#?}"));
        line[line.find(marker).unwrap() + marker.len()..]
            .trim()
            .to_owned()
    };
    let dec = |s: &str| rust_decimal::Decimal::from_str_exact(s).unwrap();
    // "3 min × 10.00 = 30.00 INR (ended by astrologer)"
    let bill = after("] bill ");
    let words: Vec<&str> = bill.split_whitespace().collect();
    let (minutes, total) = (dec(words[0]), dec(words[5]));
    let seeded_rate = dec("10.00");
    assert!(
        minutes == dec("2") || minutes == dec("3"),
        "two minutes billed while running, at most one started minute at the end: {bill}"
    );
    assert_eq!(total, minutes * seeded_rate, "to the cent: {bill}");
    assert_eq!(after("chat started; wallet"), "500.00", "the seeded wallet");
    // "earnings record: 3 min, 30.00 INR" — the expert's side agrees.
    let earned = after("earnings record:");
    assert_eq!(earned, format!("{minutes} min, {total} INR"));
}

#[tokio::test]
async fn presence_sessions_main_flow() {
    flow(DialectId::PresenceSessions).await;
}

#[tokio::test]
async fn tarot_chat_main_flow() {
    flow(DialectId::TarotChat).await;
}

#[tokio::test]
async fn support_chat_main_flow() {
    flow(DialectId::SupportChat).await;
}

#[tokio::test]
async fn telecaller_main_flow() {
    flow(DialectId::Telecaller).await;
}

fn profile(d: DialectId, url: &str, namespace: &str) -> ServerProfile {
    let mut p = ServerProfile::new(d, url);
    p.namespace = namespace.into();
    p.rest_url = Some(url.into());
    p
}

/// Every dialect turns a refused token into `AuthFailed` with the server's words.
#[tokio::test]
async fn refused_tokens_end_in_auth_failed_for_every_dialect() {
    for (d, ns, expected) in [
        (DialectId::BillingChat, "/", "Invalid or expired token"),
        (DialectId::PresenceSessions, "/", "Invalid or expired token"),
        (DialectId::TarotChat, "/", "Invalid authentication token"),
        (DialectId::SupportChat, "/", "Invalid token"),
        (DialectId::Telecaller, "/user", "Invalid or expired token"),
    ] {
        let server = RefServer::start(server_file(d), &[]).await.unwrap();
        let client = Client::connect(
            profile(d, &server.url(), ns),
            Arc::new(StaticToken::new("not.a.jwt")),
        )
        .unwrap();
        // 002 accepts the handshake and refuses with an event: `connected` waits for it.
        let err = client.wait_connected(Duration::from_secs(10)).await;
        assert_eq!(err, Err(Error::AuthFailed(expected.into())), "{d}");
        assert_eq!(
            client.state(),
            ConnectionState::AuthFailed {
                message: expected.into()
            },
            "{d}"
        );
    }
}

/// 004: a user token on the telecaller namespace, and a suspended user, get the document's words.
#[tokio::test]
async fn telecaller_connection_errors_reach_the_caller_verbatim() {
    let server = RefServer::start(server_file(DialectId::Telecaller), &[])
        .await
        .unwrap();
    let jane = server.mint("507f1f77bcf86cd799439031").await.unwrap();
    let c = Client::connect(
        profile(DialectId::Telecaller, &server.url(), "/user"),
        Arc::new(StaticToken::new(jane)),
    )
    .unwrap();
    assert_eq!(
        c.wait_connected(Duration::from_secs(10)).await,
        Err(Error::AuthFailed("Access denied".into()))
    );
    let suspended = server.mint("507f1f77bcf86cd799439013").await.unwrap();
    let c = Client::connect(
        profile(DialectId::Telecaller, &server.url(), "/user"),
        Arc::new(StaticToken::new(suspended)),
    )
    .unwrap();
    assert_eq!(
        c.wait_connected(Duration::from_secs(10)).await,
        Err(Error::AuthFailed(
            "Account suspended. Please contact support.".into()
        ))
    );
}

/// A server restart: the client reconnects by itself and carries on where it was.
#[tokio::test]
async fn a_restarted_server_is_rejoined_and_messages_flow_again() {
    let state = std::env::temp_dir().join(format!("parlor-restart-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let state_env = state.to_string_lossy().to_string();
    let mut server = RefServer::start(
        server_file(DialectId::SupportChat),
        &[("PARLOR_STATE_FILE", &state_env)],
    )
    .await
    .unwrap();
    let token = server.mint("1").await.unwrap();
    let mut a = Actor::connect(
        "client",
        DialectId::SupportChat,
        &server.url(),
        "/",
        token,
        None,
    )
    .await
    .unwrap();
    a.send(
        "join",
        Command::JoinConversation {
            conversation_id: "chat-1".into(),
        },
    )
    .await
    .unwrap();
    let before = a
        .send(
            "before",
            Command::SendMessage {
                conversation_id: "chat-1".into(),
                client_id: "c-before".into(),
                text: Some("before".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&before[0], DomainEvent::MessageSent { client_id: Some(c), .. } if c == "c-before")
    );

    a.drain();
    server.restart().await.unwrap();
    a.expect("reconnecting", 10, |e| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Reconnecting { .. }
            }
        )
        .then_some(())
    })
    .await
    .unwrap();
    a.expect("connected again", 15, |e| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Connected
            }
        )
        .then_some(())
    })
    .await
    .unwrap();
    let joined = a
        .send(
            "rejoin",
            Command::JoinConversation {
                conversation_id: "chat-1".into(),
            },
        )
        .await
        .unwrap();
    let recent = match &joined[0] {
        DomainEvent::ConversationJoined { recent, .. } => recent.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        recent
            .iter()
            .any(|m| m.client_id.as_deref() == Some("c-before")),
        "message kept across the restart"
    );
    let after = a
        .send(
            "after",
            Command::SendMessage {
                conversation_id: "chat-1".into(),
                client_id: "c-after".into(),
                text: Some("after".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(&after[0], DomainEvent::MessageSent { .. }));
    let _ = std::fs::remove_file(&state);
}

/// Malformed and unknown events become ProtocolError events carrying the raw payload; the
/// client stays connected and keeps working.
#[tokio::test]
async fn malformed_events_become_protocol_errors_and_nothing_else_breaks() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    for d in DialectId::ALL {
        let client = Client::connect(
            profile(d, &server.url(), "/"),
            Arc::new(StaticToken::new("valid")),
        )
        .unwrap();
        let mut events = client.subscribe();
        client
            .wait_connected(Duration::from_secs(10))
            .await
            .unwrap();
        client
            .send(Command::Raw {
                event: "malformed".into(),
                payload: json!(null),
                ack: false,
            })
            .await
            .unwrap();
        let mut weird = Vec::new();
        while weird.len() < 3 {
            match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
                Ok(Some(DomainEvent::ProtocolError {
                    wire_event, raw, ..
                })) => {
                    assert_eq!(wire_event, "weird");
                    weird.push(raw);
                }
                Ok(Some(_)) => {}
                _ => panic!("{d}: only {} protocol errors", weird.len()),
            }
        }
        assert_eq!(
            weird,
            vec![json!("just a string"), json!([42, null, [1, 2]]), json!([])],
            "{d}"
        );
        // Same connection, still answering.
        let echo = client
            .send(Command::Raw {
                event: "echo".into(),
                payload: json!({"ok": 1}),
                ack: true,
            })
            .await
            .unwrap();
        assert_eq!(
            echo,
            vec![DomainEvent::RawReply {
                wire_event: "echo".into(),
                args: vec![json!({"ok": 1})]
            }],
            "{d}"
        );
        assert_eq!(client.state(), ConnectionState::Connected);
        client.disconnect().await;
    }
}

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
