//! The 001 presence and sessions demo: its story, step by step against the reference server.

use super::*;

/// 001: presence, REST session start/accept, chat in the session, Agora token, end with coins.
pub(super) async fn presence_sessions(t: &Transcript) -> Result<(), StepError> {
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
