//! The IPC commands, one module per domain. Each builds a core `Command` and calls
//! `Client::send`; none holds business logic.

pub mod account;
pub mod calls;
pub mod consultations;
pub mod messaging;
pub mod presence;
pub mod provider;
pub mod settings;
pub mod streams;
pub mod support;
pub mod update;
pub mod voice;
