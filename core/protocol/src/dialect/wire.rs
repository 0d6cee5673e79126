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

#[cfg(test)]
mod tests;

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

/// Names to look a field up by: one name, or several in order of preference.
pub trait Keys {
    /// The names.
    fn names(&self) -> &[&str];
}

impl Keys for &str {
    fn names(&self) -> &[&str] {
        std::slice::from_ref(self)
    }
}

impl<const N: usize> Keys for [&str; N] {
    fn names(&self) -> &[&str] {
        self
    }
}

impl Keys for &[&str] {
    fn names(&self) -> &[&str] {
        self
    }
}

/// How many scopes an object is read in (itself, `data`, and up to two nested objects).
const SCOPES: usize = 4;

/// A JSON object being read on behalf of one event.
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    event: &'a str,
    scopes: [Option<&'a Map<String, Value>>; SCOPES],
    args: &'a [Value],
}

impl<'a> Obj<'a> {
    /// Reads `value` as an object (its `data` object a second scope), errors naming `event`.
    pub fn nested(
        event: &'a str,
        value: &'a Value,
        args: &'a [Value],
    ) -> Result<Obj<'a>, ProtocolError> {
        match value {
            Value::Object(map) => {
                let data = map.get("data").and_then(Value::as_object);
                Ok(Obj {
                    event,
                    scopes: [Some(map), data, None, None],
                    args,
                })
            }
            other => Err(ProtocolError::new(
                event,
                format!("expected an object, got {}", kind_of(other)),
                args,
            )),
        }
    }

    /// An object without fields (an answer without a body reads like one).
    pub fn empty(event: &'a str) -> Obj<'a> {
        Obj {
            event,
            scopes: [None; SCOPES],
            args: &[],
        }
    }

    /// The same object, also reading the objects under `keys` (at the top or in `data`) as
    /// further scopes: `{session: {...}}` and `{data: {session: {...}}}` read like the flat
    /// payload. Values of another shape under these names are left alone.
    pub fn within(mut self, keys: impl Keys) -> Obj<'a> {
        let outer: Vec<&'a Map<String, Value>> =
            self.scopes.iter().take(2).flatten().copied().collect();
        for key in keys.names() {
            for scope in &outer {
                let Some(inner) = scope.get(*key).and_then(Value::as_object) else {
                    continue;
                };
                if let Some(slot) = self.scopes.iter_mut().find(|s| s.is_none()) {
                    *slot = Some(inner);
                }
            }
        }
        self
    }

    fn err(&self, reason: impl Into<String>) -> ProtocolError {
        ProtocolError::new(self.event, reason, self.args)
    }

    fn skipped(&self, key: &str, v: &Value, wanted: &str) {
        debug!(
            event = self.event,
            field = key,
            got = kind_of(v),
            wanted,
            raw = %raw_of(self.args),
            "ignored a field of an unexpected shape"
        );
    }

    /// Every present, non-null value under `key`, scope by scope.
    fn values(&self, key: &str) -> Vec<&'a Value> {
        self.scopes
            .iter()
            .flatten()
            .filter_map(|s| s.get(key))
            .filter(|v| !v.is_null())
            .collect()
    }

    /// The first value under `names` that `read` accepts; values it refuses are logged and
    /// skipped.
    fn find<T>(
        &self,
        names: &[&str],
        wanted: &str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Option<T> {
        for key in names {
            for v in self.values(key) {
                match read(v) {
                    Some(t) => return Some(t),
                    None => self.skipped(key, v, wanted),
                }
            }
        }
        None
    }

    fn missing(&self, names: &[&str], what: &str) -> ProtocolError {
        let present = names
            .iter()
            .find_map(|k| self.values(k).first().map(|v| (*k, kind_of(v))));
        match present {
            Some((k, got)) => self.err(format!("{k} should be {what}, got {got}")),
            None => self.err(format!("missing field {}", names.join(" / "))),
        }
    }

    /// An optional string (any other shape is absent).
    pub fn opt_str(&self, keys: impl Keys) -> Option<String> {
        self.find(keys.names(), "a string", |v| v.as_str().map(str::to_owned))
    }

    /// An optional client id: only a non-empty string. Parlor's client ids are strings, so a
    /// number or an object under such a name is someone else's field (a server's own counter,
    /// a nested record) and reading it as ours would tie unrelated messages together.
    pub fn opt_client_id(&self, keys: impl Keys) -> Option<String> {
        self.find(keys.names(), "a client id (a string)", |v| {
            v.as_str()
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        })
    }

    /// A required string.
    pub fn str(&self, keys: impl Keys) -> Result<String, ProtocolError> {
        let names = keys.names();
        self.opt_str(names)
            .ok_or_else(|| self.missing(names, "a string"))
    }

    /// An optional non-empty text that servers send as a string or a number (times, codes).
    pub fn opt_text(&self, keys: impl Keys) -> Option<String> {
        self.find(keys.names(), "a string or a number", |v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    /// An optional id: a string, a number, or an object with an id; for a key `xId` or
    /// `x_id`, also an object `x` with an id.
    pub fn opt_id(&self, keys: impl Keys) -> Option<String> {
        for key in keys.names() {
            if let Some(id) = self.find(&[key], "an id", id_of) {
                return Some(id);
            }
            if let Some(base) = id_base(key) {
                let nested = |v: &Value| v.is_object().then(|| id_of(v)).flatten();
                if let Some(id) = self.find(&[base], "an object with an id", nested) {
                    return Some(id);
                }
            }
        }
        None
    }

    /// A required id.
    pub fn id(&self, keys: impl Keys) -> Result<String, ProtocolError> {
        let names = keys.names();
        self.opt_id(names)
            .ok_or_else(|| self.missing(names, "an id"))
    }

    /// An optional boolean (only JSON booleans).
    pub fn opt_bool(&self, keys: impl Keys) -> Option<bool> {
        self.find(keys.names(), "a boolean", Value::as_bool)
    }

    /// A required boolean.
    pub fn bool(&self, keys: impl Keys) -> Result<bool, ProtocolError> {
        let names = keys.names();
        self.opt_bool(names)
            .ok_or_else(|| self.missing(names, "a boolean"))
    }

    /// An optional decimal: a decimal string or a JSON number (read from its text, never
    /// through a float).
    pub fn opt_decimal(&self, keys: impl Keys) -> Option<Decimal> {
        self.find(keys.names(), "a decimal amount", decimal_of)
    }

    /// A required decimal.
    pub fn decimal(&self, keys: impl Keys) -> Result<Decimal, ProtocolError> {
        let names = keys.names();
        self.opt_decimal(names)
            .ok_or_else(|| self.missing(names, "a decimal amount"))
    }

    /// An optional amount of money in `unit`.
    pub fn opt_money(&self, keys: impl Keys, unit: Option<&str>) -> Option<Money> {
        self.opt_decimal(keys).map(|amount| Money {
            amount,
            unit: unit.map(str::to_owned),
        })
    }

    /// An optional unsigned integer: a whole, non-negative number or numeric string that fits.
    pub fn opt_u64(&self, keys: impl Keys) -> Option<u64> {
        self.find(keys.names(), "a whole number", u64_of)
    }

    /// An optional nested object.
    pub fn opt_obj(&self, keys: impl Keys) -> Option<Obj<'a>> {
        self.find(keys.names(), "an object", |v| {
            Obj::nested(self.event, v, self.args).ok()
        })
    }

    /// The first object under `keys` that `read` can use (an object that carries nothing
    /// `read` looks for is skipped like a value of the wrong shape).
    pub fn first_obj<T>(&self, keys: impl Keys, read: impl Fn(Obj<'a>) -> Option<T>) -> Option<T> {
        self.find(keys.names(), "a usable object", |v| {
            Obj::nested(self.event, v, self.args).ok().and_then(&read)
        })
    }

    /// A required array.
    pub fn arr(&self, keys: impl Keys) -> Result<&'a [Value], ProtocolError> {
        let names = keys.names();
        self.find(names, "an array", |v| v.as_array().map(Vec::as_slice))
            .ok_or_else(|| self.missing(names, "an array"))
    }

    /// An optional array (absent, null or another shape → empty).
    pub fn opt_arr(&self, keys: impl Keys) -> &'a [Value] {
        self.find(keys.names(), "an array", |v| {
            v.as_array().map(Vec::as_slice)
        })
        .unwrap_or(&[])
    }

    /// The objects of a list; items of another shape are skipped (logged).
    pub fn items(&self, list: &'a [Value]) -> Vec<Obj<'a>> {
        list.iter()
            .filter_map(|v| {
                let o = Obj::nested(self.event, v, self.args).ok();
                if o.is_none() {
                    self.skipped("[item]", v, "an object");
                }
                o
            })
            .collect()
    }

    /// The ids of a list; items that are not ids are skipped (logged).
    pub fn ids_of(&self, list: &[Value]) -> Vec<String> {
        list.iter()
            .filter_map(|v| {
                let id = id_of(v);
                if id.is_none() {
                    self.skipped("[item]", v, "an id");
                }
                id
            })
            .collect()
    }

    /// A required array of ids (items that are not ids are skipped).
    pub fn ids(&self, keys: impl Keys) -> Result<Vec<String>, ProtocolError> {
        Ok(self.ids_of(self.arr(keys)?))
    }

    /// The first scope's entries (for maps keyed by data, such as emoji → count).
    pub fn entries(&self) -> Vec<(&'a String, &'a Value)> {
        self.scopes[0]
            .map(|m| m.iter().collect())
            .unwrap_or_default()
    }

    /// The event this object belongs to.
    pub fn event(&self) -> &'a str {
        self.event
    }

    /// The whole payload, for errors.
    pub fn args(&self) -> &'a [Value] {
        self.args
    }

    /// An error about this payload.
    pub fn error(&self, reason: impl Into<String>) -> ProtocolError {
        self.err(reason)
    }

    /// Logs that a present value could not be used (a dialect's own rule, e.g. an unknown
    /// message type read as absent).
    pub fn ignored(&self, key: &str, why: &str) {
        debug!(event = self.event, field = key, why, raw = %raw_of(self.args), "ignored a field");
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
