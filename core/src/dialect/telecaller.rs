//! Seed 004: telecaller calls. Users on `/user` initiate, cancel and end calls and watch
//! telecaller presence; telecallers on `/telecaller` (the symmetric side) accept, reject and
//! end them. Accepted calls carry LiveKit credentials.

use super::wire::{object, Obj, ProtocolError};
use super::{decode_raw_reply, encode_raw, Capability, Dialect, DialectError, DialectId, Outbound};
use crate::calls::SERVER_CALL_ERROR;
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{CallMedia, Expert, LiveKitGrant, Money, Party, Presence};
use serde_json::{json, Value};

/// Which side of the call this connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSide {
    /// A paying user (`/user`).
    User,
    /// A telecaller (`/telecaller`).
    Telecaller,
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

fn media_of(o: &Obj<'_>, key: &str) -> Result<Option<CallMedia>, ProtocolError> {
    match o.opt_str(key)?.as_deref() {
        None => Ok(None),
        Some("AUDIO") | Some("audio") => Ok(Some(CallMedia::Audio)),
        Some("VIDEO") | Some("video") => Ok(Some(CallMedia::Video)),
        Some(other) => Err(o.error(format!("unknown callType {other:?}"))),
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
        // `call:initiate` is a plain emit: the document answers it with events (call:ringing
        // or call:error). The others ask for the server's ack ({success, …}): the document
        // gives them no answering event on the sender's side, and the ack of `call:end` carries
        // the duration and coins the ender needs for its history.
        let call = |event: &str, id: &str| {
            Ok(vec![Outbound::request(
                event,
                json!({ "callId": id }),
                CALL_ACK,
            )])
        };
        match (self.side, cmd) {
            (CallSide::User, Command::InitiateCall { callee_id, media }) => {
                Ok(vec![Outbound::emit(
                    "call:initiate",
                    json!({ "telecallerId": callee_id, "callType": media_name(*media) }),
                )])
            }
            (CallSide::User, Command::CancelCall { call_id }) => call("call:cancel", call_id),
            (CallSide::Telecaller, Command::AcceptCall { call_id }) => call("call:accept", call_id),
            (CallSide::Telecaller, Command::RejectCall { call_id }) => call("call:reject", call_id),
            (_, Command::EndCall { call_id }) => call("call:end", call_id),
            (CallSide::Telecaller, Command::SetPresence { online }) => Ok(vec![Outbound::emit(
                "presence:update",
                json!({ "presence": if *online { "ONLINE" } else { "OFFLINE" } }),
            )]),
            (_, other) => Err(self.unsupported(other)),
        }
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        let call_id = |o: &Obj<'_>| o.id("callId");
        let ev = match event {
            "telecaller:presence-changed" => {
                let o = object(event, args)?;
                let presence = match o.str("presence")?.as_str() {
                    "ONLINE" => Presence::Online,
                    "OFFLINE" => Presence::Offline,
                    "ON_CALL" => Presence::Busy,
                    other => return Err(o.error(format!("unknown presence {other:?}"))),
                };
                let expert = match o.opt_obj("telecaller")? {
                    Some(t) => Some(Expert {
                        party: Party {
                            id: t.id("_id")?,
                            name: t.opt_str("name")?,
                            avatar: t.opt_str("profile")?,
                            ..Party::default()
                        },
                        presence,
                        rate_per_minute: None,
                        language: t.opt_str("language")?,
                        about: t.opt_str("about")?,
                    }),
                    None => None,
                };
                DomainEvent::ExpertPresence {
                    expert_id: o.id("telecallerId")?,
                    presence,
                    expert,
                }
            }
            "call:ringing" => {
                let o = object(event, args)?;
                DomainEvent::CallRinging {
                    call_id: call_id(&o)?,
                    callee: o.opt_obj("telecaller")?.map(|t| person(&t)).transpose()?,
                }
            }
            "call:incoming" => {
                let o = object(event, args)?;
                DomainEvent::CallIncoming {
                    call_id: call_id(&o)?,
                    media: media_of(&o, "callType")?
                        .ok_or_else(|| o.error("missing field callType"))?,
                    caller: person(&o.obj("caller")?)?,
                }
            }
            "call:accepted" => {
                let o = object(event, args)?;
                let lk = o.obj("livekit")?;
                DomainEvent::CallAccepted {
                    call_id: call_id(&o)?,
                    livekit: LiveKitGrant {
                        url: lk.str("url")?,
                        token: lk.str("token")?,
                        room: lk.str("roomName")?,
                    },
                    media: media_of(&o, "callType")?,
                    caller: o.opt_obj("caller")?.map(|c| person(&c)).transpose()?,
                }
            }
            "call:rejected" => DomainEvent::CallRejected {
                call_id: call_id(&object(event, args)?)?,
            },
            "call:cancelled" => DomainEvent::CallCancelled {
                call_id: call_id(&object(event, args)?)?,
            },
            "call:missed" => DomainEvent::CallMissed {
                call_id: call_id(&object(event, args)?)?,
            },
            "call:ended" => {
                let o = object(event, args)?;
                ended(&o, call_id(&o)?)?
            }
            "call:error" => DomainEvent::CallError {
                message: object(event, args)?.str("message")?,
            },
            "error" => {
                let o = object(event, args)?;
                DomainEvent::ServerError {
                    code: None,
                    message: o.str("message")?,
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
        if let Some(events) = decode_raw_reply(sent, answer) {
            return Ok(events);
        }
        let Outbound::Request { event, reply, .. } = sent else {
            return Err(DialectError::InvalidCommand(
                "telecaller sends no REST requests".into(),
            ));
        };
        if reply.0 != CALL_ACK {
            return Err(DialectError::InvalidCommand(format!(
                "telecaller has no reply kind {}",
                reply.0
            )));
        }
        let args = match answer {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let o = object(event, &args)?;
        if !o.bool("success")? {
            return Err(DialectError::Rejected {
                code: Some(SERVER_CALL_ERROR.into()),
                message: o
                    .opt_str("message")?
                    .unwrap_or_else(|| "the server refused without a message".into()),
            });
        }
        // The ack names the call; fall back on the id we sent.
        let call_id = match o.opt_id("callId")? {
            Some(id) => id,
            None => sent
                .sent_str("callId")
                .ok_or_else(|| o.error("missing field callId"))?,
        };
        Ok(match event.as_str() {
            // The sender's own view of what it did (the other side gets the event).
            "call:cancel" => vec![DomainEvent::CallCancelled { call_id }],
            "call:reject" => vec![DomainEvent::CallRejected { call_id }],
            "call:end" => vec![ended(&o, call_id)?],
            // `call:accepted` arrives as an event as well; the ack adds nothing.
            _ => vec![],
        })
    }
}

/// The reply kind of the acked call commands.
const CALL_ACK: &str = "call-ack";

fn ended(o: &Obj<'_>, call_id: String) -> Result<DomainEvent, ProtocolError> {
    Ok(DomainEvent::CallEnded {
        call_id,
        duration_secs: o.opt_u64("duration")?,
        coins: o
            .opt_decimal("coins")?
            .map(|c| Money::with_unit(c, "coins")),
        ended_by: o.opt_str("endedBy")?,
    })
}

fn person(o: &Obj<'_>) -> Result<Party, ProtocolError> {
    Ok(Party {
        id: o.id("_id")?,
        name: o.opt_str("name")?,
        avatar: o.opt_str("profile")?,
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
            vec![Outbound::request(
                "call:cancel",
                json!({"callId":"507f1f77bcf86cd799439081"}),
                CALL_ACK
            )]
        );
        assert_eq!(
            user()
                .encode(&Command::EndCall {
                    call_id: "c".into()
                })
                .unwrap(),
            vec![Outbound::request(
                "call:end",
                json!({"callId":"c"}),
                CALL_ACK
            )]
        );
        assert_eq!(
            expert()
                .encode(&Command::AcceptCall {
                    call_id: "c".into()
                })
                .unwrap()[0],
            Outbound::request("call:accept", json!({"callId":"c"}), CALL_ACK)
        );
        assert_eq!(
            expert()
                .encode(&Command::RejectCall {
                    call_id: "c".into()
                })
                .unwrap()[0],
            Outbound::request("call:reject", json!({"callId":"c"}), CALL_ACK)
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
    fn decodes_the_acks_of_the_call_commands() {
        let sent = |cmd: Command| expert().encode(&cmd).unwrap().remove(0);
        let end = sent(Command::EndCall {
            call_id: "c".into(),
        });
        let ev = expert()
            .decode_reply(
                &end,
                &json!([{"success":true,"callId":"c","duration":61,"coins":12,"endedBy":"TELECALLER"}]),
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::CallEnded { duration_secs: Some(61), coins: Some(c), ended_by: Some(b), .. } if c.amount == rust_decimal::Decimal::from(12) && b == "TELECALLER")
        );
        // A failed ack is the server's message verbatim, typed.
        assert_eq!(
            expert()
                .decode_reply(
                    &end,
                    &json!([{"success":false,"message":"Call is not active."}])
                )
                .unwrap_err(),
            DialectError::Rejected {
                code: Some(SERVER_CALL_ERROR.into()),
                message: "Call is not active.".into()
            }
        );
        let reject = sent(Command::RejectCall {
            call_id: "c".into(),
        });
        // No callId in the ack: the one sent is used.
        assert_eq!(
            expert()
                .decode_reply(&reject, &json!({"success":true}))
                .unwrap(),
            vec![DomainEvent::CallRejected {
                call_id: "c".into()
            }]
        );
        let cancel = user()
            .encode(&Command::CancelCall {
                call_id: "c".into(),
            })
            .unwrap()
            .remove(0);
        assert_eq!(
            user()
                .decode_reply(&cancel, &json!([{"success":true,"callId":"c"}]))
                .unwrap(),
            vec![DomainEvent::CallCancelled {
                call_id: "c".into()
            }]
        );
        let accept = sent(Command::AcceptCall {
            call_id: "c".into(),
        });
        assert_eq!(
            expert()
                .decode_reply(&accept, &json!([{"success":true,"callId":"c"}]))
                .unwrap(),
            vec![]
        );
        // Garbage acks are protocol errors, never panics.
        for bad in [
            json!([]),
            json!([7]),
            json!([{"success":"yes"}]),
            json!(null),
        ] {
            assert!(matches!(
                expert().decode_reply(&end, &bad),
                Err(DialectError::Protocol(_))
            ));
        }
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
            ("call:ended", vec![json!({"callId":"c","duration":-3})]),
            ("call:ringing", vec![json!(null)]),
            ("call:teleport", vec![json!({})]),
        ] {
            assert_eq!(user().decode(event, &args).unwrap_err().event, event);
        }
    }
}
