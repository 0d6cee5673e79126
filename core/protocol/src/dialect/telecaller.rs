//! Seed 004: telecaller calls. Users on `/user` initiate, cancel and end calls and watch
//! telecaller presence; telecallers on `/telecaller` (the symmetric side) accept, reject and
//! end them. Accepted calls carry LiveKit credentials.
//!
//! # What is accepted from a server
//! On top of the shared rules of the `wire` module (names tried in order; the payload's
//! `data` object read like the payload; ids as strings, numbers or `{id | _id}` objects,
//! `xId` also as `x: {id}`; `null` = absent; an odd optional field is absent, logged at
//! debug; everything else ignored). The call is `callId`, `call_id`, or the call object
//! `call: {_id}`, whose fields read like the flat payload (*needs* = a [`ProtocolError`]
//! without it):
//! - `telecaller:presence-changed`: needs the telecaller (`telecallerId`, or the
//!   `telecaller` object's id) and `presence` / `status`: ONLINE / AVAILABLE, OFFLINE,
//!   ON_CALL / BUSY (any case, `-` or `_`). The `telecaller` object (`_id` / `id`, `name`,
//!   `profile`, `language`, `about`) is kept when it has an id.
//! - `call:ringing`: needs the call. Optional: `telecaller` / `callee` with an id.
//! - `call:incoming`: needs the call and `callType` (`call_type`, `type`, `media`: AUDIO /
//!   VOICE or VIDEO, any case). The caller (`caller` / `user` object, or `callerId`) is
//!   optional: the call is answerable without it.
//! - `call:accepted`: needs the call and the LiveKit `url` and `token` (in `livekit` /
//!   `liveKit`, or flat); `roomName` defaults to the call id, as the document says it is.
//!   Optional: `callType`, `caller`.
//! - `call:rejected`, `call:cancelled`, `call:missed`: need the call.
//! - `call:ended`: needs the call. Optional: `duration` (whole seconds; negative, fractional
//!   or too large reads as absent), `coins`, `endedBy`.
//! - `call:error`, `error`: need nothing; the message from `message` or a bare string, the
//!   server's `code` when it gives one (the document prints none).
//!
//! Acks (the document defines none for `call:cancel`, `call:accept`, `call:reject`,
//! `call:end`): nothing, `true` or any non-error answer is success for the call we sent
//! (`call:end`'s ack may add `duration`, `coins`, `endedBy`). A recognisable error
//! (`{success: false, message}`, …) fails the command with the server's code, or
//! [`SERVER_CALL_ERROR`] when it gives none.

use super::answer::error_parts;
use super::wire::{first, object, Obj, ProtocolError};
use super::{
    decode_raw_reply, encode_raw, Capability, Dialect, DialectError, DialectId, DialectName,
    Outbound,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{CallMedia, Expert, LiveKitGrant, Money, Party, Presence};
use serde_json::{json, Value};

#[cfg(test)]
mod tests;

/// How a sign-in form offers this dialect ([`super::DialectSetup`]).
pub const SETUP: super::DialectSetup = super::DialectSetup {
    id: super::DialectId::Telecaller,
    seed: "004",
    label: "Telecaller calls",
    hint: "Voice and video calls",
    rest_at_socket_url: false,
    expert_namespace: "/telecaller",
    capabilities: CAPABILITIES,
};

/// Which side of the call this connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSide {
    /// A paying user (`/user`).
    User,
    /// A telecaller (`/telecaller`).
    Telecaller,
}

impl CallSide {
    /// How the server names this side as the one who ended a call (`endedBy`).
    fn ender(self) -> &'static str {
        match self {
            CallSide::User => "USER",
            CallSide::Telecaller => "TELECALLER",
        }
    }
}

/// The seed 004 dialect for one side.
#[derive(Debug, Clone, Copy)]
pub struct Telecaller {
    /// Which side.
    pub side: CallSide,
}

impl Telecaller {
    /// `/telecaller` is the expert side; anything else the user side.
    pub fn for_namespace(namespace: &str) -> Self {
        let side = if namespace.trim_end_matches('/').ends_with("telecaller") {
            CallSide::Telecaller
        } else {
            CallSide::User
        };
        Telecaller { side }
    }
}

const CAPABILITIES: &[Capability] = &[Capability::Calls, Capability::Presence];

fn media_name(m: CallMedia) -> &'static str {
    match m {
        CallMedia::Audio => "AUDIO",
        CallMedia::Video => "VIDEO",
    }
}

/// The call's media, `AUDIO` or `VIDEO` in any case; anything else is absent.
fn media_of(o: &Obj<'_>) -> Option<CallMedia> {
    let said = o.opt_str(["callType", "call_type", "type", "media"])?;
    match said.to_ascii_uppercase().as_str() {
        "AUDIO" | "VOICE" => Some(CallMedia::Audio),
        "VIDEO" => Some(CallMedia::Video),
        _ => {
            o.ignored("callType", "unknown call type");
            None
        }
    }
}

impl Dialect for Telecaller {
    fn name(&self) -> DialectName {
        DialectId::Telecaller.into()
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        if let Some(raw) = encode_raw(cmd) {
            return Ok(vec![raw]);
        }
        // Every event is a plain emit: the document defines no ack. `call:initiate` is answered
        // by events (call:ringing or call:error), `call:accept` by `call:accepted`; cancel,
        // reject and end are answered only to the other party, so the sender's own view is
        // what it did (duration and coins of an ended call are the other side's news).
        let call = |event: &str, id: &str, own_view: Vec<DomainEvent>| {
            Ok(vec![Outbound::emit_own_view(
                event,
                json!({ "callId": id }),
                own_view,
            )])
        };
        let id = |call_id: &str| call_id.to_owned();
        match (self.side, cmd) {
            (CallSide::User, Command::InitiateCall { callee_id, media }) => {
                Ok(vec![Outbound::emit(
                    "call:initiate",
                    json!({ "telecallerId": callee_id, "callType": media_name(*media) }),
                )])
            }
            (CallSide::User, Command::CancelCall { call_id }) => call(
                "call:cancel",
                call_id,
                vec![DomainEvent::CallCancelled {
                    call_id: id(call_id),
                }],
            ),
            (CallSide::Telecaller, Command::AcceptCall { call_id }) => {
                call("call:accept", call_id, vec![])
            }
            (CallSide::Telecaller, Command::RejectCall { call_id }) => call(
                "call:reject",
                call_id,
                vec![DomainEvent::CallRejected {
                    call_id: id(call_id),
                }],
            ),
            (_, Command::EndCall { call_id }) => call(
                "call:end",
                call_id,
                vec![DomainEvent::CallEnded {
                    call_id: id(call_id),
                    duration_secs: None,
                    coins: None,
                    ended_by: Some(self.side.ender().into()),
                }],
            ),
            (CallSide::Telecaller, Command::SetPresence { online }) => Ok(vec![Outbound::emit(
                "presence:update",
                json!({ "presence": if *online { "ONLINE" } else { "OFFLINE" } }),
            )]),
            (_, other) => Err(self.unsupported(other)),
        }
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        // Every call event is about one call: `callId`, or the call object (`call: {_id}`),
        // whose fields read like the flat payload.
        let call = || -> Result<(Obj<'_>, String), ProtocolError> {
            let o = object(event, args)?.within("call");
            let id = o.id(CALL_ID)?;
            Ok((o, id))
        };
        let ev = match event {
            "telecaller:presence-changed" => {
                let o = object(event, args)?;
                let said = o.str(["presence", "status"])?;
                let presence = match said.to_ascii_uppercase().replace('-', "_").as_str() {
                    "ONLINE" | "AVAILABLE" => Presence::Online,
                    "OFFLINE" => Presence::Offline,
                    "ON_CALL" | "BUSY" => Presence::Busy,
                    other => return Err(o.error(format!("unknown presence {other:?}"))),
                };
                let expert = o.first_obj("telecaller", |t| {
                    Some(Expert {
                        party: person(&t)?,
                        presence,
                        rate_per_minute: None,
                        language: t.opt_str("language"),
                        about: t.opt_str("about"),
                    })
                });
                DomainEvent::ExpertPresence {
                    expert_id: o
                        .opt_id(["telecallerId", "telecaller_id", "userId"])
                        .or_else(|| expert.as_ref().map(|e| e.party.id.clone()))
                        .ok_or_else(|| o.error("missing field telecallerId"))?,
                    presence,
                    expert,
                }
            }
            "call:ringing" => {
                let (o, call_id) = call()?;
                DomainEvent::CallRinging {
                    call_id,
                    callee: o.first_obj(["telecaller", "callee"], |t| person(&t)),
                }
            }
            "call:incoming" => {
                let (o, call_id) = call()?;
                DomainEvent::CallIncoming {
                    call_id,
                    media: media_of(&o).ok_or_else(|| o.error("missing field callType"))?,
                    // The caller is shown when the server names them; the call is answerable
                    // without.
                    caller: o
                        .first_obj(["caller", "user"], |c| person(&c))
                        .or_else(|| {
                            o.opt_id(["callerId", "userId"]).map(|id| Party {
                                id,
                                ..Party::default()
                            })
                        })
                        .unwrap_or_default(),
                }
            }
            "call:accepted" => {
                let (o, call_id) = call()?;
                let lk = o
                    .first_obj(["livekit", "liveKit"], |l| {
                        l.opt_str(["url", "token"]).is_some().then_some(l)
                    })
                    .unwrap_or(o);
                DomainEvent::CallAccepted {
                    livekit: LiveKitGrant {
                        url: lk.str(["url", "serverUrl", "wsUrl"])?,
                        token: lk.str(["token", "accessToken"])?,
                        // The document: "Room name (same as callId)".
                        room: lk
                            .opt_str(["roomName", "room_name", "room"])
                            .unwrap_or_else(|| call_id.clone()),
                    },
                    call_id,
                    media: media_of(&o),
                    caller: o.first_obj("caller", |c| person(&c)),
                }
            }
            "call:rejected" => DomainEvent::CallRejected { call_id: call()?.1 },
            "call:cancelled" => DomainEvent::CallCancelled { call_id: call()?.1 },
            "call:missed" => DomainEvent::CallMissed { call_id: call()?.1 },
            "call:ended" => {
                let (o, call_id) = call()?;
                ended(&o, call_id)
            }
            "call:error" => {
                let (code, message) = error_parts(first(event, args)?);
                DomainEvent::CallError {
                    code,
                    message: message.unwrap_or_else(|| "call error".into()),
                }
            }
            "error" => {
                let (code, message) = error_parts(first(event, args)?);
                DomainEvent::ServerError {
                    code,
                    message: message.unwrap_or_else(|| "error".into()),
                    source: event.into(),
                }
            }
            _ => return Err(ProtocolError::unknown(event, args)),
        };
        Ok(vec![ev])
    }

    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        // Only raw requests ask for an ack: the document defines none.
        decode_raw_reply(sent, answer).ok_or_else(|| {
            DialectError::InvalidCommand("telecaller sends no requests that are answered".into())
        })
    }
}

/// Where 004 payloads carry the call (also `call: {_id}`).
const CALL_ID: [&str; 3] = ["callId", "call_id", "_id"];

fn ended(o: &Obj<'_>, call_id: String) -> DomainEvent {
    DomainEvent::CallEnded {
        call_id,
        duration_secs: o.opt_u64(["duration", "durationSeconds", "duration_secs"]),
        coins: o
            .opt_decimal(["coins", "coinsDeducted", "coinsCharged"])
            .map(|c| Money::with_unit(c, "coins")),
        ended_by: o.opt_str(["endedBy", "ended_by"]),
    }
}

/// A person object (`{_id | id, name, profile}`); `None` without an id.
fn person(o: &Obj<'_>) -> Option<Party> {
    Some(Party {
        id: o.opt_id(["_id", "id", "userId"])?,
        name: o.opt_str("name"),
        avatar: o.opt_str(["profile", "avatar"]),
        ..Party::default()
    })
}
