//! The 002 tarot chat demo: its story, step by step against the reference server.

use super::*;

/// 002: join, typing, a message, a reaction, an answer, read status, history.
pub(super) async fn tarot_chat(t: &Transcript) -> Result<(), StepError> {
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
    let reply_id = client_id();
    samia
        .send(
            "reply",
            Command::SendMessage {
                conversation_id: session.clone(),
                client_id: reply_id.clone(),
                text: Some("Sudden change, but it clears the way for the new.".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await?;
    samia
        .expect("her message_sent", 5, |e| {
            matches!(e, DomainEvent::MessageSent { server_id, .. } if *server_id == reply_id)
                .then_some(())
        })
        .await?;
    sarah
        .expect("the reply", 5, |e| {
            matches!(e, DomainEvent::MessageReceived { message } if message.id == reply_id)
                .then_some(())
        })
        .await?;
    t.say("Sarah Johnson", "received Samia's answer");
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
