//! Seed 000: astrologer–user chat with per-minute billing (`chat-request`, `chat-timer`, …).
//! Rooms are consultations; the server is authoritative for the meter.
//!
//! # What is accepted from a server
//! The shared rules are in the `wire` module (names tried in order, the payload's `data`
//! object read like the payload, ids as strings, numbers or `{id | _id}` objects, `roomId`
//! also as `room: {id}`, amounts as decimal strings or numbers, `null` = absent, an odd
//! optional field is absent and logged at debug). Every other field is ignored. Per event
//! (*needs* = a [`ProtocolError`] without it):
//! - `chat-request-response`: needs the room (`data.roomId`, `roomId`, `room_id`) unless it
//!   is an error. Error when `status` is `error`/`failed`/`fail`/`rejected`, `success` or
//!   `ok` is false, or the payload is otherwise a recognisable error: then
//!   `consultation_request_failed` with the code from `error` / `code` / `errorCode`.
//!   Optional: `astrologerId`, `chatType`, `ratePerMinute`, `currency`, `expiresAt`.
//! - `chat-request` (the astrologer's notice; the document prints only the user's emit):
//!   needs the room, the user (`userId`, `user_id`, `user: {id | _id, name}`) and the kind
//!   (`chatType`, `chat_type`, `type`, `sessionType`: text/chat, audio/voice/call, video, any
//!   case). Also read inside `request` / `chat` objects. Optional: `userName`,
//!   `ratePerMinute`, `currency`, `expiresAt`.
//! - `chat-status`: needs the room and the outcome (`status`, or `response`): accepted /
//!   accept, rejected / reject / declined, expired / timeout / missed, cancelled / canceled.
//! - `chat-started`: needs nothing. Optional: room, `startTime` (string or number),
//!   `ratePerMinute`, `balance`, `currency`.
//! - `chat-paused` / `chat-resumed`: need nothing. Optional: room, `pausedBy` / `resumedBy`
//!   / `by`.
//! - `chat-ended`: needs nothing. Optional: room, `duration` (minutes), `totalCost`,
//!   `endedBy`, `reason`, `balance`, `currency`. The document's placeholders
//!   (`"DURATION_IN_MINUTES"`) are not amounts and read as absent.
//! - `chat-timer`: needs the room, `duration` and `cost` as amounts (the meter cannot tick
//!   without them). Optional: `balance`, `state`, `currency`.
//! - `chat-error`: needs nothing; the code is `error` (as documented) or `code`, the message
//!   `message` / `msg` (else the code); a bare string is the message.
//! - `wallet-error`: needs nothing (the message defaults). Optional: `requiredBalance`.
//! - `admin-monitor`: needs nothing; `ok` unless `status` says error or the payload is a
//!   recognisable error. Optional: `message`, `data.chats` (items without a room skipped).
//!
//! The dialect sends no requests that expect an answer (every command is a plain emit).

mod confirm;

use super::answer::{error_parts, refusal};
use super::wire::{consultation_kind, object, party, Obj, ProtocolError};
use super::{
    encode_raw, Capability, Dialect, DialectError, DialectId, DialectName, EventProof, Outbound,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{ConsultationKind, ConsultationSummary, Money, RequestOutcome};
use serde_json::{json, Value};

#[cfg(test)]
mod tests;

/// How a sign-in form offers this dialect ([`crate::dialect::DialectSetup`]).
pub const SETUP: crate::dialect::DialectSetup = crate::dialect::DialectSetup {
    id: crate::dialect::DialectId::BillingChat,
    seed: "000",
    label: "Billing chat",
    hint: "Astrologer chat billed per minute",
    rest_at_socket_url: false,
    expert_namespace: "/",
    capabilities: CAPABILITIES,
};

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

fn kind_name(k: ConsultationKind) -> &'static str {
    match k {
        ConsultationKind::Text => "text",
        ConsultationKind::Audio => "audio",
        ConsultationKind::Video => "video",
    }
}

impl Dialect for BillingChat {
    fn name(&self) -> DialectName {
        DialectId::BillingChat.into()
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    /// The document gives no acks: each consultation command is proven by the event the
    /// server broadcasts for it, and refuted by `chat-error` or `wallet-error`.
    fn event_proof(&self, cmd: &Command) -> Option<EventProof> {
        confirm::event_proof(cmd)
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
                let unit = currency(&o);
                DomainEvent::ConsultationStarted {
                    consultation_id: o.opt_id(ROOM),
                    started_at: o.opt_text(["startTime", "start_time", "startedAt"]),
                    rate_per_minute: o.opt_money(RATE, unit.as_deref()),
                    balance: o.opt_money("balance", unit.as_deref()),
                }
            }
            "chat-paused" => {
                let o = object(event, args)?;
                DomainEvent::ConsultationPaused {
                    consultation_id: o.opt_id(ROOM),
                    by: o.opt_str(["pausedBy", "paused_by", "by"]),
                }
            }
            "chat-resumed" => {
                let o = object(event, args)?;
                DomainEvent::ConsultationResumed {
                    consultation_id: o.opt_id(ROOM),
                    by: o.opt_str(["resumedBy", "resumed_by", "by"]),
                }
            }
            "chat-ended" => {
                let o = object(event, args)?;
                let unit = currency(&o);
                DomainEvent::ConsultationEnded {
                    consultation_id: o.opt_id(ROOM),
                    minutes: o.opt_decimal("duration"),
                    total: o.opt_money(["totalCost", "total_cost"], unit.as_deref()),
                    ended_by: o.opt_str(["endedBy", "ended_by"]),
                    reason: o.opt_str(["reason", "endReason"]),
                    balance: o.opt_money("balance", unit.as_deref()),
                }
            }
            "chat-timer" => {
                let o = object(event, args)?;
                let unit = currency(&o);
                DomainEvent::MeterTick {
                    consultation_id: o.id(ROOM)?,
                    minutes: o.decimal("duration")?,
                    cost: Money {
                        amount: o.decimal("cost")?,
                        unit: unit.clone(),
                    },
                    balance: o.opt_money("balance", unit.as_deref()),
                    state: o.opt_str("state"),
                }
            }
            "chat-error" => {
                let payload = super::wire::first(event, args)?;
                let (code, message) = match payload {
                    Value::Object(_) => {
                        let o = object(event, args)?;
                        let code = o.opt_text(["error", "code", "errorCode"]);
                        let message = o.opt_str(["message", "msg"]).or_else(|| code.clone());
                        (code, message)
                    }
                    other => error_parts(other),
                };
                DomainEvent::ServerError {
                    code,
                    message: message.unwrap_or_else(|| "chat error".into()),
                    source: event.into(),
                }
            }
            "wallet-error" => {
                let o = object(event, args)?;
                DomainEvent::WalletError {
                    message: o
                        .opt_str(["message", "msg", "error"])
                        .unwrap_or_else(|| "Insufficient wallet balance".into()),
                    required_balance: o.opt_money(
                        ["requiredBalance", "required_balance", "minimumBalance"],
                        currency(&o).as_deref(),
                    ),
                }
            }
            "admin-monitor" => admin_report(&object(event, args)?),
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

/// Where 000 payloads carry the room (also `room: {id}`).
const ROOM: [&str; 2] = ["roomId", "room_id"];
/// Where the price per minute is.
const RATE: [&str; 2] = ["ratePerMinute", "rate_per_minute"];

fn currency(o: &Obj<'_>) -> Option<String> {
    o.opt_str(["currency", "unit"])
}

/// `status: "success"` (or `success: true`) with the room; `status: "error"` (or
/// `success: false`, or an `error`) is a refusal with the server's code.
fn request_response(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let status = o.opt_str("status").map(|s| s.to_ascii_lowercase());
    let failed = matches!(
        status.as_deref(),
        Some("error" | "failed" | "fail" | "rejected")
    ) || o.opt_bool(["success", "ok"]) == Some(false);
    let room = o.opt_id(ROOM);
    match room {
        Some(consultation_id) if !failed => {
            let unit = currency(o);
            Ok(DomainEvent::ConsultationRequestSent {
                kind: o
                    .opt_str(["chatType", "chat_type", "type"])
                    .as_deref()
                    .and_then(consultation_kind),
                consultation_id,
                expert_id: o.opt_id(["astrologerId", "astrologer_id"]),
                rate_per_minute: o.opt_money(RATE, unit.as_deref()),
                expires_at: o.opt_text(["expiresAt", "expires_at"]),
            })
        }
        _ if failed || refusal(first_arg(o)).is_some() => {
            let (code, message) = error_parts(first_arg(o));
            Ok(DomainEvent::ConsultationRequestFailed {
                code: o.opt_text(["error", "code", "errorCode"]).or(code),
                message: message.unwrap_or_default(),
            })
        }
        _ => Err(o.error("missing field data.roomId (and no error status)")),
    }
}

fn first_arg<'a>(o: &Obj<'a>) -> &'a Value {
    o.args().first().unwrap_or(&Value::Null)
}

fn incoming_request(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let o = o.within(["request", "chat"]);
    let chat_type = o.str(["chatType", "chat_type", "type", "sessionType"])?;
    let unit = currency(&o);
    Ok(DomainEvent::ConsultationRequested {
        consultation_id: o.id(ROOM)?,
        user: party(
            &o,
            &["userId", "user_id"],
            &["userName", "user_name"],
            "user",
        )
        .ok_or_else(|| o.error("missing field userId"))?,
        kind: consultation_kind(&chat_type)
            .ok_or_else(|| o.error(format!("unknown chatType {chat_type:?}")))?,
        rate_per_minute: o.opt_money(RATE, unit.as_deref()),
        expires_at: o.opt_text(["expiresAt", "expires_at"]),
    })
}

fn status(o: &Obj<'_>) -> Result<DomainEvent, ProtocolError> {
    let said = o.str(["status", "response"])?;
    let outcome = match said.to_ascii_lowercase().as_str() {
        "accepted" | "accept" => RequestOutcome::Accepted,
        "rejected" | "reject" | "declined" => RequestOutcome::Rejected,
        "expired" | "timeout" | "missed" => RequestOutcome::Expired,
        "cancelled" | "canceled" | "cancel" => RequestOutcome::Cancelled,
        other => return Err(o.error(format!("unknown status {other:?}"))),
    };
    Ok(DomainEvent::ConsultationAnswered {
        consultation_id: o.id(ROOM)?,
        outcome,
        message: o.opt_str("message"),
        channel: None,
    })
}

/// The answer to `admin-monitor`: anything not recognisably an error is success; listed
/// chats (`data.chats`) without a room id are skipped.
fn admin_report(o: &Obj<'_>) -> DomainEvent {
    let status = o.opt_str("status").map(|s| s.to_ascii_lowercase());
    let ok = !matches!(status.as_deref(), Some("error" | "failed" | "fail"))
        && refusal(first_arg(o)).is_none();
    let consultations = o
        .items(o.opt_arr("chats"))
        .iter()
        .filter_map(|c| {
            Some(ConsultationSummary {
                consultation_id: c.opt_id(ROOM)?,
                user_id: c.opt_id(["userId", "user_id"]),
                expert_id: c.opt_id(["astrologerId", "astrologer_id"]),
                status: c.opt_str("status"),
                minutes: c.opt_decimal("duration"),
                cost: c.opt_money("cost", None),
            })
        })
        .collect();
    DomainEvent::AdminReport {
        ok,
        message: o
            .opt_str("message")
            .or_else(|| error_parts(first_arg(o)).1)
            .unwrap_or_default(),
        consultations,
    }
}
