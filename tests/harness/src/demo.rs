//! `parlor demo`: one scripted session per dialect against the reference servers, between
//! seeded accounts, printed as a readable transcript. Every step waits for the event that
//! proves it happened; the run fails on the first step that does not.

use crate::script::{Actor, StepError};
use crate::servers::{server_file, RefServer};
use parlor_core::calls::MediaEvent;
use parlor_core::messaging::{ChatMessage, DeliveryState, Messenger, MessengerConfig};
use parlor_core::model::{CallMedia, ConsultationKind, Presence, RequestOutcome};
use parlor_core::store::Store;
use parlor_core::{Command, DialectId, DomainEvent, ServerProfile};
use rust_decimal::Decimal;
use std::sync::Mutex;

/// Collects (and optionally prints) the transcript of a run.
pub struct Transcript {
    tag: &'static str,
    print: bool,
    lines: Mutex<Vec<String>>,
}

impl Transcript {
    /// A transcript for dialect `d`, printed as it goes when `print`.
    pub fn new(d: DialectId, print: bool) -> Self {
        Transcript {
            tag: d.seed(),
            print,
            lines: Mutex::new(Vec::new()),
        }
    }

    /// Adds a line: who did or saw what.
    pub fn say(&self, who: &str, what: impl AsRef<str>) {
        let line = format!("[{}] {:<16} {}", self.tag, who, what.as_ref());
        if self.print {
            println!("{line}");
        }
        self.lines.lock().expect("transcript").push(line);
    }

    /// Everything said so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("transcript").clone()
    }
}

fn setup<E: std::fmt::Display>(e: E) -> StepError {
    StepError::Setup(e.to_string())
}

fn client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs the demo of one dialect against a fresh reference server.
pub async fn run(d: DialectId, t: &Transcript) -> Result<(), StepError> {
    match d {
        DialectId::BillingChat => billing_chat(t).await,
        DialectId::PresenceSessions => presence_sessions(t).await,
        DialectId::TarotChat => tarot_chat(t).await,
        DialectId::SupportChat => support_chat(t).await,
        DialectId::Telecaller => telecaller(t).await,
    }
}

async fn start(d: DialectId, env: &[(&str, &str)], t: &Transcript) -> Result<RefServer, StepError> {
    let server = RefServer::start(server_file(d), env).await.map_err(setup)?;
    t.say(
        "server",
        format!("{} listening on {}", server.file(), server.url()),
    );
    Ok(server)
}

async fn actor(
    server: &RefServer,
    d: DialectId,
    name: &str,
    account: &str,
    namespace: &str,
    t: &Transcript,
) -> Result<Actor, StepError> {
    actor_with_minute(server, d, name, account, namespace, 60_000, t).await
}

async fn actor_with_minute(
    server: &RefServer,
    d: DialectId,
    name: &str,
    account: &str,
    namespace: &str,
    minute_ms: u64,
    t: &Transcript,
) -> Result<Actor, StepError> {
    let token = server.mint(account).await.map_err(setup)?;
    let mut profile = ServerProfile::new(d, server.url());
    profile.namespace = namespace.into();
    profile.rest_url = Some(server.url());
    profile.account_id = Some(account.into());
    profile.billing_minute_ms = minute_ms;
    let a = Actor::connect_profile(name, profile, token).await?;
    t.say(
        name,
        format!(
            "connected ({account}{})",
            if namespace == "/" {
                String::new()
            } else {
                format!(", {namespace}")
            }
        ),
    );
    Ok(a)
}

/// 000: request → accept → start → billed minutes → pause → resume → end, bill to the cent.
async fn billing_chat(t: &Transcript) -> Result<(), StepError> {
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

/// 001: presence, REST session start/accept, chat in the session, Agora token, end with coins.
async fn presence_sessions(t: &Transcript) -> Result<(), StepError> {
    let d = DialectId::PresenceSessions;
    let server = start(d, &[], t).await?;
    let mut user = actor(&server, d, "Asha Verma", "user_asha", "/", t).await?;
    let mut expert = actor(&server, d, "Pandit Sharma", "astro_sharma", "/", t).await?;
    expert
        .send("go online", Command::SetPresence { online: true })
        .await?;
    t.say("Pandit Sharma", "went online");
    let count = user
        .expect("the online list", 5, |e| match e {
            DomainEvent::ExpertsOnline { experts }
                if experts
                    .iter()
                    .any(|x| x.party.id == "astro_sharma" && x.presence == Presence::Online) =>
            {
                Some(experts.len())
            }
            _ => None,
        })
        .await?;
    t.say(
        "Asha Verma",
        format!("sees {count} astrologer(s) online, Pandit Sharma among them"),
    );
    let sent = user
        .send(
            "session start",
            Command::RequestConsultation {
                expert_id: "astro_sharma".into(),
                kind: ConsultationKind::Text,
                rate_per_minute: Some(Decimal::new(1000, 2)),
            },
        )
        .await?;
    let session = sent
        .iter()
        .find_map(|e| match e {
            DomainEvent::ConsultationRequestSent {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .ok_or_else(|| setup("no session id in the start answer"))?;
    t.say(
        "Asha Verma",
        format!("POST /api/sessions/start → session {session} (pending)"),
    );
    expert.expect("session:request", 5, |e| matches!(e, DomainEvent::ConsultationRequested { consultation_id, .. } if *consultation_id == session).then_some(())).await?;
    t.say("Pandit Sharma", "got the session request");
    expert
        .send(
            "accept",
            Command::AnswerConsultation {
                consultation_id: session.clone(),
                accept: true,
            },
        )
        .await?;
    let channel = user
        .expect("session:accepted", 5, |e| match e {
            DomainEvent::ConsultationAnswered {
                outcome: RequestOutcome::Accepted,
                channel,
                ..
            } => Some(channel.clone()),
            _ => None,
        })
        .await?;
    t.say(
        "Asha Verma",
        "session accepted (atomic reservation on the server)",
    );
    user.send(
        "join",
        Command::JoinConversation {
            conversation_id: session.clone(),
        },
    )
    .await?;
    expert
        .send(
            "join",
            Command::JoinConversation {
                conversation_id: session.clone(),
            },
        )
        .await?;
    // 001 joins are plain emits (its document defines no answer): the astrologer greets
    // first, and the greeting reaching the user proves both are in the session's room.
    expert
        .send(
            "greeting",
            Command::SendMessage {
                conversation_id: session.clone(),
                client_id: client_id(),
                text: Some("Namaste, I am here. What would you like to ask?".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await?;
    let text = user
        .expect("the greeting", 5, |e| match e {
            DomainEvent::MessageReceived { message } if message.sender.id == "astro_sharma" => {
                message.text.clone()
            }
            _ => None,
        })
        .await?;
    t.say("Asha Verma", format!("received: {text:?}"));
    user.send(
        "message",
        Command::SendMessage {
            conversation_id: session.clone(),
            client_id: client_id(),
            text: Some("Namaste, will my business grow this year?".into()),
            reply_to: None,
            file_id: None,
        },
    )
    .await?;
    let text = expert
        .expect("message:receive", 5, |e| match e {
            DomainEvent::MessageReceived { message } => message.text.clone(),
            _ => None,
        })
        .await?;
    t.say("Pandit Sharma", format!("received: {text:?}"));
    expert
        .send(
            "reply",
            Command::SendMessage {
                conversation_id: session.clone(),
                client_id: client_id(),
                text: Some("Jupiter favours you from June.".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await?;
    let text = user
        .expect("the reply", 5, |e| match e {
            DomainEvent::MessageReceived { message }
                if message.sender.id == "astro_sharma"
                    && message.text.as_deref()
                        != Some("Namaste, I am here. What would you like to ask?") =>
            {
                message.text.clone()
            }
            _ => None,
        })
        .await?;
    t.say("Asha Verma", format!("received: {text:?}"));
    let channel = channel.unwrap_or_else(|| format!("session_{session}"));
    let agora = user
        .send(
            "agora token",
            Command::RequestAgoraToken {
                channel: channel.clone(),
                uid: None,
            },
        )
        .await?;
    let join = agora
        .iter()
        .find_map(|e| match e {
            DomainEvent::AgoraJoinReady { join } => Some(join.clone()),
            _ => None,
        })
        .ok_or_else(|| setup("no Agora join info"))?;
    t.say(
        "Asha Verma",
        format!(
            "Agora join info: app {} channel {} token {}…",
            join.app_id,
            join.channel,
            &join.token[..join.token.len().min(12)]
        ),
    );
    let ended = user
        .send(
            "end",
            Command::EndConsultation {
                consultation_id: session.clone(),
                rate_per_minute: Some(Decimal::new(1000, 2)),
                duration_minutes: None,
            },
        )
        .await?;
    let (minutes, coins, balance) = ended
        .iter()
        .find_map(|e| match e {
            DomainEvent::ConsultationEnded {
                minutes,
                total,
                balance,
                ..
            } => Some((*minutes, total.clone(), balance.clone())),
            _ => None,
        })
        .ok_or_else(|| setup("no bill in the end answer"))?;
    expert
        .expect("session:ended", 5, |e| {
            matches!(e, DomainEvent::ConsultationEnded { .. }).then_some(())
        })
        .await?;
    t.say(
        "bill",
        format!(
            "{} min, {} coins deducted, balance {}",
            minutes.map(|m| m.to_string()).unwrap_or_default(),
            coins.map(|c| c.amount.to_string()).unwrap_or_default(),
            balance.map(|b| b.amount.to_string()).unwrap_or_default()
        ),
    );
    Ok(())
}

/// 002: join, typing, a message, a reaction, a REST reply, read status, history.
async fn tarot_chat(t: &Transcript) -> Result<(), StepError> {
    let d = DialectId::TarotChat;
    let session = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa".to_string();
    let server = start(d, &[], t).await?;
    let mut sarah = actor(
        &server,
        d,
        "Sarah Johnson",
        "11111111-1111-4111-8111-111111111111",
        "/",
        t,
    )
    .await?;
    let mut samia = actor(
        &server,
        d,
        "Samia Reader",
        "22222222-2222-4222-8222-222222222222",
        "/",
        t,
    )
    .await?;
    let sarah_cache = messenger(&sarah, "sarah")?;
    messenger(&samia, "samia")?;
    t.say(
        "note",
        "both sides go through the Messenger (outbox and local cache)",
    );
    for a in [&mut sarah, &mut samia] {
        a.send(
            "join",
            Command::JoinConversation {
                conversation_id: session.clone(),
            },
        )
        .await?;
        a.expect("chat_joined", 5, |e| {
            matches!(e, DomainEvent::ConversationJoined { .. }).then_some(())
        })
        .await?;
    }
    t.say("both", format!("joined session {session}"));
    sarah
        .send(
            "typing",
            Command::SetTyping {
                conversation_id: session.clone(),
                typing: true,
            },
        )
        .await?;
    samia
        .expect("user_typing", 5, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: true, .. }).then_some(())
        })
        .await?;
    t.say("Samia Reader", "sees Sarah typing…");
    let cid = client_id();
    sarah
        .send(
            "message",
            Command::SendMessage {
                conversation_id: session.clone(),
                client_id: cid.clone(),
                text: Some("I drew the Tower card. What does it mean?".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await?;
    sarah
        .expect("message_sent", 5, |e| {
            matches!(e, DomainEvent::MessageSent { server_id, .. } if *server_id == cid)
                .then_some(())
        })
        .await?;
    let msg = samia
        .expect("new_message", 5, |e| match e {
            DomainEvent::MessageReceived { message } if message.id == cid => Some(message.clone()),
            _ => None,
        })
        .await?;
    t.say(
        "Samia Reader",
        format!("received {:?}", msg.text.unwrap_or_default()),
    );
    samia
        .send(
            "reaction",
            Command::React {
                conversation_id: session.clone(),
                message_id: cid.clone(),
                emoji: "🔮".into(),
            },
        )
        .await?;
    let totals = sarah
        .expect("reaction update", 5, |e| match e {
            DomainEvent::ReactionChanged {
                message_id, totals, ..
            } if *message_id == cid => Some(totals.clone()),
            _ => None,
        })
        .await?;
    t.say(
        "Sarah Johnson",
        format!("Samia reacted 🔮 (totals {totals:?})"),
    );
    let posted = samia
        .send(
            "REST reply",
            Command::PostMessage {
                conversation_id: session.clone(),
                client_id: client_id(),
                text: "Sudden change, but it clears the way for the new.".into(),
            },
        )
        .await?;
    let reply_id = posted
        .iter()
        .find_map(|e| match e {
            DomainEvent::MessageSent { server_id, .. } => Some(server_id.clone()),
            _ => None,
        })
        .ok_or_else(|| setup("no id for the posted reply"))?;
    sarah
        .expect("the reply", 5, |e| {
            matches!(e, DomainEvent::MessageReceived { message } if message.id == reply_id)
                .then_some(())
        })
        .await?;
    t.say("Sarah Johnson", "received Samia's answer (sent over REST)");
    sarah
        .send(
            "mark read",
            Command::MarkRead {
                conversation_id: session.clone(),
                message_ids: vec![reply_id.clone()],
            },
        )
        .await?;
    samia.expect("read receipt", 5, |e| matches!(e, DomainEvent::MessagesRead { message_ids, .. } if message_ids.contains(&reply_id)).then_some(())).await?;
    t.say("Samia Reader", "sees her answer read ✓✓");
    let history = sarah
        .send(
            "history",
            Command::FetchHistory {
                conversation_id: session.clone(),
                before: None,
                limit: Some(20),
            },
        )
        .await?;
    let n = history
        .iter()
        .find_map(|e| match e {
            DomainEvent::History { messages, .. } => Some(messages.len()),
            _ => None,
        })
        .ok_or_else(|| setup("no history page"))?;
    t.say(
        "Sarah Johnson",
        format!("history page from REST: {n} messages"),
    );
    let (page, _) = sarah_cache
        .cache()
        .page(&session, None, 20)
        .map_err(setup)?;
    for m in &page {
        t.say(
            "Sarah's cache",
            format!(
                "{:?} ({}{})",
                m.text.as_deref().unwrap_or(""),
                m.state.as_str(),
                m.reactions
                    .iter()
                    .map(|(emoji, users)| format!(", {emoji}×{}", users.len()))
                    .collect::<String>()
            ),
        );
    }
    if page.len() != 2 || page[0].reactions.is_empty() {
        return Err(setup("Sarah's cache does not hold the conversation once"));
    }
    Ok(())
}

/// 003: support chat with acks: join, a message, a reply, read receipts, active users.
async fn support_chat(t: &Transcript) -> Result<(), StepError> {
    let d = DialectId::SupportChat;
    let chat = "chat-1".to_string();
    let server = start(d, &[], t).await?;
    let mut client = actor(&server, d, "client@parlor", "1", "/", t).await?;
    let mut agent = actor(&server, d, "support@parlor", "10", "/", t).await?;
    // Both go through the Messenger: an offline cache and outbox each (scratch directories).
    let client_cache = messenger(&client, "client")?;
    let agent_cache = messenger(&agent, "agent")?;
    t.say(
        "note",
        "both sides send through the Messenger's outbox and read from their local caches",
    );
    for a in [&mut client, &mut agent] {
        let joined = a
            .send(
                "joinChat",
                Command::JoinConversation {
                    conversation_id: chat.clone(),
                },
            )
            .await?;
        let recent = joined
            .iter()
            .find_map(|e| match e {
                DomainEvent::ConversationJoined { recent, .. } => Some(recent.len()),
                _ => None,
            })
            .ok_or_else(|| setup("joinChat gave no joinedChat"))?;
        t.say(
            &a.name.clone(),
            format!("joined {chat} ({recent} recent messages)"),
        );
    }
    client
        .send(
            "typing",
            Command::SetTyping {
                conversation_id: chat.clone(),
                typing: true,
            },
        )
        .await?;
    agent
        .expect("userTyping", 5, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: true, .. }).then_some(())
        })
        .await?;
    t.say("support@parlor", "sees the client typing");
    let question_text = "My reading report never arrived.";
    client
        .send(
            "sendMessage",
            Command::SendMessage {
                conversation_id: chat.clone(),
                client_id: client_id(),
                text: Some(question_text.into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await?;
    t.say(
        "client@parlor",
        format!("wrote {question_text:?}: shown at once as pending"),
    );
    let question = client
        .expect("the question sent", 5, |e| {
            cached(e, question_text, DeliveryState::Sent).and_then(|m| m.server_id)
        })
        .await?;
    t.say(
        "client@parlor",
        format!("the server acknowledged it: sent (server id {question})"),
    );
    agent
        .expect("newMessage", 5, |e| {
            cached(e, question_text, DeliveryState::Received).map(|_| ())
        })
        .await?;
    t.say("support@parlor", "received the question");
    let answer_text = "Sorry! Re-sending it to you now.";
    agent
        .send(
            "reply",
            Command::SendMessage {
                conversation_id: chat.clone(),
                client_id: client_id(),
                text: Some(answer_text.into()),
                reply_to: Some(question.clone()),
                file_id: None,
            },
        )
        .await?;
    let answer = client
        .expect("the reply", 5, |e| {
            cached(e, answer_text, DeliveryState::Received)
                .filter(|m| m.reply_to.as_deref() == Some(question.as_str()))
                .and_then(|m| m.server_id)
        })
        .await?;
    t.say(
        "client@parlor",
        "received the answer, shown as a reply to the question",
    );
    let read = client
        .send(
            "readMessages",
            Command::MarkRead {
                conversation_id: chat.clone(),
                message_ids: vec![answer.clone()],
            },
        )
        .await?;
    let readers = read
        .iter()
        .find_map(|e| match e {
            DomainEvent::ReadCounts { counts } => counts.get(&answer).copied(),
            _ => None,
        })
        .ok_or_else(|| setup("no read counts"))?;
    let by = agent
        .expect("the answer read", 5, |e| {
            cached(e, answer_text, DeliveryState::Read).map(|m| m.read_by.join(", "))
        })
        .await?;
    t.say(
        "support@parlor",
        format!("the answer shows read (by {by}; readers: {readers})"),
    );
    let active = agent
        .send(
            "getActiveUsers",
            Command::GetActiveUsers {
                conversation_id: chat.clone(),
            },
        )
        .await?;
    let ids = active
        .iter()
        .find_map(|e| match e {
            DomainEvent::ActiveUsers { user_ids, .. } => Some(user_ids.join(", ")),
            _ => None,
        })
        .ok_or_else(|| setup("no activeUsers"))?;
    t.say("support@parlor", format!("active users in {chat}: {ids}"));
    let (page, _) = client_cache.cache().page(&chat, None, 50).map_err(setup)?;
    t.say(
        "client@parlor",
        format!(
            "the cache holds {} messages: {}",
            page.len(),
            page.iter()
                .map(|m| format!(
                    "{:?} ({})",
                    m.text.as_deref().unwrap_or(""),
                    m.state.as_str()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let hits = agent_cache
        .cache()
        .search("report", None, 10)
        .map_err(setup)?;
    t.say(
        "support@parlor",
        format!("offline search for \"report\": {} message(s)", hits.len()),
    );
    if page.len() != 2 || hits.len() != 1 {
        return Err(setup("the caches do not hold the conversation once"));
    }
    Ok(())
}

/// A Messenger on a fresh scratch cache for `a`.
fn messenger(a: &Actor, tag: &str) -> Result<std::sync::Arc<Messenger>, StepError> {
    let dir = std::env::temp_dir().join(format!(
        "parlor-demo-{tag}-{}-{}",
        std::process::id(),
        client_id()
    ));
    let store = Store::open(&dir.join("cache.sqlite3")).map_err(setup)?;
    Ok(Messenger::attach(
        &a.client,
        store,
        MessengerConfig::default(),
    ))
}

/// The cached message with `text` in `state`, if `e` announces it.
fn cached(e: &DomainEvent, text: &str, state: DeliveryState) -> Option<ChatMessage> {
    match e {
        DomainEvent::ChatMessageChanged { message }
            if message.text.as_deref() == Some(text) && message.state == state =>
        {
            Some(message.clone())
        }
        _ => None,
    }
}

/// 004: presence, a call that rings, is accepted with LiveKit credentials, and is ended.
async fn telecaller(t: &Transcript) -> Result<(), StepError> {
    let d = DialectId::Telecaller;
    let server = start(d, &[], t).await?;
    let mut user = actor(
        &server,
        d,
        "Arjun Mehta",
        "507f1f77bcf86cd799439011",
        "/user",
        t,
    )
    .await?;
    let mut jane = actor(
        &server,
        d,
        "Jane Smith",
        "507f1f77bcf86cd799439031",
        "/telecaller",
        t,
    )
    .await?;
    // The call state machine on both sides, with the loopback media engine.
    let _user_calls = crate::calls::attach(&user.client, None);
    let _jane_calls = crate::calls::attach(&jane.client, None);
    jane.send("go online", Command::SetPresence { online: true })
        .await?;
    user.expect("presence ONLINE", 5, |e| matches!(e, DomainEvent::ExpertPresence { expert_id, presence: Presence::Online, .. } if expert_id == "507f1f77bcf86cd799439031").then_some(())).await?;
    t.say("Arjun Mehta", "sees Jane Smith ONLINE");
    user.send(
        "call",
        Command::InitiateCall {
            callee_id: "507f1f77bcf86cd799439031".into(),
            media: CallMedia::Audio,
        },
    )
    .await?;
    let call = user
        .expect("call:ringing", 5, |e| match e {
            DomainEvent::CallRinging { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .await?;
    t.say("Arjun Mehta", format!("calling… ringing (call {call})"));
    jane.expect("call:incoming", 5, |e| {
        matches!(e, DomainEvent::CallIncoming { call_id, .. } if *call_id == call).then_some(())
    })
    .await?;
    t.say("Jane Smith", "incoming audio call from Arjun Mehta");
    jane.send(
        "accept",
        Command::AcceptCall {
            call_id: call.clone(),
        },
    )
    .await?;
    let lk = user
        .expect("call:accepted", 5, |e| match e {
            DomainEvent::CallAccepted { livekit, .. } => Some(livekit.clone()),
            _ => None,
        })
        .await?;
    jane.expect("call:accepted", 5, |e| {
        matches!(e, DomainEvent::CallAccepted { .. }).then_some(())
    })
    .await?;
    t.say(
        "Arjun Mehta",
        format!(
            "accepted: LiveKit {} room {} token {}…",
            lk.url,
            lk.room,
            &lk.token[..lk.token.len().min(16)]
        ),
    );
    user.expect("presence ON_CALL", 5, |e| {
        matches!(
            e,
            DomainEvent::ExpertPresence {
                presence: Presence::Busy,
                ..
            }
        )
        .then_some(())
    })
    .await?;
    t.say("Arjun Mehta", "Jane Smith is now ON_CALL");
    for a in [&mut user, &mut jane] {
        a.expect("the media room", 5, |e| {
            matches!(
                e,
                DomainEvent::CallMedia {
                    media: MediaEvent::Connected,
                    ..
                }
            )
            .then_some(())
        })
        .await?;
        t.say(
            &a.name.clone(),
            "in the media room (loopback engine: the demo moves no audio)",
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let own = user
        .send(
            "hang up",
            Command::EndCall {
                call_id: call.clone(),
            },
        )
        .await?;
    if let Some(DomainEvent::CallEnded {
        duration_secs,
        coins,
        ..
    }) = own
        .iter()
        .find(|e| matches!(e, DomainEvent::CallEnded { .. }))
    {
        t.say(
            "Arjun Mehta",
            format!(
                "hung up: {} s, {} coins (from the server's ack)",
                duration_secs.unwrap_or_default(),
                coins
                    .as_ref()
                    .map(|c| c.amount.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
        );
    }
    for a in [&mut user, &mut jane] {
        a.expect("leaving the media room", 5, |e| {
            matches!(
                e,
                DomainEvent::CallMedia {
                    media: MediaEvent::Disconnected { .. },
                    ..
                }
            )
            .then_some(())
        })
        .await?;
        t.say(&a.name.clone(), "left the media room");
    }
    let (secs, coins) = jane
        .expect("call:ended", 5, |e| match e {
            DomainEvent::CallEnded {
                call_id,
                duration_secs,
                coins,
                ..
            } if *call_id == call => Some((*duration_secs, coins.clone())),
            _ => None,
        })
        .await?;
    t.say(
        "bill",
        format!(
            "call ended after {} s, {} coins",
            secs.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
            coins
                .map(|c| c.amount.to_string())
                .unwrap_or_else(|| "?".into())
        ),
    );
    Ok(())
}
