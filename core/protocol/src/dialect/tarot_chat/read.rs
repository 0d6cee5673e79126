//! Reading 002's payloads: the session, people, messages (socket and REST shapes), reactions
//! and listed pages, by the tolerant rules the module documentation states.

use crate::dialect::wire::{object, party, u64_of, Obj, ProtocolError};
use crate::dialect::DialectError;
use crate::model::{ConversationInfo, Message, MessageKind, Party};
use serde_json::Value;
use std::collections::BTreeMap;

/// 002's message type name as a kind (`text`, `voice`, `image`, `file`, `system`).
pub(super) fn message_kind(s: &str) -> Option<MessageKind> {
    match s {
        "text" => Some(MessageKind::Text),
        "voice" => Some(MessageKind::Voice),
        "image" => Some(MessageKind::Image),
        "file" => Some(MessageKind::File),
        "system" => Some(MessageKind::System),
        _ => None,
    }
}

/// Where 002 payloads carry the chat session (also `session: {id}`).
pub(super) const SESSION: [&str; 4] = ["session_id", "sessionId", "chat_id", "chatId"];

/// The REST body's `data` object, or the body itself when it is not enveloped.
pub(super) fn payload<'a>(event: &'a str, args: &'a [Value]) -> Result<Obj<'a>, ProtocolError> {
    let o = object(event, args)?;
    Ok(o.opt_obj("data").unwrap_or(o))
}

/// A listed page: the array under `key` (in `data` or at the top), or `data` itself when it
/// is the array; with the object that carries the page's own fields (`has_more`).
pub(super) fn listed<'a>(
    event: &'a str,
    args: &'a [Value],
    key: &str,
) -> Result<(&'a [Value], Obj<'a>), ProtocolError> {
    let o = object(event, args)?;
    let page = o.opt_obj("data").unwrap_or(o);
    let list = match page.opt_arr(key) {
        [] => o.arr([key, "data", "items", "results"])?,
        list => list,
    };
    Ok((list, page))
}

pub(super) fn non_empty(text: Option<&str>) -> Result<&str, DialectError> {
    text.filter(|t| !t.trim().is_empty())
        .ok_or_else(|| DialectError::InvalidCommand("a message needs text".into()))
}

/// A person object (`{id, name, avatar, role, email}`, or `first_name`/`last_name`).
pub(super) fn person(o: &Obj<'_>) -> Option<Party> {
    let first = o.opt_str("first_name").unwrap_or_default();
    let last = o.opt_str("last_name").unwrap_or_default();
    let full = Some(format!("{first} {last}").trim().to_owned()).filter(|n| !n.is_empty());
    Some(Party {
        id: o.opt_id(["id", "_id", "user_id", "userId"])?,
        name: o.opt_str(["name", "user_name", "full_name"]).or(full),
        avatar: o.opt_str(["avatar", "avatar_url", "avatarUrl"]),
        role: o.opt_str("role"),
        email: o.opt_str("email"),
    })
}

/// Who an event is about: `user_id` / `user: {id}` with `user_name`, or only a name (the
/// document's `user_joined`, `user_typing` and reaction payloads print `user_name` alone).
pub(super) fn someone(o: &Obj<'_>) -> Result<Party, ProtocolError> {
    if let Some(p) = party(
        o,
        &["user_id", "userId"],
        &["user_name", "userName"],
        "user",
    ) {
        return Ok(p);
    }
    let name = o.opt_str(["user_name", "userName"]);
    let nested = o.first_obj("user", |u| u.opt_str(["name", "user_name"]));
    match name.or(nested) {
        Some(name) => Ok(Party {
            name: Some(name),
            ..Party::default()
        }),
        None => Err(o.error("missing field user_id / user_name")),
    }
}

/// Totals per emoji when the server sends them: `{emoji: count}`, or a list of
/// `{reaction | emoji, count}` / `{reaction, user_id}` / emoji strings. Anything else is
/// ignored.
pub(super) fn reaction_totals(o: &Obj<'_>) -> BTreeMap<String, u32> {
    let mut totals: BTreeMap<String, u32> = BTreeMap::new();
    let mut add = |emoji: String, n: u64| {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let slot = totals.entry(emoji).or_default();
        *slot = slot.saturating_add(n);
    };
    if let Some(map) = o.opt_obj("reactions") {
        for (emoji, n) in map.entries() {
            match (u64_of(n), n.as_array()) {
                (Some(n), _) => add(emoji.clone(), n),
                (None, Some(users)) => add(emoji.clone(), users.len() as u64),
                _ => map.ignored(emoji, "a reaction count that is not a number"),
            }
        }
    }
    for item in o.opt_arr("reactions") {
        match item {
            Value::String(emoji) if !emoji.is_empty() => add(emoji.clone(), 1),
            Value::Object(_) => {
                let Ok(r) = Obj::nested(o.event(), item, o.args()) else {
                    continue;
                };
                let Some(emoji) = r.opt_str(["reaction", "emoji"]) else {
                    r.ignored("reactions", "a reaction without an emoji");
                    continue;
                };
                add(emoji, r.opt_u64(["count", "total"]).unwrap_or(1));
            }
            _ => o.ignored("reactions", "a reaction item of an unexpected shape"),
        }
    }
    totals
}

/// `type` as the document spells it; an unknown type reads as absent (a file when the
/// message carries a file, text otherwise).
pub(super) fn kind(o: &Obj<'_>, has_file: bool) -> MessageKind {
    let fallback = if has_file {
        MessageKind::File
    } else {
        MessageKind::Text
    };
    match o.opt_str(["type", "message_type"]) {
        None => fallback,
        Some(t) => message_kind(&t).unwrap_or_else(|| {
            o.ignored("type", "unknown message type");
            fallback
        }),
    }
}

pub(super) fn duration_secs(o: &Obj<'_>) -> Option<f32> {
    let d = o
        .first_obj("metadata", |m| m.opt_decimal("duration"))
        .or_else(|| o.opt_decimal(["duration", "duration_secs"]))?;
    d.to_string()
        .parse::<f32>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
}

/// The socket shape: `{id, session_id, content, type, sender:{id,name,avatar}, timestamp}`,
/// also enveloped as `{session_id, message: {...}}` (the shape of `send_message`).
pub(super) fn socket_message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    let id = o.id(["id", "_id", "message_id", "messageId"])?;
    let sender = o
        .first_obj("sender", |s| person(&s))
        .or_else(|| {
            party(
                o,
                &["sender_id", "senderId", "sender", "user_id"],
                &["sender_name", "user_name"],
                "user",
            )
        })
        .ok_or_else(|| o.error("missing field sender.id"))?;
    let file_url = o.opt_str(["file_url", "fileUrl"]);
    Ok(Message {
        client_id: Some(id.clone()),
        id,
        conversation_id: o.opt_id(SESSION).unwrap_or_default(),
        sender,
        kind: kind(o, file_url.is_some()),
        text: o.opt_str(["content", "text", "message"]),
        file_url,
        file_name: o.opt_str(["file_name", "fileName"]),
        reply_to: o.opt_id(["reply_to", "reply_to_id", "replyToId"]),
        sent_at: o.opt_text(["timestamp", "created_at", "createdAt"]),
        read: o.opt_bool(["is_read", "isRead"]),
        reactions: BTreeMap::new(),
        duration_secs: duration_secs(o),
    })
}

/// The REST shape: `{id, session_id, sender_id, content, type, file_url, is_read, created_at,
/// profiles:{first_name,last_name,avatar_url}, message_reactions:[{user_id, reaction}]}`.
/// `conversation` stands in for a missing `session_id`; without `sender_id` the sender is
/// unknown (an error where `need_sender`).
pub(super) fn rest_message(
    o: &Obj<'_>,
    conversation: Option<String>,
    need_sender: bool,
) -> Result<Message, ProtocolError> {
    let profile = o.first_obj(["profiles", "profile", "sender"], |p| {
        let first = p.opt_str("first_name").unwrap_or_default();
        let last = p.opt_str("last_name").unwrap_or_default();
        let name = Some(format!("{first} {last}").trim().to_owned())
            .filter(|n| !n.is_empty())
            .or_else(|| p.opt_str("name"));
        let avatar = p.opt_str(["avatar_url", "avatar"]);
        (name.is_some() || avatar.is_some()).then_some((name, avatar))
    });
    let (name, avatar) = profile.unwrap_or_default();
    let sender_id = match o.opt_id(["sender_id", "senderId", "user_id"]) {
        Some(id) => id,
        None if need_sender => return Err(o.error("missing field sender_id")),
        None => String::new(),
    };
    let mut reactions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in o.items(o.opt_arr(["message_reactions", "reactions"])) {
        match (
            r.opt_str(["reaction", "emoji"]),
            r.opt_id(["user_id", "userId"]),
        ) {
            (Some(emoji), Some(user)) => reactions.entry(emoji).or_default().push(user),
            _ => r.ignored("message_reactions", "a reaction without emoji or user"),
        }
    }
    let file_url = o.opt_str(["file_url", "fileUrl"]);
    Ok(Message {
        id: o.id(["id", "_id"])?,
        conversation_id: o
            .opt_id(SESSION)
            .or(conversation)
            .ok_or_else(|| o.error("missing field session_id"))?,
        client_id: o.opt_client_id(["client_id", "clientId"]),
        sender: Party {
            id: sender_id,
            name,
            avatar,
            ..Party::default()
        },
        kind: kind(o, file_url.is_some()),
        text: o.opt_str(["content", "text"]),
        file_url,
        file_name: o.opt_str(["file_name", "fileName"]),
        reply_to: o.opt_id(["reply_to", "reply_to_id", "replyToId"]),
        sent_at: o.opt_text(["created_at", "createdAt", "timestamp"]),
        read: o.opt_bool(["is_read", "isRead"]),
        reactions,
        duration_secs: duration_secs(o),
    })
}

/// A listed conversation; `None` without an id.
pub(super) fn conversation(o: &Obj<'_>) -> Option<ConversationInfo> {
    let Some(id) = o.opt_id(["id", "_id", "session_id"]) else {
        o.ignored("id", "a conversation without an id");
        return None;
    };
    Some(ConversationInfo {
        id,
        status: o.opt_str("status"),
        participants: o.ids_of(o.opt_arr(["participants", "participant_ids"])),
        unread: o.opt_u64(["unread_count", "unreadCount"]),
        last_message_at: o.opt_text(["last_message_at", "lastMessageAt"]),
    })
}
