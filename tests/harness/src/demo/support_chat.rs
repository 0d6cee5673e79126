//! The 003 support chat demo: its story, step by step against the reference server.

use super::*;

/// 003: support chat with acks: join, a message, a reply, read receipts, active users.
pub(super) async fn support_chat(t: &Transcript) -> Result<(), StepError> {
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
