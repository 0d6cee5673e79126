//! Messaging with an offline-first local cache (issue 4).
//!
//! The [`Messenger`] is a [`Service`](crate::Service) attached to a [`Client`](crate::Client)
//! with a [`Store`](crate::store::Store): every message, reaction, receipt, participant and
//! status event the client publishes is applied to the cache and re-published as
//! [`ChatMessageChanged`](crate::DomainEvent::ChatMessageChanged); `send_message` goes
//! through a persistent outbox (the cache's own rows, respawned at start); pages and search
//! come from the cache, offline too.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use parlor_core::messaging::{Messenger, MessengerConfig};
//! use parlor_core::store::{default_data_dir, Store};
//! use parlor_core::{Client, Command, DialectId, ServerProfile, StaticToken};
//! use std::sync::Arc;
//! let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:5003");
//! let store = Store::open_for(&default_data_dir(), &profile, "1")?;
//! let client = Client::connect(profile, Arc::new(StaticToken::new("jwt")))?;
//! let _messenger = Messenger::attach(&client, store, MessengerConfig::default());
//! // Works offline: the message is pending at once and delivered once connected.
//! client.send(Command::SendMessage {
//!     conversation_id: "chat-1".into(), client_id: String::new(),
//!     text: Some("hello".into()), reply_to: None, file_id: None,
//! }).await?;
//! # Ok(()) }
//! ```

pub mod cache;
mod outbox;
pub mod queue;
mod send_handle;
mod sending;
mod service;
mod shared;
pub mod time;
mod typing;

pub use crate::model::{ChatMessage, ChatSummary, DeliveryState, PageSource};
pub use cache::Cache;
pub use send_handle::SendHandle;
pub use sending::MessageDraft;
pub use service::{MessagePage, Messenger};
pub use shared::MessengerConfig;
