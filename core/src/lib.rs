//! # parlor-core
//!
//! One client for the live-consultation marketplaces whose backends speak Socket.IO (plus
//! some REST): consultations billed per minute, presence, chat, calls. Each server protocol is
//! a *dialect* ([`dialect`]) translating between the domain ([`model`], [`command`], [`event`])
//! and the wire; [`transport`] keeps the socket alive around rust_socketio's defects;
//! [`Client`] ties them together.
//!
//! An app builds a [`Session`] (a client with the services its server supports: chat with an
//! offline cache, consultations and their meter, calls, presence, voice notes), sends
//! [`Command`]s and [`LocalCommand`]s through [`Client::send`] and reads [`DomainEvent`]s from
//! [`Client::subscribe`] or the services' observed lists. Runnable programs against the
//! reference servers are in `core/examples/`: `chat`, `consultation`, `call_signalling` and
//! `custom_dialect` (`cargo run -p parlor-core --example chat -- URL TOKEN`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), parlor_core::Error> {
//! use parlor_core::{Client, Command, ServerProfile, DialectId, StaticToken};
//! use std::sync::Arc;
//! let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:5003");
//! let client = Client::connect(profile, Arc::new(StaticToken::new("jwt")))?;
//! let mut events = client.subscribe();
//! client.wait_connected(std::time::Duration::from_secs(5)).await?;
//! client.send(Command::JoinConversation { conversation_id: "chat-1".into() }).await?;
//! while let Some(event) = events.recv().await {
//!     println!("{event:?}");
//! }
//! # Ok(()) }
//! ```

// The sans-I/O layer lives in its own crate (core/protocol); its modules keep their paths here.
pub(crate) use parlor_protocol::sync;
pub use parlor_protocol::{command, dialect, event, model, push};

pub mod calls;
pub mod client;
pub mod consultation;
pub mod error;
pub mod login_token;
pub mod messaging;
pub mod observe;
pub mod presence;
pub mod presence_keeper;
pub mod profile;
pub mod ranges;
pub mod secrets;
pub mod send_steps;
pub mod session;
pub mod store;
pub mod token;
pub mod transport;
#[cfg(feature = "voice")]
pub mod voice;

pub use client::{Client, EventStream, Service, WeakClient, RAW_CAPACITY};
pub use command::{Command, LocalCommand, Request};
pub use consultation::ConsultationService;
pub use dialect::{Capability, DialectId};
pub use error::Error;
pub use event::DomainEvent;
pub use presence::ExpertDirectory;
pub use presence_keeper::PresenceKeeper;
pub use profile::{DeliveryLimits, ServerProfile, TokenSpec};
pub use session::{Session, SessionBuilder, SessionError};
pub use token::{EnvToken, FileToken, StaticToken, TokenError, TokenSource};
pub use transport::ConnectionState;
