//! `parlor demo-user`, the desktop demo's scripted user, against the reference servers with the
//! expert played headlessly through the core (the part the desktop app plays in the demo).

use parlor_core::model::ConsultationKind;
use parlor_core::{Command, DialectId, DomainEvent, ServerProfile};
use parlor_harness::demo::Transcript;
use parlor_harness::demo_user::{self, Plan};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer};
use rust_decimal::Decimal;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command as Process;

const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

async fn expert(server: &RefServer, d: DialectId, account: &str, minute_ms: u64) -> Actor {
    let mut p = ServerProfile::new(d, server.url());
    p.rest_url = Some(server.url());
    p.account_id = Some(account.into());
    p.billing_minute_ms = minute_ms;
    let token = server.mint(account).await.unwrap();
    Actor::connect_profile("expert", p, token).await.unwrap()
}

/// The expert's side: accept the first request, answer every message (when `replies`), and
/// return the consultation's end as the expert saw it.
async fn play_expert(mut e: Actor, replies: bool) -> (String, Option<Decimal>) {
    let id = e
        .expect("a request", 60, |ev| match ev {
            DomainEvent::ConsultationRequested {
                consultation_id,
                kind,
                ..
            } if *kind == ConsultationKind::Text => Some(consultation_id.clone()),
            _ => None,
        })
        .await
        .unwrap();
    e.send(
        "accept",
        Command::AnswerConsultation {
            consultation_id: id.clone(),
            accept: true,
        },
    )
    .await
    .unwrap();
    if replies {
        e.send(
            "join",
            Command::JoinConversation {
                conversation_id: id.clone(),
            },
        )
        .await
        .unwrap();
    }
    let mut answered = 0;
    loop {
        let ev = e
            .expect("a message or the end", 60, |ev| match ev {
                DomainEvent::MessageReceived { message } if message.sender.id != "astro_sharma" => {
                    Some(Ok(message.text.clone().unwrap_or_default()))
                }
                DomainEvent::ConsultationEnded { minutes, .. } => Some(Err(*minutes)),
                _ => None,
            })
            .await
            .unwrap();
        match ev {
            Ok(text) if replies => {
                answered += 1;
                e.send(
                    "reply",
                    Command::SendMessage {
                        conversation_id: id.clone(),
                        client_id: format!("reply-{answered}"),
                        text: Some(format!("Reply {answered} to: {text}")),
                        reply_to: None,
                        file_id: None,
                    },
                )
                .await
                .unwrap();
            }
            Ok(_) => {}
            Err(minutes) => return (id, minutes),
        }
    }
}

/// 000 through the binary: the user starts before the expert is online and waits for them,
/// the accept, the first billed minute, then ends; the printed bill is minutes × rate.
#[tokio::test]
async fn billing_chat_through_the_cli_waits_for_the_expert_and_prints_the_bill() {
    let server = RefServer::start(
        server_file(DialectId::BillingChat),
        &[("PARLOR_BILLING_MINUTE_MS", "1000")],
    )
    .await
    .unwrap();
    let mut child = Process::new(PARLOR)
        .args([
            "demo-user",
            "--url",
            &server.url(),
            "--billing-minute-ms",
            "1000",
            "--patience-secs",
            "30",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut transcript = Vec::new();
    // The expert connects only once the user says it is waiting for them.
    while let Some(line) = lines.next_line().await.unwrap() {
        transcript.push(line.clone());
        if line.contains("waiting for a-sharma to come online") {
            break;
        }
    }
    assert!(
        transcript
            .iter()
            .any(|l| l.contains("waiting for a-sharma")),
        "{transcript:#?}"
    );
    let e = expert(&server, DialectId::BillingChat, "a-sharma", 1000).await;
    let expert_side = tokio::spawn(play_expert(e, false));
    while let Some(line) = lines.next_line().await.unwrap() {
        transcript.push(line);
    }
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("demo-user exits")
        .unwrap();
    assert!(status.success(), "{transcript:#?}");
    let (_, expert_minutes) = expert_side.await.unwrap();
    let text = transcript.join("\n");
    for step in [
        "asked a-sharma for a text chat at 10.00/min",
        "a-sharma accepted",
        "chat started; wallet 500.00",
        "billed",
        "ended the consultation",
    ] {
        assert!(text.contains(step), "missing {step:?} in\n{text}");
    }
    let bill = transcript
        .iter()
        .find(|l| l.contains("] bill"))
        .expect("a bill line");
    let minutes = expert_minutes.expect("the expert saw the billed minutes");
    assert!(minutes >= Decimal::ONE, "{bill}");
    let total = minutes * Decimal::new(1000, 2);
    assert!(
        bill.contains(&format!("{minutes} min × 10.00 = {total}")),
        "{bill}"
    );
}

/// 001 through the library: presence, the accept, messages both ways at a (fast) pace, the
/// running meter, the end with the bill.
#[tokio::test]
async fn presence_sessions_chats_both_ways_and_ends_with_a_bill() {
    let d = DialectId::PresenceSessions;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let mut e = expert(&server, d, "astro_sharma", 60_000).await;
    e.send("go online", Command::SetPresence { online: true })
        .await
        .unwrap();
    let expert_side = tokio::spawn(play_expert(e, true));

    let mut p = ServerProfile::new(d, server.url());
    p.rest_url = Some(server.url());
    p.account_id = Some("user_asha".into());
    let token = server.mint("user_asha").await.unwrap();
    let mut user = Actor::connect_profile("Asha", p, token).await.unwrap();
    let mut plan = Plan::new("astro_sharma");
    plan.pace = Duration::from_millis(200);
    plan.reply_wait = Duration::from_secs(10);
    plan.online_timeout = Duration::from_secs(10);
    plan.answer_timeout = Duration::from_secs(10);
    plan.meter_timeout = Duration::from_secs(10);
    let t = Transcript::new(d, false);
    let out = demo_user::run(&mut user, &plan, &t)
        .await
        .unwrap_or_else(|err| panic!("{err}\n{:#?}", t.lines()));

    assert_eq!(out.expert_said.len(), plan.lines.len(), "{:#?}", t.lines());
    for (reply, line) in out.expert_said.iter().zip(&plan.lines) {
        assert!(reply.ends_with(line.as_str()), "{reply:?} answers {line:?}");
    }
    let (id, _) = expert_side.await.unwrap();
    assert_eq!(out.consultation_id, id);
    assert!(out.total.is_some(), "{:#?}", t.lines());
    assert!(
        t.lines().iter().any(|l| l.contains("says: Reply 1 to:")),
        "{:#?}",
        t.lines()
    );
}
