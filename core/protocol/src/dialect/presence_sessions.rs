//! Seed 001: astrologer presence, sessions over REST (start/accept/end), Agora tokens, and
//! chat inside a session over the socket (`message:send` / `message:receive`).
//!
//! # What is accepted from a server
//! The document prints no socket payload and no REST answer at all, so every decoder takes
//! the shapes such servers commonly use, on top of the shared rules of the `wire` module
//! (names tried in order; the payload's `data` object read like the payload; ids as
//! strings, numbers or `{id | _id}` objects, `xId` also as `x: {id}`; `null` = absent; an
//! odd optional field is absent, logged at debug; everything else ignored). The session id
//! is `sessionId`, `session_id`, `_id`, `id` or `session: {_id}` (*needs* = a
//! [`ProtocolError`] without it):
//! - `presence:online-list`: a list, or an object with the list under `astrologers`,
//!   `online`, `onlineAstrologers`, `experts`, `users`, `list` or `data`. Items are objects
//!   with an id (`id`, `_id`, `clerkId`, `astrologerId`, `userId`) or bare ids; items without
//!   one are skipped. Optional: `name` / `fullName` / `displayName` / `username`,
//!   `ratePerMinute`; busy when `busy` / `isBusy` is true, `currentSessionId` is set or
//!   `status` / `presence` says busy / on_call / in_session; offline when `isOnline` /
//!   `online` is false or `status` says offline; online otherwise.
//! - `session:request`: needs the session, the user (`userId`, `user_id`, `user: {id |
//!   _id, name}`) and the kind (`sessionType`, `session_type`, `type`, `chatType`). Also read
//!   inside `session` / `request` objects. Optional: `userName`, `ratePerMinute`,
//!   `expiresAt`.
//! - `session:accepted`: needs the session (also inside `session`). Optional:
//!   `channelName` / `channel`, `acceptedAt`, `ratePerMinute`.
//! - `session:ended` (reference server): needs the session. `endReason` rejected /
//!   cancelled / expired answers the request; otherwise optional `duration`,
//!   `coinsDeducted` / `coins`, `endedBy`.
//! - `message:receive`: needs the message id (`_id`, `id`, `messageId`), the session
//!   (`sessionId`, `session_id`, `roomId`, `session: {_id}`) and the sender (`senderId`,
//!   `sender_id`, `userId`, `from`, `sender: {_id, name}`); also read inside `message`.
//!   Optional: text (`text`, `content`, `body`, `message` as a string; empty if absent),
//!   `senderName`, `clientId`, `createdAt` / `timestamp`.
//! - `message:error`: needs nothing; code and message from any common error shape
//!   (`code`, `error`, `message`, a bare string). Optional: session, `clientId`.
//!
//! Answers: every answer is first checked for a recognisable error (`ok` / `success`
//! false, an error `status`, `error`, `errors`), which fails the command with the server's
//! code and message; anything else is success.
//! - `join-session` / `leave-session` acks and the presence REST calls: no body is defined;
//!   any non-error answer (nothing, `true`, `{ok: true}`, …) is success, for the session we
//!   sent.
//! - `POST /api/sessions/start`: needs the new session's id (`session._id`, `_id`, `id`,
//!   `sessionId`, also under `data`); the kind and astrologer default to what we sent.
//! - `POST /api/sessions/accept` and `/end`: the session we sent stands in for a missing
//!   id; optional `channelName`, `acceptedAt`, `ratePerMinute`, and for the end `duration`,
//!   `coinsDeducted`, `endedBy`, `endReason`, `balance`.
//! - `GET /api/v1/astrologers/online`: needs a list, as for `presence:online-list`.
//! - `POST /api/agora/token`: needs `token` (`rtcToken`, `agoraToken`); `channelName` and
//!   `uid` default to what we sent (uid `0` otherwise), `appId` to empty (the app then uses
//!   its own configured Agora app id).

use super::answer::error_parts;
use super::wire::{consultation_kind, object, party, Obj, ProtocolError};
use super::{
    Capability, Confirmation, Dialect, DialectError, DialectId, DialectName, MessageDelivery,
    Outbound, Reconcile,
};
use crate::command::Command;
use crate::event::DomainEvent;
use serde_json::Value;

mod encode;
mod read;
mod reply;
#[cfg(test)]
mod tests;

use read::{
    accepted_events, ended, message, online_list, CLIENT_ID, COINS, KIND, RATE, SESSION, USER,
};

/// How a sign-in form offers this dialect ([`super::DialectSetup`]).
pub const SETUP: super::DialectSetup = super::DialectSetup {
    id: super::DialectId::PresenceSessions,
    seed: "001",
    label: "Presence & sessions",
    hint: "Online presence, sessions, chat",
    rest_at_socket_url: true,
    expert_namespace: "/",
    capabilities: CAPABILITIES,
};

/// The seed 001 dialect.
#[derive(Debug, Clone, Default)]
pub struct PresenceSessions {
    /// The expert's own id, when the profile knows it: presence then goes over REST.
    pub account_id: Option<String>,
}

const CAPABILITIES: &[Capability] = &[
    Capability::Consultations,
    Capability::Presence,
    Capability::Messaging,
    Capability::Agora,
];

impl Dialect for PresenceSessions {
    fn name(&self) -> DialectName {
        DialectId::PresenceSessions.into()
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        encode::encode(self, cmd)
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        match event {
            "presence:online-list" => Ok(vec![DomainEvent::ExpertsOnline {
                experts: online_list(event, args)?,
            }]),
            "session:request" => {
                let o = object(event, args)?.within(["session", "request"]);
                let t = o.str(KIND)?;
                Ok(vec![DomainEvent::ConsultationRequested {
                    consultation_id: o.id(SESSION)?,
                    user: party(&o, &USER, &["userName", "user_name"], "user")
                        .ok_or_else(|| o.error("missing field userId"))?,
                    kind: consultation_kind(&t)
                        .ok_or_else(|| o.error(format!("unknown sessionType {t:?}")))?,
                    rate_per_minute: o.opt_money(RATE, COINS),
                    expires_at: o.opt_text(["expiresAt", "expires_at"]),
                }])
            }
            "session:accepted" => {
                let o = object(event, args)?.within("session");
                Ok(accepted_events(&o, o.id(SESSION)?))
            }
            "session:ended" => {
                let o = object(event, args)?.within("session");
                Ok(vec![ended(&o, o.id(SESSION)?, None)])
            }
            "message:receive" => {
                let o = object(event, args)?.within("message");
                Ok(vec![DomainEvent::MessageReceived {
                    message: message(&o)?,
                }])
            }
            "message:error" => {
                let payload = super::wire::first(event, args)?;
                let (code, text) = error_parts(payload);
                let o = Obj::nested(event, payload, args).ok();
                Ok(vec![DomainEvent::MessageFailed {
                    conversation_id: o.and_then(|o| o.opt_id(["sessionId", "session_id"])),
                    client_id: o.and_then(|o| o.opt_client_id(CLIENT_ID)),
                    code,
                    message: text.unwrap_or_else(|| "message refused".into()),
                }])
            }
            _ => Err(ProtocolError::unknown(event, args)),
        }
    }

    /// The document prints no answer to `message:send`: the emit is all. The reference server
    /// and many others send the message back to its sender (`message:receive`) or a
    /// `message:error`; either settles it, else it ends `unconfirmed`. 001 has no history to
    /// ask later.
    fn message_delivery(&self) -> Option<MessageDelivery> {
        Some(MessageDelivery {
            confirmed_by: Confirmation::EmitOnly {
                echo_window_ms: 5_000,
            },
            reconcile: Reconcile::Nothing,
        })
    }

    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        reply::decode_reply(sent, answer)
    }
}
