//! Connect and chat: one session on a support-chat (003) server, a conversation joined, a
//! message sent through the offline-first outbox and confirmed by the server, and the
//! conversation as the local cache then holds it.
//!
//! ```sh
//! node tests/servers/003_support_chat.js --port 0        # prints READY <port>
//! cargo run -p parlor-core --example chat -- http://127.0.0.1:PORT \
//!     "$(node tests/servers/003_support_chat.js --mint 1)"
//! ```
//!
//! ACCOUNT and CONVERSATION default to the reference server's client `1` and its `chat-1`.

use parlor_core::observe::ListChange;
use parlor_core::{Command, DialectId, DomainEvent, ServerProfile, Session, StaticToken};
use std::sync::Arc;
use std::time::Duration;

/// However the server behaves, the example ends within this.
const WHOLE_RUN: Duration = Duration::from_secs(30);
/// How long each step may wait for the server.
const STEP: Duration = Duration::from_secs(10);

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, token, rest @ ..] = args.as_slice() else {
        eprintln!("usage: chat URL TOKEN [ACCOUNT (default 1)] [CONVERSATION (default chat-1)]");
        std::process::exit(2);
    };
    let account = rest.first().map_or("1", String::as_str);
    let conversation = rest.get(1).map_or("chat-1", String::as_str);
    let run = tokio::time::timeout(WHOLE_RUN, run(url, token, account, conversation));
    let result = run
        .await
        .unwrap_or_else(|_| Err("no end in sight: gave up".into()));
    if let Err(e) = result {
        eprintln!("chat: {e}");
        std::process::exit(1);
    }
}

async fn run(url: &str, token: &str, account: &str, conversation: &str) -> Result<(), Failure> {
    let mut profile = ServerProfile::new(DialectId::SupportChat, url);
    // Tells our own messages from the others' in the cache.
    profile.account_id = Some(account.to_owned());
    // The messenger (outbox and cache) exists only with a data dir: a scratch one here, the
    // app's own data folder in an app (it keeps unsent messages across restarts).
    let data_dir = std::env::temp_dir().join(format!("parlor-chat-{}", std::process::id()));
    let session = Session::builder(profile, Arc::new(StaticToken::new(token)))
        .data_dir(data_dir.clone())
        .build()?;
    let result = chat(&session, conversation).await;
    session.client.disconnect().await;
    drop(session);
    // Best effort: a scratch folder left behind harms nothing.
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

async fn chat(session: &Session, conversation: &str) -> Result<(), Failure> {
    let messenger = session
        .messenger
        .as_ref()
        .ok_or("no messenger without a data dir")?;
    let client = &session.client;
    client.wait_connected(STEP).await?;
    println!(
        "connected to {} ({})",
        client.profile().socket_url,
        client.dialect()
    );

    // Joining answers with the conversation's recent messages (003's `joinedChat`).
    let conversation_id = conversation.to_owned();
    let joined = client
        .send(Command::JoinConversation { conversation_id })
        .await?;
    let recent = joined.iter().find_map(|e| match e {
        DomainEvent::ConversationJoined { recent, .. } => Some(recent.len()),
        _ => None,
    });
    let recent = recent.ok_or("the server did not confirm the join")?;
    println!("joined {conversation} ({recent} recent messages)");

    // Observed before sending, so that the list sees every step of the message.
    let mut list = messenger.observe_conversation(conversation, 20)?;
    let handle = messenger.send_text(conversation, "Hello from Parlor's chat example")?;
    println!("queued message {}", handle.client_id());
    // Waits for the server's verdict: sent, or failed with the server's reason.
    let settled = handle.settled(STEP).await?;
    let server_id = match (&settled.server_id, &settled.error) {
        (Some(id), None) => id,
        _ => return Err(format!("the message was not confirmed: {settled:?}").into()),
    };
    println!(
        "confirmed: {} (server id {server_id})",
        settled.state.as_str()
    );
    // Each step is waiting in the list already.
    let mut steps: Vec<&str> = Vec::new();
    let wait = Duration::from_millis(200);
    while let Ok(Some(change)) = tokio::time::timeout(wait, list.next_change()).await {
        if let ListChange::Set(m) = change {
            let state = m.state.as_str();
            if m.local_id == handle.local_id() && steps.last() != Some(&state) {
                steps.push(state);
            }
        }
    }
    println!("its states as observed: {}", steps.join(" -> "));

    // What the cache holds now, read offline: no server involved.
    let cached = messenger.observe_conversation(conversation, 20)?;
    println!(
        "the cached conversation ({} messages):",
        cached.snapshot().len()
    );
    for m in cached.snapshot() {
        let who = m.sender.name.as_deref().unwrap_or(&m.sender.id);
        let mine = if m.own { " (me)" } else { "" };
        let text = m.text.as_deref().unwrap_or("");
        println!("  [{}] {who}{mine}: {text}", m.state.as_str());
    }
    Ok(())
}
