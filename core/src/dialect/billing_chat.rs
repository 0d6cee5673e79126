//! Seed 000: astrologer–user chat with per-minute billing (`chat-request`, `chat-timer`, …).
//! Rooms are consultations; the server is authoritative for the meter.

use super::wire::{object, party, Obj, ProtocolError};
use super::{encode_raw, Capability, Dialect, DialectError, DialectId, Outbound};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{ConsultationKind, ConsultationSummary, RequestOutcome};
use serde_json::{json, Value};

/// The seed 000 dialect. `account_id` is this user's id, which `chat-request` repeats.
#[derive(Debug, Clone, Default)]
pub struct BillingChat {
    /// This account's server id.
    pub account_id: Option<String>,
}

const CAPABILITIES: &[Capability] = &[
    Capability::Consultations,
    Capability::LiveBilling,
    Capability::AdminMonitor,
];

/// `text|audio|video` (and 001's `chat`) → kind.
pub(crate) fn kind_of(s: &str) -> Option<ConsultationKind> {
    match s.to_ascii_lowercase().as_str() {
        "text" | "chat" => Some(ConsultationKind::Text),
        "audio" | "voice" | "call" => Some(ConsultationKind::Audio),
        "video" => Some(ConsultationKind::Video),
        _ => None,
    }
}

fn kind_name(k: ConsultationKind) -> &'static str {
    match k {
        ConsultationKind::Text => "text",
        ConsultationKind::Audio => "audio",
        ConsultationKind::Video => "video",
    }
}

impl Dialect for BillingChat {
    fn id(&self) -> DialectId {
        DialectId::BillingChat
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        if let Some(raw) = encode_raw(cmd) {
            return Ok(vec![raw]);
        }
        let room = |event: &str, id: &str| Ok(vec![Outbound::emit(event, json!({ "roomId": id }))]);
        match cmd {
            Command::RequestConsultation {
                expert_id, kind, ..
            } => {
                let user_id = self.account_id.as_deref().ok_or_else(|| {
                    DialectError::InvalidCommand(
                        "billing-chat needs the profile's account_id to request a chat".into(),
                    )
                })?;
                Ok(vec![Outbound::emit(
                    "chat-request",
                    json!({ "userId": user_id, "astrologerId": expert_id, "chatType": kind_name(*kind) }),
                )])
            }
            Command::AnswerConsultation {
                consultation_id,
                accept,
            } => Ok(vec![Outbound::emit(
                "chat-response",
                json!({ "roomId": consultation_id, "response": if *accept { "accept" } else { "reject" } }),
            )]),
            // The document has no cancel event: ending a pending room withdraws it.
            Command::CancelConsultationRequest { consultation_id } => {
                room("end-chat", consultation_id)
            }
            Command::StartConsultation { consultation_id } => room("start-chat", consultation_id),
            Command::PauseConsultation { consultation_id } => room("pause-chat", consultation_id),
            Command::ResumeConsultation { consultation_id } => room("resume-chat", consultation_id),
            Command::EndConsultation {
                consultation_id, ..
            } => room("end-chat", consultation_id),
            Command::AdminViewConsultations { consultation_id } => {
                let mut arg = json!({ "action": "view-chats" });
                if let Some(id) = consultation_id {
                    arg["roomId"] = json!(id);
                }
                Ok(vec![Outbound::emit("admin-monitor", arg)])
            }
            Command::AdminEndConsultation { consultation_id } => Ok(vec![Outbound::emit(
                "admin-monitor",
                json!({ "action": "end-chat", "roomId": consultation_id }),
            )]),
            other => Err(self.unsupported(other)),
        }
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        let ev = match event {
            "chat-request-response" => request_response(&object(event, args)?)?,
            "chat-request" => incoming_request(&object(event, args)?)?,
            "chat-status" => status(&object(event, args)?)?,
            "chat-started" => {
                let o = object(event, args)?;
                let unit = o.opt_str("currency")?;
                DomainEvent::ConsultationStarted {
                    consultation_id: o.opt_id("roomId")?,
                    started_at: o.opt_str("startTime")?,
                    rate_per_minute: o.opt_money("ratePerMinute", unit.as_deref())?,
                    balance: o.opt_money("balance", unit.as_deref())?,
                }
            }
            "chat-paused" => {
                let o = object(event, args)?;
                DomainEvent::ConsultationPaused {
                    consultation_id: o.opt_id("roomId")?,
                    by: o.opt_str("pausedBy")?,
                }
            }
            "chat-resumed" => {
                let o = object(event, args)?;
                DomainEvent::ConsultationResumed {
                    consultation_id: o.opt_id("roomId")?,
                    by: o.opt_str("resumedBy")?,
                }
            }
            "chat-ended" => {
                let o = object(event, args)?;
                let unit = o.opt_str("currency")?;
                DomainEvent::ConsultationEnded {
                    consultation_id: o.opt_id("roomId")?,
                    minutes: o.opt_decimal("duration")?,
                    total: o.opt_money("totalCost", unit.as_deref())?,
                    ended_by: o.opt_str("endedBy")?,
                    reason: o.opt_str("reason")?,
                    balance: o.opt_money("balance", unit.as_deref())?,
                }
            }
            "chat-timer" => {
                let o = object(event, args)?;
                let unit = o.opt_str("currency")?;
                DomainEvent::MeterTick {
                    consultation_id: o.id("roomId")?,
                    minutes: o.decimal("duration")?,
                    cost: o
                        .opt_money("cost", unit.as_deref())?
                        .ok_or_else(|| o.error("missing field cost"))?,
                    balance: o.opt_money("balance", unit.as_deref())?,
                    state: o.opt_str("state")?,
                }
            }
            "chat-error" => {
                let o = object(event, args)?;
                DomainEvent::ServerError {
                    code: o.opt_str("error")?,
                    message: o.str("message")?,
                    source: event.into(),
                }
            }
            "wallet-error" => {
                let o = object(event, args)?;
                let unit = o.opt_str("currency")?;
                DomainEvent::WalletError {
                    message: o.str("message")?,
                    required_balance: o.opt_money("requiredBalance", unit.as_deref())?,
                }
            }
            "admin-monitor" => admin_report(&object(event, args)?)?,
            _ => return Err(ProtocolError::unknown(event, args)),
        };
        Ok(vec![ev])
    }

    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        super::decode_raw_reply(sent, answer).ok_or_else(|| {
            DialectError::InvalidCommand(
                "billing-chat sends no requests that expect an answer".into(),
            )
        })
    }
}

fn request_response(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let message = o.opt_str("message")?.unwrap_or_default();
    match o.str("status")?.as_str() {
        "success" => {
            let data = o.obj("data")?;
            Ok(DomainEvent::ConsultationRequestSent {
                kind: None,
                consultation_id: data.id("roomId")?,
                expert_id: data.opt_id("astrologerId")?,
                rate_per_minute: data
                    .opt_money("ratePerMinute", data.opt_str("currency")?.as_deref())?,
                expires_at: data.opt_str("expiresAt")?,
            })
        }
        "error" => Ok(DomainEvent::ConsultationRequestFailed {
            code: o.opt_str("error")?,
            message,
        }),
        other => Err(o.error(format!("status should be success or error, got {other:?}"))),
    }
}

fn incoming_request(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let chat_type = o.str("chatType")?;
    Ok(DomainEvent::ConsultationRequested {
        consultation_id: o.id("roomId")?,
        user: party(o, "userId", Some("userName"))?,
        kind: kind_of(&chat_type)
            .ok_or_else(|| o.error(format!("unknown chatType {chat_type:?}")))?,
        rate_per_minute: o.opt_money("ratePerMinute", o.opt_str("currency")?.as_deref())?,
        expires_at: o.opt_str("expiresAt")?,
    })
}

fn status(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let outcome = match o.str("status")?.as_str() {
        "accepted" => RequestOutcome::Accepted,
        "rejected" => RequestOutcome::Rejected,
        "expired" => RequestOutcome::Expired,
        "cancelled" | "canceled" => RequestOutcome::Cancelled,
        other => return Err(o.error(format!("unknown status {other:?}"))),
    };
    Ok(DomainEvent::ConsultationAnswered {
        consultation_id: o.id("roomId")?,
        outcome,
        message: o.opt_str("message")?,
        channel: None,
    })
}

fn admin_report(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let ok = match o.str("status")?.as_str() {
        "success" => true,
        "error" => false,
        other => return Err(o.error(format!("status should be success or error, got {other:?}"))),
    };
    let mut consultations = Vec::new();
    if let Some(data) = o.opt_obj("data")? {
        for item in data.opt_arr("chats")? {
            let c = Obj::nested(o.event(), item, o.args())?;
            consultations.push(ConsultationSummary {
                consultation_id: c.id("roomId")?,
                user_id: c.opt_id("userId")?,
                expert_id: c.opt_id("astrologerId")?,
                status: c.opt_str("status")?,
                minutes: c.opt_decimal("duration")?,
                cost: c.opt_money("cost", None)?,
            });
        }
    }
    Ok(DomainEvent::AdminReport {
        ok,
        message: o.opt_str("message")?.unwrap_or_default(),
        consultations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d() -> BillingChat {
        BillingChat {
            account_id: Some("USER_ID".into()),
        }
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn encodes_every_client_event_of_the_document() {
        let out = d()
            .encode(&Command::RequestConsultation {
                expert_id: "ASTROLOGER_ID".into(),
                kind: ConsultationKind::Video,
                rate_per_minute: None,
            })
            .unwrap();
        assert_eq!(
            out,
            vec![Outbound::emit(
                "chat-request",
                json!({"userId":"USER_ID","astrologerId":"ASTROLOGER_ID","chatType":"video"})
            )]
        );
        let out = d()
            .encode(&Command::AnswerConsultation {
                consultation_id: "ROOM_ID".into(),
                accept: false,
            })
            .unwrap();
        assert_eq!(
            out,
            vec![Outbound::emit(
                "chat-response",
                json!({"roomId":"ROOM_ID","response":"reject"})
            )]
        );
        for (cmd, ev) in [
            (
                Command::StartConsultation {
                    consultation_id: "R".into(),
                },
                "start-chat",
            ),
            (
                Command::PauseConsultation {
                    consultation_id: "R".into(),
                },
                "pause-chat",
            ),
            (
                Command::ResumeConsultation {
                    consultation_id: "R".into(),
                },
                "resume-chat",
            ),
            (
                Command::EndConsultation {
                    consultation_id: "R".into(),
                    rate_per_minute: None,
                    duration_minutes: None,
                },
                "end-chat",
            ),
            (
                Command::CancelConsultationRequest {
                    consultation_id: "R".into(),
                },
                "end-chat",
            ),
        ] {
            assert_eq!(
                d().encode(&cmd).unwrap(),
                vec![Outbound::emit(ev, json!({"roomId":"R"}))]
            );
        }
        assert_eq!(
            d().encode(&Command::AdminViewConsultations {
                consultation_id: None
            })
            .unwrap(),
            vec![Outbound::emit(
                "admin-monitor",
                json!({"action":"view-chats"})
            )]
        );
        assert_eq!(
            d().encode(&Command::AdminEndConsultation {
                consultation_id: "R".into()
            })
            .unwrap(),
            vec![Outbound::emit(
                "admin-monitor",
                json!({"action":"end-chat","roomId":"R"})
            )]
        );
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        let e = d()
            .encode(&Command::InitiateCall {
                callee_id: "x".into(),
                media: crate::model::CallMedia::Audio,
            })
            .unwrap_err();
        assert!(matches!(
            e,
            DialectError::Unsupported {
                dialect: DialectId::BillingChat,
                ..
            }
        ));
        let no_id = BillingChat::default();
        let e = no_id
            .encode(&Command::RequestConsultation {
                expert_id: "a".into(),
                kind: ConsultationKind::Text,
                rate_per_minute: None,
            })
            .unwrap_err();
        assert!(matches!(e, DialectError::InvalidCommand(_)));
    }

    #[test]
    fn decodes_the_document_examples() {
        let ev = d()
            .decode(
                "chat-request-response",
                &[json!({
                    "status": "success", "message": "Chat request sent to astrologer.",
                    "data": {"roomId": "ROOM_ID", "astrologerId": "ASTROLOGER_ID"}
                })],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConsultationRequestSent {
                kind: None,
                consultation_id: "ROOM_ID".into(),
                expert_id: Some("ASTROLOGER_ID".into()),
                rate_per_minute: None,
                expires_at: None
            }]
        );
        let ev = d().decode("chat-status", &[json!({"status":"accepted","message":"Astrologer has accepted/rejected the request.","roomId":"ROOM_ID"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConsultationAnswered { outcome: RequestOutcome::Accepted, consultation_id, .. } if consultation_id == "ROOM_ID")
        );
        let ev = d().decode("chat-started", &[json!({"status":"success","message":"Chat session started.","startTime":"TIMESTAMP"})]).unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConsultationStarted {
                consultation_id: None,
                started_at: Some("TIMESTAMP".into()),
                rate_per_minute: None,
                balance: None
            }]
        );
        let ev = d()
            .decode(
                "chat-paused",
                &[json!({"status":"success","message":"Chat paused successfully."})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConsultationPaused {
                consultation_id: None,
                by: None
            }]
        );
        let ev = d()
            .decode(
                "chat-resumed",
                &[json!({"status":"success","message":"Chat resumed successfully."})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConsultationResumed {
                consultation_id: None,
                by: None
            }]
        );
        let ev = d()
            .decode(
                "chat-error",
                &[json!({"error":"ERROR_CODE","message":"ERROR_MESSAGE"})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ServerError {
                code: Some("ERROR_CODE".into()),
                message: "ERROR_MESSAGE".into(),
                source: "chat-error".into()
            }]
        );
        let ev = d()
            .decode(
                "admin-monitor",
                &[json!({"status":"success","message":"Action performed successfully."})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::AdminReport {
                ok: true,
                message: "Action performed successfully.".into(),
                consultations: vec![]
            }]
        );
    }

    #[test]
    fn document_placeholders_for_amounts_are_typed_errors_and_real_values_decode_exactly() {
        // The document prints "DURATION_IN_MINUTES" / "COST_SO_FAR": not amounts, so an error.
        let e = d().decode("chat-timer", &[json!({"roomId":"ROOM_ID","duration":"DURATION_IN_MINUTES","cost":"COST_SO_FAR"})]).unwrap_err();
        assert_eq!(e.event, "chat-timer");
        let e = d().decode("chat-ended", &[json!({"status":"success","message":"Chat session ended.","duration":"DURATION_IN_MINUTES","totalCost":"TOTAL_COST"})]).unwrap_err();
        assert!(e.reason.contains("duration"));
        let e = d().decode("wallet-error", &[json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"MINIMUM_REQUIRED_BALANCE"})]).unwrap_err();
        assert!(e.reason.contains("requiredBalance"));

        let ev = d()
            .decode(
                "chat-timer",
                &[json!({"roomId":"ROOM_ID","duration":"3","cost":"37.50","balance":"462.50"})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::MeterTick {
                consultation_id: "ROOM_ID".into(),
                minutes: dec("3"),
                cost: Money::new(dec("37.50")),
                balance: Some(Money::new(dec("462.50"))),
                state: None
            }]
        );
        let ev = d().decode("chat-ended", &[json!({"status":"success","message":"Chat session ended.","duration":4,"totalCost":50.25,"endedBy":"user"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConsultationEnded { minutes: Some(m), total: Some(t), .. } if *m == dec("4") && t.amount == dec("50.25"))
        );
        let ev = d().decode("wallet-error", &[json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"10.00"})]).unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::WalletError {
                message: "Insufficient wallet balance to continue the chat.".into(),
                required_balance: Some(Money::new(dec("10.00")))
            }]
        );
    }

    #[test]
    fn reads_the_reference_server_extensions() {
        let ev = d().decode("chat-request", &[json!({"roomId":"r1","userId":"u-asha","userName":"Asha Verma","chatType":"audio","ratePerMinute":"12.50","expiresAt":"2026-01-01T00:00:00Z"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConsultationRequested { kind: ConsultationKind::Audio, user, rate_per_minute: Some(r), .. } if user.name.as_deref() == Some("Asha Verma") && r.amount == dec("12.50"))
        );
        let ev = d().decode("admin-monitor", &[json!({"status":"success","message":"ok","data":{"chats":[{"roomId":"r1","userId":"u","astrologerId":"a","status":"active","duration":"2","cost":"20.00"}]}})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::AdminReport { consultations, .. } if consultations.len() == 1 && consultations[0].minutes == Some(dec("2")))
        );
    }

    #[test]
    fn malformed_and_unknown_events_are_protocol_errors() {
        for (event, args) in [
            ("chat-status", vec![json!({"status":"maybe","roomId":"r"})]),
            ("chat-status", vec![json!({"status":"accepted"})]),
            ("chat-timer", vec![json!(["not", "an", "object"])]),
            ("chat-timer", vec![]),
            ("chat-request-response", vec![json!({"status":"success"})]),
            (
                "chat-request",
                vec![json!({"roomId":"r","userId":"u","chatType":"telepathy"})],
            ),
            (
                "admin-monitor",
                vec![json!({"status":"success","data":{"chats":[1]}})],
            ),
            ("mystery", vec![json!({})]),
        ] {
            let e = d().decode(event, &args).unwrap_err();
            assert_eq!(e.event, event);
        }
    }
}
