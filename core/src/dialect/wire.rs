//! Reading server payloads field by field with typed errors: no `unwrap`, no indexing, so a
//! hostile or broken payload can only ever produce a [`ProtocolError`].

use crate::model::{Money, Party};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

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

/// The first argument as an object.
pub fn object<'a>(event: &'a str, args: &'a [Value]) -> Result<Obj<'a>, ProtocolError> {
    match first(event, args)? {
        Value::Object(map) => Ok(Obj { event, map, args }),
        other => Err(ProtocolError::new(
            event,
            format!("expected an object, got {}", kind_of(other)),
            args,
        )),
    }
}

/// The first argument as a string.
pub fn string(event: &str, args: &[Value]) -> Result<String, ProtocolError> {
    match first(event, args)? {
        Value::String(s) => Ok(s.clone()),
        other => Err(ProtocolError::new(
            event,
            format!("expected a string, got {}", kind_of(other)),
            args,
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object being read on behalf of one event.
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    event: &'a str,
    map: &'a Map<String, Value>,
    args: &'a [Value],
}

impl<'a> Obj<'a> {
    /// Wraps a nested object for reading, errors still naming `event`.
    pub fn nested(
        event: &'a str,
        value: &'a Value,
        args: &'a [Value],
    ) -> Result<Obj<'a>, ProtocolError> {
        match value {
            Value::Object(map) => Ok(Obj { event, map, args }),
            other => Err(ProtocolError::new(
                event,
                format!("expected an object, got {}", kind_of(other)),
                args,
            )),
        }
    }

    fn err(&self, reason: impl Into<String>) -> ProtocolError {
        ProtocolError::new(self.event, reason, self.args)
    }

    /// The raw field, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required string field.
    pub fn str(&self, key: &str) -> Result<String, ProtocolError> {
        self.opt_str(key)?
            .ok_or_else(|| self.err(format!("missing field {key}")))
    }

    /// An optional string field (a wrong type is still an error).
    pub fn opt_str(&self, key: &str) -> Result<Option<String>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => {
                Err(self.err(format!("{key} should be a string, got {}", kind_of(other))))
            }
        }
    }

    /// A required id: a string, or a number kept as its decimal text.
    pub fn id(&self, key: &str) -> Result<String, ProtocolError> {
        self.opt_id(key)?
            .ok_or_else(|| self.err(format!("missing field {key}")))
    }

    /// An optional id.
    pub fn opt_id(&self, key: &str) -> Result<Option<String>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(self.err(format!("{key} is empty"))),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.err(format!("{key} should be an id, got {}", kind_of(other)))),
        }
    }

    /// A required boolean.
    pub fn bool(&self, key: &str) -> Result<bool, ProtocolError> {
        match self.get(key) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => {
                Err(self.err(format!("{key} should be a boolean, got {}", kind_of(other))))
            }
            None => Err(self.err(format!("missing field {key}"))),
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => {
                Err(self.err(format!("{key} should be a boolean, got {}", kind_of(other))))
            }
        }
    }

    /// An optional decimal: a decimal string or a JSON number (read from its text, never
    /// through a float).
    pub fn opt_decimal(&self, key: &str) -> Result<Option<Decimal>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => decimal_of(v)
                .map(Some)
                .ok_or_else(|| self.err(format!("{key} is not a decimal amount: {v}"))),
        }
    }

    /// A required decimal.
    pub fn decimal(&self, key: &str) -> Result<Decimal, ProtocolError> {
        self.opt_decimal(key)?
            .ok_or_else(|| self.err(format!("missing field {key}")))
    }

    /// An optional amount of money in `unit`.
    pub fn opt_money(&self, key: &str, unit: Option<&str>) -> Result<Option<Money>, ProtocolError> {
        Ok(self.opt_decimal(key)?.map(|amount| Money {
            amount,
            unit: unit.map(str::to_owned),
        }))
    }

    /// An optional unsigned integer (numbers or numeric strings).
    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                        .map(|f| f as u64)
                })
                .map(Some)
                .ok_or_else(|| self.err(format!("{key} should be a whole number, got {n}"))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.err(format!("{key} should be a whole number, got {s:?}"))),
            Some(other) => {
                Err(self.err(format!("{key} should be a number, got {}", kind_of(other))))
            }
        }
    }

    /// A required nested object.
    pub fn obj(&self, key: &str) -> Result<Obj<'a>, ProtocolError> {
        self.opt_obj(key)?
            .ok_or_else(|| self.err(format!("missing object {key}")))
    }

    /// An optional nested object.
    pub fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::nested(self.event, v, self.args).map(Some),
        }
    }

    /// A required array.
    pub fn arr(&self, key: &str) -> Result<&'a Vec<Value>, ProtocolError> {
        match self.get(key) {
            Some(Value::Array(a)) => Ok(a),
            Some(other) => {
                Err(self.err(format!("{key} should be an array, got {}", kind_of(other))))
            }
            None => Err(self.err(format!("missing array {key}"))),
        }
    }

    /// An optional array (absent or null → empty).
    pub fn opt_arr(&self, key: &str) -> Result<&'a [Value], ProtocolError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => {
                Err(self.err(format!("{key} should be an array, got {}", kind_of(other))))
            }
        }
    }

    /// A required array of ids.
    pub fn ids(&self, key: &str) -> Result<Vec<String>, ProtocolError> {
        self.arr(key)?
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(self.err(format!("{key} holds {}, not ids", kind_of(other)))),
            })
            .collect()
    }

    /// The object's keys.
    pub fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
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
}

/// A decimal from a JSON string or number.
pub fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        // serde_json prints the shortest text that round-trips, so "12.5" stays "12.5".
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        _ => None,
    }
}

/// A person from an object with the given field names (absent names are skipped).
pub fn party(o: &Obj<'_>, id_key: &str, name_key: Option<&str>) -> Result<Party, ProtocolError> {
    Ok(Party {
        id: o.id(id_key)?,
        name: match name_key {
            Some(k) => o.opt_str(k)?,
            None => None,
        },
        ..Party::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimals_come_from_strings_and_number_text_exactly() {
        assert_eq!(decimal_of(&json!("12.50")).unwrap().to_string(), "12.50");
        assert_eq!(decimal_of(&json!(12.5)).unwrap().to_string(), "12.5");
        assert_eq!(decimal_of(&json!(0.1)).unwrap().to_string(), "0.1");
        assert_eq!(decimal_of(&json!(10)).unwrap().to_string(), "10");
        assert_eq!(decimal_of(&json!(1e3)).unwrap(), Decimal::from(1000));
        assert!(decimal_of(&json!("ten")).is_none());
        assert!(decimal_of(&json!(null)).is_none());
        assert!(decimal_of(&json!([1])).is_none());
    }

    #[test]
    fn wrong_shapes_are_errors_not_panics() {
        let args = [json!("not an object")];
        let e = object("chat-timer", &args).err().unwrap();
        assert_eq!(e.event, "chat-timer");
        assert!(e.reason.contains("expected an object"));
        let args = [json!({"duration": [], "cost": {"x": 1}, "id": 7, "flag": "yes"})];
        let o = object("chat-timer", &args).unwrap();
        assert!(o.decimal("duration").is_err());
        assert!(o.decimal("cost").is_err());
        assert!(o.str("missing").is_err());
        assert_eq!(o.id("id").unwrap(), "7");
        assert!(o.bool("flag").is_err());
        assert!(o.opt_u64("id").unwrap() == Some(7));
        assert!(first("x", &[]).is_err());
    }
}
