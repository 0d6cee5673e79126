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
//! Commands and events cross two ways: typed methods and records for the main flows, and
//! every core command / event as JSON (`send_command_json`, [`Event::json`]) so the whole
//! API is reachable without a binding change when the core grows a command.
//!
//! [`Command`]: parlor_core::Command

uniffi::setup_scaffolding!();

mod client;
mod error;
mod listeners;
mod records;
mod runtime;

pub use client::{ParlorClient, VoiceUpload};
pub use error::ParlorError;
pub use listeners::{EventListener, ExpertListListener, MessageListListener, SecretStore};
pub use records::*;
pub use runtime::TaskHandle;
