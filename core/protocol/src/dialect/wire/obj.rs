//! `Obj`, the tolerant reader of one payload object: a field by a list of names across the
//! object's scopes, a value of the wrong shape skipped (logged), the typed accessors the
//! dialects use.

use super::*;

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
