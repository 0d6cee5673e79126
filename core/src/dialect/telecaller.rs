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
use super::{decode_raw_reply, encode_raw, Capability, Dialect, DialectError, DialectId, Outbound};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{CallMedia, Expert, LiveKitGrant, Money, Party, Presence};
use serde_json::{json, Value};

/// How a sign-in form offers this dialect ([`super::DialectSetup`]).
pub const SETUP: super::DialectSetup = super::DialectSetup {
    id: super::DialectId::Telecaller,
    seed: "004",
    label: "Telecaller calls",
    hint: "Voice and video calls",
    rest_at_socket_url: false,
    expert_namespace: "/telecaller",
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
    fn id(&self) -> DialectId {
        DialectId::Telecaller
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Telecaller {
        Telecaller::for_namespace("/user")
    }

    fn expert() -> Telecaller {
        Telecaller::for_namespace("/telecaller")
    }

    #[test]
    fn encodes_the_document_emits_and_the_expert_side() {
        assert_eq!(
            user()
                .encode(&Command::InitiateCall {
                    callee_id: "507f1f77bcf86cd799439031".into(),
                    media: CallMedia::Audio
                })
                .unwrap(),
            vec![Outbound::emit(
                "call:initiate",
                json!({"telecallerId":"507f1f77bcf86cd799439031","callType":"AUDIO"})
            )]
        );
        assert_eq!(
            user()
                .encode(&Command::CancelCall {
                    call_id: "507f1f77bcf86cd799439081".into()
                })
                .unwrap(),
            vec![Outbound::emit_own_view(
                "call:cancel",
                json!({"callId":"507f1f77bcf86cd799439081"}),
                vec![DomainEvent::CallCancelled {
                    call_id: "507f1f77bcf86cd799439081".into()
                }]
            )]
        );
        assert_eq!(
            user()
                .encode(&Command::EndCall {
                    call_id: "c".into()
                })
                .unwrap(),
            vec![Outbound::emit_own_view(
                "call:end",
                json!({"callId":"c"}),
                vec![DomainEvent::CallEnded {
                    call_id: "c".into(),
                    duration_secs: None,
                    coins: None,
                    ended_by: Some("USER".into())
                }]
            )]
        );
        assert_eq!(
            expert()
                .encode(&Command::AcceptCall {
                    call_id: "c".into()
                })
                .unwrap()[0],
            Outbound::emit_own_view("call:accept", json!({"callId":"c"}), vec![])
        );
        assert_eq!(
            expert()
                .encode(&Command::RejectCall {
                    call_id: "c".into()
                })
                .unwrap()[0],
            Outbound::emit_own_view(
                "call:reject",
                json!({"callId":"c"}),
                vec![DomainEvent::CallRejected {
                    call_id: "c".into()
                }]
            )
        );
        assert_eq!(
            expert()
                .encode(&Command::SetPresence { online: true })
                .unwrap()[0],
            Outbound::emit("presence:update", json!({"presence":"ONLINE"}))
        );
        // Each side refuses the other's commands.
        assert!(matches!(
            user().encode(&Command::AcceptCall {
                call_id: "c".into()
            }),
            Err(DialectError::Unsupported { .. })
        ));
        assert!(matches!(
            expert().encode(&Command::InitiateCall {
                callee_id: "x".into(),
                media: CallMedia::Video
            }),
            Err(DialectError::Unsupported { .. })
        ));
    }

    #[test]
    fn decodes_every_document_example() {
        let ev = user().decode("telecaller:presence-changed", &[json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ONLINE","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3","language":"hindi","about":"Experienced telecaller with 5 years of experience."}})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ExpertPresence { presence: Presence::Online, expert: Some(e), .. } if e.language.as_deref() == Some("hindi"))
        );
        let ev = user().decode("telecaller:presence-changed", &[json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"OFFLINE","telecaller":null})]).unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::ExpertPresence {
                presence: Presence::Offline,
                expert: None,
                ..
            }
        ));
        let ev = user().decode("telecaller:presence-changed", &[json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ON_CALL","telecaller":null})]).unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::ExpertPresence {
                presence: Presence::Busy,
                ..
            }
        ));
        let ev = user().decode("call:ringing", &[json!({"callId":"507f1f77bcf86cd799439081","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3"}})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallRinging { callee: Some(p), .. } if p.name.as_deref() == Some("Jane Smith"))
        );
        let ev = user().decode("call:accepted", &[json!({"callId":"507f1f77bcf86cd799439081","livekit":{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...","url":"wss://your-livekit-server.com","roomName":"507f1f77bcf86cd799439081"}})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallAccepted { livekit, .. } if livekit.url == "wss://your-livekit-server.com" && livekit.room == "507f1f77bcf86cd799439081")
        );
        for (name, want) in [
            ("call:rejected", "CallRejected"),
            ("call:missed", "CallMissed"),
            ("call:ended", "CallEnded"),
            ("call:cancelled", "CallCancelled"),
        ] {
            let ev = user()
                .decode(name, &[json!({"callId":"507f1f77bcf86cd799439081"})])
                .unwrap();
            assert!(format!("{:?}", ev[0]).starts_with(want), "{name}");
        }
        let ev = user()
            .decode(
                "call:error",
                &[json!({"message":"This person is currently offline. Please try again later."})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::CallError {
                code: None,
                message: "This person is currently offline. Please try again later.".into()
            }]
        );
        let ev = user()
            .decode("error", &[json!({"message":"An error occurred"})])
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ServerError { message, .. } if message == "An error occurred")
        );
        let ev = expert().decode("call:incoming", &[json!({"callId":"c","callType":"VIDEO","caller":{"_id":"u","name":"Arjun","profile":null}})]).unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::CallIncoming {
                media: CallMedia::Video,
                ..
            }
        ));
        let ev = expert()
            .decode(
                "call:ended",
                &[json!({"callId":"c","duration":65,"coins":"12","endedBy":"user"})],
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallEnded { duration_secs: Some(65), coins: Some(c), .. } if c.amount == rust_decimal::Decimal::from(12))
        );
    }

    #[test]
    fn malformed_events_are_protocol_errors() {
        for (event, args) in [
            (
                "telecaller:presence-changed",
                vec![json!({"telecallerId":"t","presence":"SLEEPING"})],
            ),
            ("call:accepted", vec![json!({"callId":"c"})]),
            (
                "call:accepted",
                vec![json!({"callId":"c","livekit":{"url":1}})],
            ),
            (
                "call:incoming",
                vec![json!({"callId":"c","callType":"HOLOGRAM","caller":{"_id":"u"}})],
            ),
            ("call:ended", vec![json!({"duration": 3})]),
            ("call:ringing", vec![json!(null)]),
            ("call:teleport", vec![json!({})]),
        ] {
            assert_eq!(user().decode(event, &args).unwrap_err().event, event);
        }
    }

    #[test]
    fn shapes_the_document_leaves_open_decode() {
        // An absurd duration is absent, the end kept.
        let ev = user()
            .decode("call:ended", &[json!({"callId": "c", "duration": -3})])
            .unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::CallEnded {
                duration_secs: None,
                ..
            }
        ));
        // The call as an object; the room name defaults to the call id, as documented.
        let ev = user()
            .decode(
                "call:accepted",
                &[json!({"call": {"_id": 81, "callType": "video"}, "livekit": {"token": "t", "url": "wss://lk"}})],
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallAccepted { call_id, livekit, media: Some(CallMedia::Video), .. } if call_id == "81" && livekit.room == "81")
        );
        // An incoming call whose caller is not named is still answerable.
        let ev = expert()
            .decode(
                "call:incoming",
                &[json!({"callId": "c", "callType": "audio"})],
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallIncoming { caller, media: CallMedia::Audio, .. } if caller.id.is_empty())
        );
        // Presence in another case, the telecaller object without an id ignored.
        let ev = user()
            .decode(
                "telecaller:presence-changed",
                &[json!({"telecallerId": 31, "presence": "on_call", "telecaller": {"bio": "x"}})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ExpertPresence {
                expert_id: "31".into(),
                presence: Presence::Busy,
                expert: None
            }]
        );
        let ev = user()
            .decode("call:error", &[json!("Telecaller is offline")])
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallError { code: None, message } if message == "Telecaller is offline")
        );
        let ev = user()
            .decode(
                "call:error",
                &[json!({"code": "TELECALLER_OFFLINE", "message": "offline"})],
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallError { code: Some(c), message } if c == "TELECALLER_OFFLINE" && message == "offline")
        );
    }
}
