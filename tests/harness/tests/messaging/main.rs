//! The Messenger against the reference servers: each dialect's send, receive, history,
//! receipts, reactions and typing through the cache; 500 messages written while the server is
//! down delivered once and in order when it returns; a killed `parlor connect` process
//! delivering its queued messages after a restart; malformed payloads.

#[path = "../support/mod.rs"]
mod support;

use support::wait_until;

use parlor_core::messaging::{ChatMessage, DeliveryState, Messenger, MessengerConfig, PageSource};
use parlor_core::model::{ConsultationKind, RequestOutcome};
use parlor_core::store::Store;
use parlor_core::{
    Client, Command, DialectId, DomainEvent, LocalCommand, ServerProfile, StaticToken,
};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer, ServerMode, PROBE};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

mod doubts;
mod flows;
mod handles;
mod offline;

fn scratch(tag: &str) -> PathBuf {
    support::scratch_dir("msg-it", tag)
}

fn fast() -> MessengerConfig {
    MessengerConfig {
        confirm_timeout: Duration::from_secs(3),
        retry_base: Duration::from_millis(100),
        retry_max: Duration::from_secs(1),
        typing_throttle: Duration::from_secs(2),
        typing_idle: Duration::from_millis(600),
        ..MessengerConfig::default()
    }
}

/// A signed-in party with a Messenger on a fresh cache.
async fn party(
    server: &RefServer,
    d: DialectId,
    account: &str,
    tag: &str,
) -> (Actor, Arc<Messenger>) {
    let token = server.mint(account).await.unwrap();
    let actor = Actor::connect(tag, d, &server.url(), "/", token, Some(account))
        .await
        .unwrap();
    let store = Store::open(&scratch(tag).join("cache.sqlite3")).unwrap();
    let m = Messenger::attach(&actor.client, store, fast());
    (actor, m)
}

fn send(conv: &str, client_id: &str, text: &str, reply_to: Option<&str>) -> Command {
    Command::SendMessage {
        conversation_id: conv.into(),
        client_id: client_id.into(),
        text: Some(text.into()),
        reply_to: reply_to.map(str::to_owned),
        file_id: None,
    }
}

/// Picks a changed message with this text in this state.
fn changed(text: &str, state: DeliveryState) -> impl FnMut(&DomainEvent) -> Option<ChatMessage> {
    let text = text.to_owned();
    move |e| match e {
        DomainEvent::ChatMessageChanged { message }
            if message.text.as_deref() == Some(&text) && message.state == state =>
        {
            Some(message.clone())
        }
        _ => None,
    }
}

fn page_of(events: &[DomainEvent]) -> (Vec<ChatMessage>, PageSource) {
    events
        .iter()
        .find_map(|e| match e {
            DomainEvent::MessagesPage {
                messages, source, ..
            } => Some((messages.clone(), *source)),
            _ => None,
        })
        .expect("a page")
}

async fn join(a: &mut Actor, conv: &str) {
    a.send(
        "join",
        Command::JoinConversation {
            conversation_id: conv.into(),
        },
    )
    .await
    .unwrap();
}
