//! Fields a server keeps somewhere other than where its document puts them: the profile's
//! `[fields.<event>]` tables (the document's path → this server's, dotted: `"message.text" =
//! "message.body"`). Received payloads are moved into the document's places before the dialect
//! reads them; sent payloads are moved into the server's places after the dialect writes them.
//! A path the payload does not have is left alone: a moved field that is absent stays absent.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// A dotted path into a JSON object, as its keys.
type Path = Vec<String>;

/// The field moves of one profile, by the document's event name.
#[derive(Debug, Default)]
pub struct FieldMoves {
    /// (document's path, server's path) pairs per event.
    by_event: HashMap<String, Vec<(Path, Path)>>,
}

/// Why a `[fields]` table cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fields.{event}: {reason}")]
pub struct FieldTableError {
    /// The event whose table is wrong.
    pub event: String,
    /// What is wrong with it.
    pub reason: String,
}

fn parse(event: &str, raw: &str) -> Result<Path, FieldTableError> {
    let path: Path = raw.split('.').map(str::to_owned).collect();
    if path.iter().any(|k| k.trim().is_empty()) {
        return Err(FieldTableError {
            event: event.into(),
            reason: format!("{raw:?} is not a dotted path of field names"),
        });
    }
    Ok(path)
}

impl FieldMoves {
    /// The moves of a profile's `[fields]` tables, checked: every path is a dotted list of
    /// names, and no two fields of one event move to the same place.
    pub fn new(
        tables: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<FieldMoves, FieldTableError> {
        let mut by_event = HashMap::new();
        for (event, table) in tables {
            let mut moves = Vec::new();
            let mut targets = std::collections::BTreeSet::new();
            for (document, server) in table {
                let pair = (parse(event, document)?, parse(event, server)?);
                if !targets.insert(pair.1.clone()) {
                    return Err(FieldTableError {
                        event: event.clone(),
                        reason: format!("two fields are moved to {server:?}"),
                    });
                }
                moves.push(pair);
            }
            if !moves.is_empty() {
                by_event.insert(event.clone(), moves);
            }
        }
        Ok(FieldMoves { by_event })
    }

    /// Whether `event` (the document's name) has fields moved.
    pub fn moves(&self, event: &str) -> bool {
        self.by_event.contains_key(event)
    }

    /// `payload` of `event` as the server sent it, with its fields in the document's places.
    pub fn to_document(&self, event: &str, payload: &mut Value) {
        for (document, server) in self.by_event.get(event).into_iter().flatten() {
            relocate(payload, server, document);
        }
    }

    /// `payload` of `event` as the dialect wrote it, with its fields in the server's places.
    pub fn to_server(&self, event: &str, payload: &mut Value) {
        for (document, server) in self.by_event.get(event).into_iter().flatten() {
            relocate(payload, document, server);
        }
    }
}

/// Moves the value at `from` to `to`, making the objects on the way. Nothing happens when
/// `from` is absent, and the value stays at `from` when the way to `to` crosses a value that
/// is not an object: a move never loses a field.
fn relocate(payload: &mut Value, from: &[String], to: &[String]) {
    let Some(value) = take(payload, from) else {
        return;
    };
    if let Err(value) = put(payload, to, value) {
        // `from`'s parents are objects (the value was just taken from there): it goes back.
        let _ = put(payload, from, value);
    }
}

/// Puts `value` at `path`, making missing objects; gives it back when a value on the way is
/// not an object.
fn put(payload: &mut Value, path: &[String], value: Value) -> Result<(), Value> {
    let Some((last, parents)) = path.split_last() else {
        return Err(value);
    };
    if !reachable(payload, parents) {
        return Err(value);
    }
    let mut here = payload;
    for key in parents {
        let Value::Object(map) = here else {
            return Err(value);
        };
        here = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    match here {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        _ => Err(value),
    }
}

/// Whether every value along `parents` is an object or absent (then it is made).
fn reachable(payload: &Value, parents: &[String]) -> bool {
    let mut here = payload;
    for key in parents {
        let Value::Object(map) = here else {
            return false;
        };
        match map.get(key) {
            Some(next) => here = next,
            None => return true,
        }
    }
    here.is_object()
}

fn take(payload: &mut Value, path: &[String]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut here = payload;
    for key in parents {
        here = here.as_object_mut()?.get_mut(key)?;
    }
    here.as_object_mut()?.remove(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn moves() -> FieldMoves {
        FieldMoves::new(&BTreeMap::from([(
            "newMessage".to_owned(),
            BTreeMap::from([
                ("content".to_owned(), "body.text".to_owned()),
                ("sender.id".to_owned(), "from".to_owned()),
            ]),
        )]))
        .unwrap()
    }

    #[test]
    fn fields_move_both_ways_and_back_to_the_same_payload() {
        let m = moves();
        let server = json!({"id": "s1", "body": {"text": "hi"}, "from": "u2", "extra": 1});
        let mut payload = server.clone();
        m.to_document("newMessage", &mut payload);
        assert_eq!(
            payload,
            json!({"id": "s1", "body": {}, "content": "hi", "sender": {"id": "u2"}, "extra": 1})
        );
        m.to_server("newMessage", &mut payload);
        assert_eq!(payload["body"]["text"], "hi");
        assert_eq!(payload["from"], "u2");
        // Another event is untouched.
        let mut other = server.clone();
        m.to_document("messageSent", &mut other);
        assert_eq!(other, server);
    }

    #[test]
    fn absent_fields_and_payloads_that_are_not_objects_are_left_alone() {
        let m = moves();
        for original in [
            json!({"id": "s1"}),
            json!("text"),
            json!([1, 2]),
            json!(null),
        ] {
            let mut payload = original.clone();
            m.to_document("newMessage", &mut payload);
            assert_eq!(payload, original);
        }
        // The way to the document's place crosses a string: that field stays where the
        // server put it, the others move.
        let mut blocked = json!({"body": {"text": "hi"}, "sender": "u2", "from": "u3"});
        m.to_document("newMessage", &mut blocked);
        assert_eq!(blocked["content"], "hi");
        assert_eq!(blocked["sender"], "u2");
        assert_eq!(blocked["from"], "u3");
    }

    #[test]
    fn bad_tables_are_refused_with_the_event_named() {
        let table = |d: &str, s: &str| {
            BTreeMap::from([(
                "sendMessage".to_owned(),
                BTreeMap::from([(d.to_owned(), s.to_owned())]),
            )])
        };
        for (d, s) in [("a..b", "c"), ("a", ""), ("", "b"), ("a", "b. ")] {
            let e = FieldMoves::new(&table(d, s)).unwrap_err();
            assert_eq!(e.event, "sendMessage");
        }
        let twice = BTreeMap::from([(
            "e".to_owned(),
            BTreeMap::from([
                ("a".to_owned(), "x".to_owned()),
                ("b".to_owned(), "x".to_owned()),
            ]),
        )]);
        assert!(FieldMoves::new(&twice)
            .unwrap_err()
            .reason
            .contains("two fields"));
    }
}
