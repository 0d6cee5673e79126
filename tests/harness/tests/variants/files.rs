//! Every file of `tests/harness/variants/` carries a chat by its profile alone, and without
//! its tables the same server is not understood.

use super::*;

/// Every variant file, by name.
fn all_variants() -> Vec<Variant> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(variants_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Variant::load(p)).collect()
}

/// The first two accounts of `v` connect with its profile (tables as `keep` says), join the
/// conversation (the server confirms each join), and one writes to the other; then the conversation is listed and its history
/// read where the dialect can (REST on 002). The first step that fails is the error.
async fn chat(
    v: &Variant,
    keep: impl Fn(&str) -> bool + Copy,
    patience: u64,
) -> Result<(), String> {
    let server = v.server().await;
    let (a, b) = (&v.accounts[0], &v.accounts[1]);
    let connect = |account: &str| {
        let mut profile = v.profile(&server.url(), account, keep);
        profile.ack_timeout_ms = patience * 1_000;
        let account = account.to_owned();
        let server = &server;
        async move {
            let token = server.mint(&account).await.map_err(|e| e.to_string())?;
            Actor::connect_profile(&account, profile, token)
                .await
                .map_err(|e| format!("{account} cannot connect: {e}"))
        }
    };
    let mut user = connect(a).await?;
    let mut other = connect(b).await?;
    let conversation_id = v.conversation.clone();
    for actor in [&mut user, &mut other] {
        let join = Command::JoinConversation {
            conversation_id: conversation_id.clone(),
        };
        actor
            .send("join", join)
            .await
            .map_err(|e| format!("join: {e}"))?;
        // Where the join is an emit, its confirmation comes later: a message sent before the
        // other side is in the room would not reach it.
        let joined = conversation_id.clone();
        actor
            .expect("the join's confirmation", patience, move |e| {
                matches!(e, DomainEvent::ConversationJoined { conversation_id, .. } if *conversation_id == joined)
                    .then_some(())
            })
            .await
            .map_err(|e| format!("join: {e}"))?;
    }
    let text = format!("hello from {}", v.name);
    user.send(
        "send",
        Command::SendMessage {
            conversation_id: conversation_id.clone(),
            client_id: uuid::Uuid::new_v4().to_string(),
            text: Some(text.clone()),
            reply_to: None,
            file_id: None,
        },
    )
    .await
    .map_err(|e| format!("send: {e}"))?;
    let wanted = text.clone();
    other
        .expect("the message", patience, move |e| match e {
            DomainEvent::MessageReceived { message }
                if message.text.as_deref() == Some(&wanted) =>
            {
                Some(())
            }
            _ => None,
        })
        .await
        .map_err(|e| format!("receive: {e}"))?;
    match user.client.send(Command::ListConversations { status: None }).await {
        Ok(events) if events.iter().any(|e| matches!(e, DomainEvent::Conversations { conversations } if conversations.iter().any(|c| c.id == conversation_id))) => {}
        Ok(events) => return Err(format!("the conversation is not listed: {events:?}")),
        Err(Error::Unsupported(_)) => {}
        Err(e) => return Err(format!("list: {e}")),
    }
    let history = Command::FetchHistory {
        conversation_id: conversation_id.clone(),
        before: None,
        limit: Some(50),
    };
    match user.client.send(history).await {
        Ok(events) if events.iter().any(|e| matches!(e, DomainEvent::History { messages, .. } if messages.iter().any(|m| m.text.as_deref() == Some(&text)))) => {}
        Ok(events) => return Err(format!("the message is not in the history: {events:?}")),
        Err(Error::Unsupported(_)) => {}
        Err(e) => return Err(format!("history: {e}")),
    }
    Ok(())
}

/// A server variant is one file: its profile is all Parlor needs.
#[tokio::test]
async fn every_variant_file_carries_a_chat_by_its_profile_alone() {
    let variants = all_variants();
    assert!(variants.len() >= 2, "the variant files are missing");
    for v in &variants {
        if let Err(e) = chat(v, |_| true, 10).await {
            panic!("{}: {e}", v.name);
        }
    }
}

/// Without its tables (the dialect alone) each variant's server is not understood, so the
/// test above proves the files, not lenient servers.
#[tokio::test]
async fn without_its_tables_each_variant_server_is_not_understood() {
    for v in &all_variants() {
        let failed = chat(v, |_| false, 2).await;
        assert!(
            failed.is_err(),
            "{}: a chat worked without the file's tables",
            v.name
        );
    }
}

/// With the events renamed but without the `[fields]` tables, the same server does not hear
/// the text where the document puts it, and its messages' text is not found where the
/// document puts it (so the chat through its file proves the moves both ways).
#[tokio::test]
async fn without_the_field_tables_the_moved_text_is_not_heard() {
    let v = Variant::named("support-chat-renamed");
    let server = v.server().await;
    let mut plain = v.profile(&server.url(), "1", |_| true);
    plain.fields.clear();
    let token = server.mint("1").await.unwrap();
    let mut user = Actor::connect_profile("user", plain, token).await.unwrap();
    join(&mut user).await.unwrap();
    let refused = user.send("send", send("unheard")).await;
    assert!(refused.is_err(), "{refused:?}");

    let full = v.profile(&server.url(), "10", |_| true);
    let token = server.mint("10").await.unwrap();
    let mut agent = Actor::connect_profile("agent", full, token).await.unwrap();
    join(&mut agent).await.unwrap();
    agent.send("send", send("moved hello")).await.unwrap();
    let read = user
        .expect("the moved text", 3, |e| match e {
            DomainEvent::MessageReceived { message } => message.text.clone(),
            _ => None,
        })
        .await;
    assert!(read.is_err(), "{read:?}");
}

/// Without the table the same server hears nothing Parlor says: the document's names are
/// not its names (so the chat through its file proves the renaming, not a lenient server).
#[tokio::test]
async fn without_the_table_the_renamed_server_is_not_understood() {
    let v = Variant::named("support-chat-renamed");
    let server = v.server().await;
    let mut profile = v.profile(&server.url(), "1", |_| true);
    profile.events.clear();
    profile.ack_timeout_ms = 1_500;
    let token = server.mint("1").await.unwrap();
    let mut user = Actor::connect_profile("user", profile, token)
        .await
        .unwrap();
    let joined = join(&mut user).await;
    assert!(joined.is_err(), "{joined:?}");
}
