//! What each dialect promises for sends (README, "What each dialect guarantees for sends"),
//! proved against the reference servers in the mode the run chose (`PARLOR_SERVER_MODE`:
//! `default`, `seed-only` — only what the documents print — or `drift:<seed>`), and counted on
//! the server's side through its test-only `GET /debug/messages`:
//!
//! - never a second copy of a message on the server, in any dialect;
//! - a message the client calls `sent` is on the server exactly once; one it calls `failed`
//!   is not there at all; `unconfirmed` (the user decides) only where the dialect cannot tell;
//! - 002 and 003 can always tell (the ack or `message_sent`, then the recent messages or the
//!   history page): every message ends `sent`, exactly once, in order;
//! - 001 confirms nothing but the emit: at most once, and what the client cannot know is
//!   marked `unconfirmed`, never resent behind the user's back.

#[path = "../support/mod.rs"]
mod support;

use support::wait_until;

use parlor_core::messaging::{ChatMessage, DeliveryState, Messenger, MessengerConfig};
use parlor_core::store::Store;
use parlor_core::transport::BackoffPolicy;
use parlor_core::{Command, DialectId, ServerProfile};
use parlor_harness::faults::FaultProxy;
use parlor_harness::script::{chat_user, open_chat, Actor};
use parlor_harness::servers::{server_file, RefServer, ServerMode};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod answers;
mod cuts;
mod refusals;

fn scratch(tag: &str) -> PathBuf {
    support::scratch_dir("delivery", tag)
}

/// The dialect's chat user, signed in to `server` with a minted token.
async fn chat_user_on(server: &RefServer, d: DialectId) -> Actor {
    let account = chat_user(d);
    let token = server.mint(account).await.unwrap();
    Actor::connect("user", d, &server.url(), "/", token, Some(account))
        .await
        .unwrap()
}

/// A messenger on `user`'s client whose cache is the scratch folder `tag`.
fn messenger(user: &Actor, tag: &str, config: MessengerConfig) -> Arc<Messenger> {
    Messenger::attach(
        &user.client,
        Store::open(&scratch(tag).join("cache.sqlite3")).unwrap(),
        config,
    )
}

fn send(conversation_id: &str, text: &str) -> Command {
    Command::SendMessage {
        conversation_id: conversation_id.into(),
        client_id: String::new(),
        text: Some(text.into()),
        reply_to: None,
        file_id: None,
    }
}
