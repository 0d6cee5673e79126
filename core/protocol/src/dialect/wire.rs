//! Reading server payloads as a tolerant reader: take what the domain needs from the places a
//! server puts it, ignore everything else, and turn a field of an unexpected shape into an
//! absent one (logged at debug level with the raw payload) instead of a lost event. Only a
//! payload without something the domain needs is a [`ProtocolError`]. No `unwrap`, no
//! indexing, no unchecked arithmetic on server numbers: a hostile payload can only ever
//! produce an error.
//!
//! The rules every dialect shares (each dialect's module doc lists what it reads):
//! - A field is looked up by a list of names (the document's first, then the spellings such
//!   servers commonly use), in every *scope* of the object: the object itself, then its
//!   `data` object, then the nested objects a dialect adds (`session`, `message`, `call`, …).
//!   The first *usable* value wins; a value of the wrong shape is skipped, never fatal.
//! - `null` is the same as absent.
//! - An id is a non-empty string, a number (kept as its integer text), or an object carrying
//!   `id`, `_id` or `$oid`. An id field `xId` / `x_id` may also come as an object `x: {id}`.
//! - Amounts are decimals from strings or JSON numbers (read from their text, never a float).
//! - In lists, an item of the wrong shape is skipped (logged), the rest is kept.

use crate::model::{ConsultationKind, Money, Party};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;
use tracing::debug;

mod obj;
#[cfg(test)]
mod tests;

pub use obj::Obj;

/// A server event this dialect cannot read. Carries the raw event name and payload so that
/// nothing is lost.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("cannot read {event}: {reason}")]
pub struct ProtocolError {
    /// Event name as received.
    pub event: String,
    /// What was wrong.
    pub reason: String,
    /// The payload as received.
    pub raw: Value,
}

impl ProtocolError {
    /// An error about `event` with payload `args`.
    pub fn new(event: &str, reason: impl Into<String>, args: &[Value]) -> Self {
        ProtocolError {
            event: event.to_owned(),
            reason: reason.into(),
            raw: raw_of(args),
        }
    }

    /// The event is not part of this dialect.
    pub fn unknown(event: &str, args: &[Value]) -> Self {
        Self::new(event, "unknown event for this dialect", args)
    }
}

/// The payload as one JSON value: the single argument, or the array of them.
pub fn raw_of(args: &[Value]) -> Value {
    match args {
        [one] => one.clone(),
        many => Value::Array(many.to_vec()),
    }
}

/// The first argument of an ack answer (the list of the ack's arguments), which carries the
/// payload in every dialect here; a bare value is taken as it is.
pub fn first_ack_arg(answer: &Value) -> Value {
    match answer {
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    }
}

/// The first argument of an event, which every dialect here uses as its payload.
pub fn first<'a>(event: &str, args: &'a [Value]) -> Result<&'a Value, ProtocolError> {
    args.first()
        .ok_or_else(|| ProtocolError::new(event, "no payload", args))
}

/// The first argument as an object (with its `data` object as a second scope).
pub fn object<'a>(event: &'a str, args: &'a [Value]) -> Result<Obj<'a>, ProtocolError> {
    Obj::nested(event, first(event, args)?, args)
}

/// A consultation's kind by the names servers use for it: `text` or `chat`; `audio`, `voice`
/// or `call`; `video` (any case).
pub fn consultation_kind(s: &str) -> Option<ConsultationKind> {
    match s.to_ascii_lowercase().as_str() {
        "text" | "chat" => Some(ConsultationKind::Text),
        "audio" | "voice" | "call" => Some(ConsultationKind::Audio),
        "video" => Some(ConsultationKind::Video),
        _ => None,
    }
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Names a nested person object carries its display name under.
const NAME_KEYS: [&str; 6] = [
    "name",
    "userName",
    "user_name",
    "username",
    "fullName",
    "displayName",
];

/// A person from flat fields (`id_keys`, `name_keys`) or the object under `nested`
/// (`{id | _id, name, avatar | avatar_url | profile, role, email}`); `None` without an id.
pub fn party(o: &Obj<'_>, id_keys: &[&str], name_keys: &[&str], nested: &str) -> Option<Party> {
    let carries_person = |p: &Obj<'_>| {
        p.opt_id(["id", "_id", "userId", "user_id"]).is_some()
            || p.opt_str(NAME_KEYS).is_some()
            || p.opt_str([
                "avatar",
                "avatar_url",
                "avatarUrl",
                "profile",
                "role",
                "email",
            ])
            .is_some()
    };
    let inner = o.first_obj(nested, |p| carries_person(&p).then_some(p));
    let id = o
        .opt_id(id_keys)
        .or_else(|| inner.and_then(|p| p.opt_id(["id", "_id", "userId", "user_id"])))?;
    let from_inner = |keys: &[&str]| inner.and_then(|p| p.opt_str(keys));
    Some(Party {
        id,
        name: o.opt_str(name_keys).or_else(|| from_inner(&NAME_KEYS)),
        avatar: from_inner(&["avatar", "avatar_url", "avatarUrl", "profile"]),
        role: from_inner(&["role"]),
        email: from_inner(&["email"]),
    })
}

/// `user` for `userId` / `user_id` (never for `id` or `_id` themselves).
fn id_base(key: &str) -> Option<&str> {
    key.strip_suffix("Id")
        .or_else(|| key.strip_suffix("_id"))
        .filter(|b| !b.is_empty())
}

/// An id from a string, a number (its integer text) or an object with `id`, `_id` or `$oid`.
pub fn id_of(v: &Value) -> Option<String> {
    id_at(v, 0)
}

fn id_at(v: &Value, depth: u8) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => integer_text(n),
        Value::Object(m) if depth < 2 => ["id", "_id", "$oid"]
            .iter()
            .find_map(|k| m.get(*k).and_then(|v| id_at(v, depth + 1))),
        _ => None,
    }
}

/// An integer's text; a float only when it is whole and exactly representable.
fn integer_text(n: &serde_json::Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        return Some(n.to_string());
    }
    let f = n.as_f64()?;
    // 2^53: above it a float no longer names one integer.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT).then(|| format!("{f:.0}"))
}

/// A whole, non-negative number (or numeric string) that fits in a u64.
pub fn u64_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            let f = n.as_f64()?;
            // u64::MAX as f64 rounds up to 2^64, which does not fit: stay strictly below.
            (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0)
                .then(|| format!("{f:.0}").parse().ok())
                .flatten()
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A decimal from a JSON string or number.
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            Decimal::from_str(s)
                .or_else(|_| Decimal::from_scientific(s))
                .ok()
        }
        // serde_json prints the shortest text that round-trips, so "12.5" stays "12.5".
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        _ => None,
    }
}
