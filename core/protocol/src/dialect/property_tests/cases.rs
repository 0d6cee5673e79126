//! Every payload the documents print, and the shapes beyond them that the dialects' module
//! docs say they accept, per dialect.

use super::*;

mod billing_chat;
mod presence_sessions;
mod support_chat;
mod tarot_chat;
mod telecaller;

/// What to decode: an event, or the answer to a command.
pub(super) enum Input {
    Event(&'static str),
    Reply(Command),
}

pub(super) struct Case {
    /// Index into [`dialects`].
    pub(super) dialect: usize,
    pub(super) input: Input,
    pub(super) payload: Value,
}

/// 000, 001, 002, 003, 004 user side, 004 telecaller side.
pub(super) fn dialects() -> Vec<Box<dyn Dialect>> {
    let ctx = |namespace: &str| DialectContext {
        namespace: namespace.into(),
        account_id: Some("me".into()),
    };
    vec![
        dialect_for(DialectId::BillingChat, &ctx("/")),
        dialect_for(DialectId::PresenceSessions, &ctx("/")),
        dialect_for(DialectId::TarotChat, &ctx("/")),
        dialect_for(DialectId::SupportChat, &ctx("/")),
        dialect_for(DialectId::Telecaller, &ctx("/user")),
        dialect_for(DialectId::Telecaller, &ctx("/telecaller")),
    ]
}

pub(super) const D000: usize = 0;
pub(super) const D001: usize = 1;
pub(super) const D002: usize = 2;
pub(super) const D003: usize = 3;
pub(super) const D004_USER: usize = 4;
pub(super) const D004_TELECALLER: usize = 5;

pub(super) fn event(dialect: usize, name: &'static str, payload: Value) -> Case {
    Case {
        dialect,
        input: Input::Event(name),
        payload,
    }
}

pub(super) fn reply(dialect: usize, cmd: Command, payload: Value) -> Case {
    Case {
        dialect,
        input: Input::Reply(cmd),
        payload,
    }
}

/// Every payload the documents print (with real values where they print placeholders for
/// amounts), and the shapes beyond them that the dialects' module docs say they accept.
pub(super) fn cases() -> Vec<Case> {
    [
        billing_chat::cases(),
        presence_sessions::cases(),
        tarot_chat::cases(),
        support_chat::cases(),
        telecaller::cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
