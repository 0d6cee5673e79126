//! Reading 001's payloads: sessions, people, the online list, endings and messages, by the
//! tolerant rules the module documentation states.

use crate::dialect::wire::{object, party, Obj, ProtocolError};
use crate::event::DomainEvent;
use crate::model::{Expert, Message, MessageKind, Party, Presence, RequestOutcome};
use serde_json::Value;
use tracing::debug;

/// 001 bills in coins.
pub(super) const COINS: Option<&str> = Some("coins");

/// Where 001 payloads carry the session id (also `session: {_id}`).
pub(super) const SESSION: [&str; 4] = ["sessionId", "session_id", "_id", "id"];
/// Where they carry the user.
pub(super) const USER: [&str; 2] = ["userId", "user_id"];
/// Where they carry the kind of session.
pub(super) const KIND: [&str; 4] = ["sessionType", "session_type", "type", "chatType"];
/// Where they carry the price per minute.
pub(super) const RATE: [&str; 2] = ["ratePerMinute", "rate_per_minute"];
/// Where they carry the sender's own id for a message.
pub(super) const CLIENT_ID: [&str; 3] = ["clientId", "client_id", "clientMessageId"];

pub(super) fn accepted_events(o: &Obj<'_>, id: String) -> Vec<DomainEvent> {
    vec![
        DomainEvent::ConsultationAnswered {
            consultation_id: id.clone(),
            outcome: RequestOutcome::Accepted,
            message: None,
            channel: o.opt_str(["channelName", "channel_name", "channel"]),
        },
        DomainEvent::ConsultationStarted {
            consultation_id: Some(id),
            started_at: o.opt_text(["acceptedAt", "accepted_at", "startedAt"]),
            rate_per_minute: o.opt_money(RATE, COINS),
            balance: None,
        },
    ]
}

/// The online list: an array, or an object with the array under one of the usual names.
pub(super) fn online_list(event: &str, args: &[Value]) -> Result<Vec<Expert>, ProtocolError> {
    let list = match crate::dialect::wire::first(event, args)? {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => object(event, args)?.arr([
            "astrologers",
            "online",
            "onlineAstrologers",
            "experts",
            "users",
            "list",
            "data",
        ])?,
        _ => {
            return Err(ProtocolError::new(
                event,
                "expected a list of astrologers",
                args,
            ))
        }
    };
    Ok(list
        .iter()
        .filter_map(|item| expert(event, item, args))
        .collect())
}

/// One listed astrologer: an object with an id, or a bare id. Items without an id are
/// skipped (logged).
pub(super) fn expert(event: &str, item: &Value, args: &[Value]) -> Option<Expert> {
    let Ok(a) = Obj::nested(event, item, args) else {
        let id = crate::dialect::wire::id_of(item);
        if id.is_none() {
            debug!(event, item = %item, "skipped an online-list item without an id");
        }
        return id.map(|id| Expert {
            party: Party {
                id,
                ..Party::default()
            },
            presence: Presence::Online,
            rate_per_minute: None,
            language: None,
            about: None,
        });
    };
    let Some(id) = a.opt_id(["id", "_id", "clerkId", "astrologerId", "userId"]) else {
        a.ignored("[item]", "an online-list item without an id");
        return None;
    };
    let said = a
        .opt_str(["status", "presence"])
        .map(|s| s.to_ascii_lowercase());
    let presence = if a.opt_bool(["busy", "isBusy"]).unwrap_or(false)
        || a.opt_id(["currentSessionId", "current_session_id"])
            .is_some()
        || matches!(said.as_deref(), Some("busy" | "on_call" | "in_session"))
    {
        Presence::Busy
    } else if a
        .opt_bool(["isOnline", "is_online", "online"])
        .unwrap_or(true)
        && said.as_deref() != Some("offline")
    {
        Presence::Online
    } else {
        Presence::Offline
    };
    Some(Expert {
        party: Party {
            id,
            name: a.opt_str(["name", "fullName", "displayName", "username"]),
            ..Party::default()
        },
        presence,
        rate_per_minute: a.opt_money(RATE, COINS),
        language: None,
        about: None,
    })
}

/// A session's end; an `endReason` of rejected, cancelled or expired answers the request
/// instead.
pub(super) fn ended(o: &Obj<'_>, id: String, balance: Option<crate::model::Money>) -> DomainEvent {
    let reason = o.opt_str(["endReason", "end_reason", "reason"]);
    let outcome = match reason.as_deref() {
        Some("rejected") => Some(RequestOutcome::Rejected),
        Some("cancelled") => Some(RequestOutcome::Cancelled),
        Some("expired") => Some(RequestOutcome::Expired),
        _ => None,
    };
    if let Some(outcome) = outcome {
        return DomainEvent::ConsultationAnswered {
            consultation_id: id,
            outcome,
            message: None,
            channel: None,
        };
    }
    DomainEvent::ConsultationEnded {
        consultation_id: Some(id),
        minutes: o.opt_decimal("duration"),
        total: o.opt_money(["coinsDeducted", "coins_deducted", "coins"], COINS),
        ended_by: o.opt_str(["endedBy", "ended_by"]),
        reason,
        balance,
    }
}

pub(super) fn message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    Ok(Message {
        id: o.id(["_id", "id", "messageId", "message_id"])?,
        conversation_id: o.id(["sessionId", "session_id", "roomId"])?,
        client_id: o.opt_client_id(CLIENT_ID),
        sender: party(
            o,
            &["senderId", "sender_id", "userId", "from"],
            &["senderName", "sender_name"],
            "sender",
        )
        .ok_or_else(|| o.error("missing field senderId"))?,
        kind: MessageKind::Text,
        text: Some(
            o.opt_str(["text", "content", "body", "message"])
                .unwrap_or_default(),
        ),
        file_url: None,
        file_name: None,
        reply_to: None,
        sent_at: o.opt_text(["createdAt", "created_at", "timestamp", "sentAt"]),
        read: None,
        reactions: Default::default(),
        duration_secs: None,
    })
}
