//! Reading 001's answers to what it sent: socket acks and REST bodies, each first checked for
//! a recognisable error, then turned into events (the session we sent stands in for an id
//! the answer leaves out).

use super::read::{accepted_events, ended, online_list, COINS, KIND, RATE};
use crate::dialect::answer::accepted;
use crate::dialect::wire::{consultation_kind, first_ack_arg, object, Obj};
use crate::dialect::{decode_raw_reply, DialectError, Outbound};
use crate::event::DomainEvent;
use crate::model::AgoraJoin;
use serde_json::Value;

/// The events `answer` (to `sent`) stands for.
pub(super) fn decode_reply(
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
