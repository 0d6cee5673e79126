//! Seed 001: astrologer presence, sessions over REST (start/accept/end), Agora tokens, and
//! chat inside a session over the socket (`message:send` / `message:receive`).

use super::billing_chat::kind_of;
use super::wire::{first_ack_arg, object, party, Obj, ProtocolError};
use super::{
    decode_raw_reply, encode_raw, path_segment, rest_call, Capability, Dialect, DialectError,
    DialectId, Outbound,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{
    AgoraJoin, ConsultationKind, Expert, Message, MessageKind, Party, Presence, RequestOutcome,
};
use crate::transport::Method;
use serde_json::{json, Value};

/// The seed 001 dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PresenceSessions;

const CAPABILITIES: &[Capability] = &[
    Capability::Consultations,
    Capability::Presence,
    Capability::Messaging,
    Capability::Agora,
];

/// 001 bills in coins.
const COINS: Option<&str> = Some("coins");

fn session_type(k: ConsultationKind) -> &'static str {
    match k {
        ConsultationKind::Text => "chat",
        ConsultationKind::Audio => "audio",
        ConsultationKind::Video => "video",
    }
}

impl Dialect for PresenceSessions {
    fn id(&self) -> DialectId {
        DialectId::PresenceSessions
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
            Command::SetPresence { online } => Outbound::emit(
                if *online {
                    "presence:on"
                } else {
                    "presence:off"
                },
                Value::Null,
            ),
            Command::SetPresenceRest { expert_id, online } => Outbound::rest(
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
            Command::JoinConversation { conversation_id } => Outbound::request(
                "join-session",
                json!({ "sessionId": conversation_id }),
                "join",
            ),
            Command::LeaveConversation { conversation_id } => Outbound::request(
                "leave-session",
                json!({ "sessionId": conversation_id }),
                "leave",
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
            "presence:online-list" => {
                let list = match args.first() {
                    Some(Value::Array(items)) => items.as_slice(),
                    Some(Value::Object(_)) => object(event, args)?.arr("astrologers")?.as_slice(),
                    _ => {
                        return Err(ProtocolError::new(
                            event,
                            "expected a list of astrologers",
                            args,
                        ))
                    }
                };
                Ok(vec![DomainEvent::ExpertsOnline {
                    experts: experts(event, list, args)?,
                }])
            }
            "session:request" => {
                let o = object(event, args)?;
                let t = o.str("sessionType")?;
                Ok(vec![DomainEvent::ConsultationRequested {
                    consultation_id: o.id("sessionId")?,
                    user: party(&o, "userId", Some("userName"))?,
                    kind: kind_of(&t)
                        .ok_or_else(|| o.error(format!("unknown sessionType {t:?}")))?,
                    rate_per_minute: o.opt_money("ratePerMinute", COINS)?,
                    expires_at: o.opt_str("expiresAt")?,
                }])
            }
            "session:accepted" => {
                let o = object(event, args)?;
                let id = o.id("sessionId")?;
                Ok(vec![
                    DomainEvent::ConsultationAnswered {
                        consultation_id: id.clone(),
                        outcome: RequestOutcome::Accepted,
                        message: None,
                        channel: o.opt_str("channelName")?,
                    },
                    DomainEvent::ConsultationStarted {
                        consultation_id: Some(id),
                        started_at: o.opt_str("acceptedAt")?,
                        rate_per_minute: o.opt_money("ratePerMinute", COINS)?,
                        balance: None,
                    },
                ])
            }
            "session:ended" => Ok(vec![ended(&object(event, args)?, None)?]),
            "message:receive" => Ok(vec![DomainEvent::MessageReceived {
                message: message(&object(event, args)?)?,
            }]),
            "message:error" => {
                let o = object(event, args)?;
                Ok(vec![DomainEvent::MessageFailed {
                    conversation_id: o.opt_id("sessionId")?,
                    client_id: o.opt_str("clientId")?,
                    code: o.opt_str("code")?,
                    message: o
                        .opt_str("message")?
                        .or(o.opt_str("error")?)
                        .unwrap_or_else(|| "message refused".into()),
                }])
            }
            _ => Err(ProtocolError::unknown(event, args)),
        }
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
        let args = std::slice::from_ref(answer);
        let event = kind.0;
        let events = match kind.0 {
            "presence-on" | "presence-off" => vec![DomainEvent::OwnPresence {
                online: kind.0 == "presence-on",
            }],
            "online-list" => {
                let o = object(event, args)?;
                vec![DomainEvent::ExpertsOnline {
                    experts: experts(event, o.arr("astrologers")?, args)?,
                }]
            }
            "session-start" => {
                let s = object(event, args)?.obj("session")?;
                vec![DomainEvent::ConsultationRequestSent {
                    kind: s.opt_str("sessionType")?.as_deref().and_then(kind_of),
                    consultation_id: s.id("_id")?,
                    expert_id: s.opt_id("astrologerId")?,
                    rate_per_minute: s.opt_money("ratePerMinute", COINS)?,
                    expires_at: s.opt_str("expiresAt")?,
                }]
            }
            "session-accept" => {
                let s = object(event, args)?.obj("session")?;
                let id = s.id("_id")?;
                vec![
                    DomainEvent::ConsultationAnswered {
                        consultation_id: id.clone(),
                        outcome: RequestOutcome::Accepted,
                        message: None,
                        channel: s.opt_str("channelName")?,
                    },
                    DomainEvent::ConsultationStarted {
                        consultation_id: Some(id),
                        started_at: s.opt_str("acceptedAt")?,
                        rate_per_minute: s.opt_money("ratePerMinute", COINS)?,
                        balance: None,
                    },
                ]
            }
            "session-end" => {
                let o = object(event, args)?;
                let balance = o.opt_money("balance", COINS)?;
                vec![ended(&o.obj("session")?, balance)?]
            }
            "join" | "leave" => {
                let ack = [first_ack_arg(answer)];
                let o = object(event, &ack)?;
                if !o.bool("ok")? {
                    return Err(DialectError::Rejected {
                        code: o.opt_str("code")?,
                        message: o.opt_str("message")?.unwrap_or_else(|| "refused".into()),
                    });
                }
                let id = sent.sent_str("sessionId").unwrap_or_default();
                if kind.0 == "join" {
                    vec![DomainEvent::ConversationJoined {
                        conversation_id: id,
                        recent: vec![],
                    }]
                } else {
                    vec![DomainEvent::ConversationLeft {
                        conversation_id: id,
                    }]
                }
            }
            "agora" => {
                let o = object(event, args)?;
                vec![DomainEvent::AgoraJoinReady {
                    join: AgoraJoin {
                        app_id: o.str("appId")?,
                        channel: o.str("channelName")?,
                        token: o.str("token")?,
                        uid: o.id("uid")?,
                        expires_at: o.opt_str("expiresAt")?,
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

fn experts(event: &str, items: &[Value], args: &[Value]) -> Result<Vec<Expert>, ProtocolError> {
    items
        .iter()
        .map(|item| {
            let a = Obj::nested(event, item, args)?;
            let presence = if a.opt_bool("busy")?.unwrap_or(false)
                || a.opt_id("currentSessionId")?.is_some()
            {
                Presence::Busy
            } else if a.opt_bool("isOnline")?.unwrap_or(true) {
                Presence::Online
            } else {
                Presence::Offline
            };
            Ok(Expert {
                party: Party {
                    id: a
                        .opt_id("id")?
                        .or(a.opt_id("_id")?)
                        .ok_or_else(|| a.error("an astrologer without id"))?,
                    name: a.opt_str("name")?,
                    ..Party::default()
                },
                presence,
                rate_per_minute: a.opt_money("ratePerMinute", COINS)?,
                language: None,
                about: None,
            })
        })
        .collect()
}

fn ended(o: &Obj<'_>, balance: Option<crate::model::Money>) -> Result<DomainEvent, ProtocolError> {
    let id = o
        .opt_id("sessionId")?
        .or(o.opt_id("_id")?)
        .ok_or_else(|| o.error("missing field sessionId"))?;
    let reason = o.opt_str("endReason")?;
    let outcome = match reason.as_deref() {
        Some("rejected") => Some(RequestOutcome::Rejected),
        Some("cancelled") => Some(RequestOutcome::Cancelled),
        Some("expired") => Some(RequestOutcome::Expired),
        _ => None,
    };
    if let Some(outcome) = outcome {
        return Ok(DomainEvent::ConsultationAnswered {
            consultation_id: id,
            outcome,
            message: None,
            channel: None,
        });
    }
    Ok(DomainEvent::ConsultationEnded {
        consultation_id: Some(id),
        minutes: o.opt_decimal("duration")?,
        total: o.opt_money("coinsDeducted", COINS)?,
        ended_by: o.opt_str("endedBy")?,
        reason,
        balance,
    })
}

fn message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    Ok(Message {
        id: o
            .opt_id("_id")?
            .or(o.opt_id("id")?)
            .ok_or_else(|| o.error("a message without _id"))?,
        conversation_id: o.id("sessionId")?,
        client_id: o.opt_str("clientId")?,
        sender: party(o, "senderId", Some("senderName"))?,
        kind: MessageKind::Text,
        text: Some(o.opt_str("text")?.unwrap_or_default()),
        file_url: None,
        file_name: None,
        reply_to: None,
        sent_at: o.opt_str("createdAt")?,
        read: None,
        reactions: Default::default(),
        duration_secs: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d() -> PresenceSessions {
        PresenceSessions
    }

    fn rest_of(o: &Outbound) -> (&crate::transport::RestRequest, &'static str) {
        match o {
            Outbound::Rest { request, reply } => (request, reply.0),
            other => panic!("expected REST, got {other:?}"),
        }
    }

    #[test]
    fn document_sample_requests_encode_as_printed() {
        // curl -X POST /api/sessions/start -d '{"astrologerId":"astrologer_clerk_id","sessionType":"chat","ratePerMinute":10}'
        let out = d()
            .encode(&Command::RequestConsultation {
                expert_id: "astrologer_clerk_id".into(),
                kind: ConsultationKind::Text,
                rate_per_minute: Some(Decimal::from(10)),
            })
            .unwrap();
        let (req, kind) = rest_of(&out[0]);
        assert_eq!(
            (req.method, req.path.as_str(), kind),
            (Method::Post, "/api/sessions/start", "session-start")
        );
        assert_eq!(
            req.body,
            Some(
                json!({"astrologerId":"astrologer_clerk_id","sessionType":"chat","ratePerMinute":"10"})
            )
        );

        let out = d()
            .encode(&Command::AnswerConsultation {
                consultation_id: "session_id_here".into(),
                accept: true,
            })
            .unwrap();
        let (req, _) = rest_of(&out[0]);
        assert_eq!(
            (req.path.as_str(), req.body.clone()),
            (
                "/api/sessions/accept",
                Some(json!({"sessionId":"session_id_here"}))
            )
        );

        let out = d()
            .encode(&Command::RequestAgoraToken {
                channel: "session_user_astrologer_123456".into(),
                uid: Some("user_id".into()),
            })
            .unwrap();
        let (req, _) = rest_of(&out[0]);
        assert_eq!(
            req.body,
            Some(json!({"channelName":"session_user_astrologer_123456","uid":"user_id"}))
        );

        let out = d()
            .encode(&Command::SetPresenceRest {
                expert_id: "clerkId".into(),
                online: true,
            })
            .unwrap();
        assert_eq!(
            rest_of(&out[0]).0.path,
            "/api/v1/astrologers/clerkId/online"
        );
        assert!(d()
            .encode(&Command::SetPresenceRest {
                expert_id: "../admin".into(),
                online: true
            })
            .is_err());
    }

    #[test]
    fn every_socket_event_of_the_document_is_reachable() {
        let emitted: Vec<String> = [
            Command::SetPresence { online: true },
            Command::SetPresence { online: false },
            Command::JoinConversation {
                conversation_id: "s".into(),
            },
            Command::LeaveConversation {
                conversation_id: "s".into(),
            },
            Command::SendMessage {
                conversation_id: "s".into(),
                client_id: "c1".into(),
                text: Some("hi".into()),
                reply_to: None,
                file_id: None,
            },
            Command::NotifyConsultationRequest {
                consultation_id: "s".into(),
            },
        ]
        .iter()
        .flat_map(|c| d().encode(c).unwrap())
        .map(|o| match o {
            Outbound::Emit { event, .. } | Outbound::Request { event, .. } => event,
            Outbound::Rest { .. } => "rest".into(),
        })
        .collect();
        assert_eq!(
            emitted,
            [
                "presence:on",
                "presence:off",
                "join-session",
                "leave-session",
                "message:send",
                "session:request"
            ]
        );
    }

    #[test]
    fn decodes_server_events() {
        let ev = d().decode("presence:online-list", &[json!([
            {"id":"astro_sharma","name":"Pandit Sharma","ratePerMinute":"10.00","isOnline":true,"busy":false,"currentSessionId":null},
            {"id":"astro_meera","name":"Meera Iyer","ratePerMinute":"12.50","isOnline":true,"busy":true,"currentSessionId":"s1"}
        ])]).unwrap();
        match &ev[0] {
            DomainEvent::ExpertsOnline { experts } => {
                assert_eq!(experts.len(), 2);
                assert_eq!(experts[0].presence, Presence::Online);
                assert_eq!(experts[1].presence, Presence::Busy);
                assert_eq!(
                    experts[1].rate_per_minute.as_ref().unwrap().amount,
                    Decimal::from_str("12.50").unwrap()
                );
            }
            other => panic!("{other:?}"),
        }
        let ev = d().decode("session:request", &[json!({"sessionId":"s1","userId":"user_asha","userName":"Asha Verma","sessionType":"video","ratePerMinute":"10.00","createdAt":"t"})]).unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::ConsultationRequested {
                kind: ConsultationKind::Video,
                ..
            }
        ));
        let ev = d().decode("session:accepted", &[json!({"sessionId":"s1","astrologerId":"a","acceptedAt":"t","sessionType":"chat","channelName":"ch"})]).unwrap();
        assert_eq!(ev.len(), 2);
        let ev = d().decode("message:receive", &[json!({"_id":"m1","sessionId":"s1","senderId":"user_asha","senderName":"Asha","text":"hello","clientId":"c1","createdAt":"t"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageReceived { message } if message.client_id.as_deref() == Some("c1") && message.text.as_deref() == Some("hello"))
        );
        let ev = d().decode("message:error", &[json!({"code":"NOT_A_PARTICIPANT","message":"no","sessionId":"s1","clientId":"c1"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageFailed { code: Some(c), .. } if c == "NOT_A_PARTICIPANT")
        );
        let ev = d()
            .decode(
                "session:ended",
                &[json!({"sessionId":"s1","endedBy":"astrologer","endReason":"rejected"})],
            )
            .unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::ConsultationAnswered {
                outcome: RequestOutcome::Rejected,
                ..
            }
        ));
        let ev = d().decode("session:ended", &[json!({"sessionId":"s1","endedBy":"user","endReason":"ended","duration":3,"coinsDeducted":"30.00"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConsultationEnded { total: Some(t), .. } if t.amount == Decimal::from_str("30.00").unwrap())
        );
    }

    #[test]
    fn decodes_rest_answers_and_ack_refusals() {
        let sent = &d()
            .encode(&Command::RequestAgoraToken {
                channel: "c".into(),
                uid: None,
            })
            .unwrap()[0];
        let ev = d().decode_reply(sent, &json!({"success":true,"token":"007abc","appId":"app","channelName":"c","uid":0,"expiresAt":"t"})).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::AgoraJoinReady { join } if join.token == "007abc" && join.uid == "0")
        );
        let sent = &d()
            .encode(&Command::JoinConversation {
                conversation_id: "s9".into(),
            })
            .unwrap()[0];
        let ev = d().decode_reply(sent, &json!([{"ok":true}])).unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConversationJoined {
                conversation_id: "s9".into(),
                recent: vec![]
            }]
        );
        let e = d().decode_reply(sent, &json!([{"ok":false,"code":"NOT_A_PARTICIPANT","message":"You are not part of this session"}])).unwrap_err();
        assert_eq!(
            e,
            DialectError::Rejected {
                code: Some("NOT_A_PARTICIPANT".into()),
                message: "You are not part of this session".into()
            }
        );
        let sent = &d().encode(&Command::ListOnlineExperts).unwrap()[0];
        assert!(d()
            .decode_reply(sent, &json!({"success":true,"astrologers":"nope"}))
            .is_err());
    }

    #[test]
    fn malformed_events_are_protocol_errors() {
        for (event, args) in [
            ("presence:online-list", vec![json!("x")]),
            ("presence:online-list", vec![json!([{"name":"no id"}])]),
            (
                "session:request",
                vec![json!({"sessionId":"s","userId":"u","sessionType":"smoke"})],
            ),
            (
                "message:receive",
                vec![json!({"sessionId":"s","senderId":"u"})],
            ),
            ("unknown:event", vec![]),
        ] {
            assert_eq!(d().decode(event, &args).unwrap_err().event, event);
        }
    }
}
