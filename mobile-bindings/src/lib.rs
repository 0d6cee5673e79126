//! # parlor-ffi
//!
//! Parlor's core for iOS, Android and Python through uniffi proc-macros, after
//! matrix-rust-sdk's `bindings/matrix-sdk-ffi`: one object per handle ([`ParlorClient`],
//! [`TaskHandle`]), foreign traits for the event listener and list listeners ([`EventListener`],
//! [`ExpertListListener`], [`MessageListListener`]) and for the secret store
//! ([`SecretStore`]), a small coarse error enum ([`ParlorError`]), async methods on a tokio
//! runtime owned by this library, long-running work returned as a [`TaskHandle`] with
//! `cancel()`.
//!
//! Thin conversion only: every method maps its arguments to a core [`Command`] or a service
//! query and its result to records; there is no business logic here.
//!
//! Everything crosses typed: every domain event is a case of [`Event`], states and kinds are
//! enums, money is a decimal, our own times are instants and durations. Two escape hatches
//! remain, for raw use only: `send_command_json` reaches any core command without a binding
//! change, and [`Event::Other`] carries an event a newer core adds before the bindings type it.
//!
//! [`Command`]: parlor_core::Command

uniffi::setup_scaffolding!();

mod client;
mod error;
mod events;
mod listeners;
mod logging;
mod records;
mod runtime;
mod types;

pub use client::{ParlorClient, PushPlatform, VoiceUpload};
pub use error::{ListenerError, ParlorError};
pub use events::Event;
pub use listeners::{
    ChatListListener, EventListener, ExpertListListener, MessageListListener, SecretStore,
};
pub use logging::{set_logger, LogLevel, LogRecord, Logger};
pub use records::*;
pub use runtime::TaskHandle;
