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

use super::answer::{accepted, error_parts};
use super::wire::{consultation_kind, first_ack_arg, object, party, Obj, ProtocolError};
use super::{
    decode_raw_reply, encode_raw, path_segment, rest_call, Capability, Confirmation, Dialect,
    DialectError, DialectId, DialectName, MessageDelivery, Outbound, Reconcile,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::Method;
use crate::model::{AgoraJoin, ConsultationKind};
use serde_json::{json, Value};

mod read;
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

fn session_type(k: ConsultationKind) -> &'static str {
    match k {
        ConsultationKind::Text => "chat",
        ConsultationKind::Audio => "audio",
        ConsultationKind::Video => "video",
    }
}

impl Dialect for PresenceSessions {
    fn name(&self) -> DialectName {
        DialectId::PresenceSessions.into()
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        if let Some(raw) = encode_raw(cmd) {
            return Ok(vec![raw]);
        }
        let end = |id: &str, rate: Option<&rust_decimal::Decimal>, duration: Option<u32>| {
            let mut body = json!({ "sessionId": id });
            if let Some(r) = rate {
                body["ratePerMinute"] = json!(r.to_string());
            }
            if let Some(d) = duration {
                body["duration"] = json!(d);
            }
            Outbound::rest(
                rest_call(Method::Post, "/api/sessions/end".into(), Some(body)),
                "session-end",
            )
        };
        let out = match cmd {
            // The REST call is the record of presence (the socket event only mirrors it), so
            // it is the one sent when the expert's id is known.
            Command::SetPresence { online } => match &self.account_id {
                None => Outbound::emit(
                    if *online {
                        "presence:on"
                    } else {
                        "presence:off"
                    },
                    Value::Null,
                ),
                Some(expert_id) => Outbound::rest(
                    rest_call(
                        Method::Post,
                        format!(
                            "/api/v1/astrologers/{}/{}",
                            path_segment(expert_id, "id")?,
                            if *online { "online" } else { "offline" }
                        ),
                        None,
                    ),
                    if *online {
                        "presence-on"
                    } else {
                        "presence-off"
                    },
                ),
            },
            Command::ListOnlineExperts => Outbound::rest(
                rest_call(Method::Get, "/api/v1/astrologers/online".into(), None),
                "online-list",
            ),
            Command::RequestConsultation {
                expert_id,
                kind,
                rate_per_minute,
            } => {
                let mut body =
                    json!({ "astrologerId": expert_id, "sessionType": session_type(*kind) });
                if let Some(r) = rate_per_minute {
                    body["ratePerMinute"] = json!(r.to_string());
                }
                Outbound::rest(
                    rest_call(Method::Post, "/api/sessions/start".into(), Some(body)),
                    "session-start",
                )
            }
            Command::NotifyConsultationRequest { consultation_id } => {
                Outbound::emit("session:request", json!({ "sessionId": consultation_id }))
            }
            Command::AnswerConsultation {
                consultation_id,
                accept: true,
            } => Outbound::rest(
                rest_call(
                    Method::Post,
                    "/api/sessions/accept".into(),
                    Some(json!({ "sessionId": consultation_id })),
                ),
                "session-accept",
            ),
            // The document has no reject: the astrologer ends the pending session.
            Command::AnswerConsultation {
                consultation_id,
                accept: false,
            }
            | Command::CancelConsultationRequest { consultation_id } => {
                end(consultation_id, None, None)
            }
            Command::EndConsultation {
                consultation_id,
                rate_per_minute,
                duration_minutes,
            } => end(consultation_id, rate_per_minute.as_ref(), *duration_minutes),
            // The document defines no ack for its socket events: plain emits (a server that
            // never acks must not stall us; a refused join is silent, as the document has it).
            Command::JoinConversation { conversation_id } => Outbound::emit_own_view(
                "join-session",
                json!({ "sessionId": conversation_id }),
                vec![DomainEvent::ConversationJoined {
                    conversation_id: conversation_id.clone(),
                    recent: vec![],
                }],
            ),
            Command::LeaveConversation { conversation_id } => Outbound::emit_own_view(
                "leave-session",
                json!({ "sessionId": conversation_id }),
                vec![DomainEvent::ConversationLeft {
                    conversation_id: conversation_id.clone(),
                }],
            ),
            Command::SendMessage {
                conversation_id,
                client_id,
                text,
                reply_to,
                file_id,
            } => {
                if reply_to.is_some() || file_id.is_some() {
                    return Err(DialectError::InvalidCommand(
                        "presence-sessions messages carry text only (no replies or files)".into(),
                    ));
                }
                let text = text
                    .as_deref()
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| DialectError::InvalidCommand("a message needs text".into()))?;
                Outbound::emit(
                    "message:send",
                    json!({ "sessionId": conversation_id, "text": text, "clientId": client_id }),
                )
            }
            Command::RequestAgoraToken { channel, uid } => {
                let mut body = json!({ "channelName": channel });
                if let Some(u) = uid {
                    body["uid"] = json!(u);
                }
                Outbound::rest(
                    rest_call(Method::Post, "/api/agora/token".into(), Some(body)),
                    "agora",
                )
            }
            other => return Err(self.unsupported(other)),
        };
        Ok(vec![out])
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
        if let Some(events) = decode_raw_reply(sent, answer) {
            return Ok(events);
        }
        let Some(kind) = sent.reply_kind() else {
            return Ok(vec![]);
        };
        // Socket acks arrive as the list of the ack's arguments; REST bodies as they are.
        let body = match sent {
            Outbound::Request { .. } => first_ack_arg(answer),
            _ => answer.clone(),
        };
        accepted(&body)?;
        let args = std::slice::from_ref(&body);
        let event = kind.0;
        // The body as an object, when it is one (the document defines none of them).
        let obj = || {
            Obj::nested(event, &body, args)
                .ok()
                .map(|o| o.within("session"))
        };
        let sent_session = || sent.sent_str("sessionId");
        let events = match kind.0 {
            "presence-on" | "presence-off" => vec![DomainEvent::OwnPresence {
                online: kind.0 == "presence-on",
            }],
            "online-list" => vec![DomainEvent::ExpertsOnline {
                experts: online_list(event, args)?,
            }],
            "session-start" => {
                let s = object(event, args)?.within("session");
                let kind = s.opt_str(KIND).or_else(|| sent.sent_str("sessionType"));
                vec![DomainEvent::ConsultationRequestSent {
                    kind: kind.as_deref().and_then(consultation_kind),
                    consultation_id: s.id(["_id", "id", "sessionId", "session_id"])?,
                    expert_id: s
                        .opt_id(["astrologerId", "astrologer_id"])
                        .or_else(|| sent.sent_str("astrologerId")),
                    rate_per_minute: s.opt_money(RATE, COINS),
                    expires_at: s.opt_text(["expiresAt", "expires_at"]),
                }]
            }
            "session-accept" => {
                let o = obj();
                let id = o
                    .and_then(|o| o.opt_id(["_id", "id", "sessionId", "session_id"]))
                    .or_else(sent_session)
                    .unwrap_or_default();
                match o {
                    Some(o) => accepted_events(&o, id),
                    None => accepted_events(&Obj::empty(event), id),
                }
            }
            "session-end" => {
                let o = obj().unwrap_or_else(|| Obj::empty(event));
                let id = o
                    .opt_id(["_id", "id", "sessionId", "session_id"])
                    .or_else(sent_session)
                    .unwrap_or_default();
                let balance = o.opt_money(["balance", "walletBalance"], COINS);
                vec![ended(&o, id, balance)]
            }
            "join" => vec![DomainEvent::ConversationJoined {
                conversation_id: sent_session().unwrap_or_default(),
                recent: vec![],
            }],
            "leave" => vec![DomainEvent::ConversationLeft {
                conversation_id: sent_session().unwrap_or_default(),
            }],
            "agora" => {
                let o = object(event, args)?;
                vec![DomainEvent::AgoraJoinReady {
                    join: AgoraJoin {
                        app_id: o
                            .opt_id(["appId", "app_id", "agoraAppId"])
                            .unwrap_or_default(),
                        channel: o
                            .opt_str(["channelName", "channel_name", "channel"])
                            .or_else(|| sent.sent_str("channelName"))
                            .unwrap_or_default(),
                        token: o.str(["token", "rtcToken", "agoraToken"])?,
                        uid: o
                            .opt_id("uid")
                            .or_else(|| sent.sent_str("uid"))
                            .unwrap_or_else(|| "0".into()),
                        expires_at: o.opt_text(["expiresAt", "expires_at"]),
                    },
                }]
            }
            other => {
                return Err(DialectError::InvalidCommand(format!(
                    "presence-sessions has no reply kind {other}"
                )))
            }
        };
        Ok(events)
    }
}
