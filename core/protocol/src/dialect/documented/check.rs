//! Comparing a payload with its documented shape: what is missing, what has another type,
//! which values are outside the documented ones, and which fields are extra.

use super::Ty;
use serde::Serialize;
use serde_json::Value;

/// One way a payload differs from its documented shape. Paths name fields with dots and list
/// items with `[]` (`messages[].senderId`); the empty path is the payload itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// A field the document prints as always present is absent.
    Missing {
        /// Where.
        path: String,
        /// Its documented type.
        documented: String,
    },
    /// A value of another JSON type than documented (a number for a string, an object for a
    /// flat id, …).
    TypeDiffers {
        /// Where.
        path: String,
        /// The documented type.
        documented: String,
        /// The type sent.
        got: String,
        /// The value sent, shortened.
        sample: String,
    },
    /// A string outside the values the document lists.
    NotAllowed {
        /// Where.
        path: String,
        /// The documented values.
        documented: String,
        /// The value sent.
        got: String,
    },
    /// A field the document does not print: informational, never a fault.
    Extra {
        /// Where.
        path: String,
    },
}

impl Difference {
    /// True for an extra field (informational only).
    pub fn is_extra(&self) -> bool {
        matches!(self, Difference::Extra { .. })
    }

    /// The field it is about (empty: the payload itself).
    pub fn path(&self) -> &str {
        match self {
            Difference::Missing { path, .. }
            | Difference::TypeDiffers { path, .. }
            | Difference::NotAllowed { path, .. }
            | Difference::Extra { path } => path,
        }
    }

    /// One readable phrase: `senderId "12" (string, documented number)`.
    pub fn describe(&self) -> String {
        let at = |path: &str| {
            if path.is_empty() {
                "the payload".to_owned()
            } else {
                path.to_owned()
            }
        };
        match self {
            Difference::Missing { path, documented } => {
                format!("missing {} ({documented})", at(path))
            }
            Difference::TypeDiffers {
                path,
                documented,
                got,
                sample,
            } => format!("{} {sample} ({got}, documented {documented})", at(path)),
            Difference::NotAllowed {
                path,
                documented,
                got,
            } => format!("{} {got:?} (documented {documented})", at(path)),
            Difference::Extra { path } => format!("extra {}", at(path)),
        }
    }
}

/// How `value` differs from `ty`: empty when it is exactly as documented.
pub fn check(ty: &Ty, value: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(ty, value, "", &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|d| seen.insert((std::mem::discriminant(d), d.path().to_owned())));
    out
}

fn join(path: &str, key: &str) -> String {
    // An empty key is a real (if odd) field name: show it.
    let key = if key.is_empty() { "\"\"" } else { key };
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(ty: &Ty, value: &Value, path: &str, out: &mut Vec<Difference>) {
    let type_differs = |out: &mut Vec<Difference>| {
        out.push(Difference::TypeDiffers {
            path: path.to_owned(),
            documented: ty.render(),
            got: json_type(value).into(),
            sample: sample(value),
        })
    };
    match (ty, value) {
        (Ty::Any, _)
        | (Ty::Str, Value::String(_))
        | (Ty::Num, Value::Number(_))
        | (Ty::Bool, Value::Bool(_))
        | (Ty::Amount, Value::Number(_))
        | (Ty::AnyObject, Value::Object(_))
        | (Ty::OrNull(_), Value::Null) => {}
        (Ty::Amount, Value::String(s)) if is_number(s) => {}
        (Ty::OneOf(values), Value::String(s)) => {
            if !values.contains(&s.as_str()) {
                out.push(Difference::NotAllowed {
                    path: path.to_owned(),
                    documented: ty.render(),
                    got: s.clone(),
                });
            }
        }
        (Ty::OrNull(inner), v) | (Ty::Named(_, inner), v) => walk(inner, v, path, out),
        (Ty::List(item), Value::Array(items)) => {
            let at = format!("{path}[]");
            for v in items {
                walk(item, v, &at, out);
            }
        }
        (Ty::Object(fields), Value::Object(map)) => {
            for f in fields.iter() {
                let at = join(path, f.name);
                match map.get(f.name) {
                    None if f.optional => {}
                    Some(Value::Null) if f.optional => {}
                    None => out.push(Difference::Missing {
                        path: at,
                        documented: f.ty.render(),
                    }),
                    Some(v) => walk(f.ty, v, &at, out),
                }
            }
            for key in map.keys() {
                if !fields.iter().any(|f| f.name == key) {
                    out.push(Difference::Extra {
                        path: join(path, key),
                    });
                }
            }
        }
        _ => type_differs(out),
    }
}

fn is_number(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && t == s && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// The JSON type of `v`, as the report names it.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `v` in at most 40 characters; objects show their keys.
fn sample(v: &Value) -> String {
    let text = match v {
        Value::Object(map) => format!(
            "{{{}}}",
            map.keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    };
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(39).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::{support_chat, Field};
    use super::*;
    use serde_json::json;

    static SHAPE: Ty = Ty::Object(&[
        Field::req("id", &Ty::Str),
        Field::req("userId", &Ty::Num),
        Field::opt("text", &Ty::Str),
        Field::req("cost", &Ty::Amount),
        Field::req("status", &Ty::OneOf(&["ACTIVE", "CLOSED"])),
        Field::req("tags", &Ty::List(&Ty::Str)),
        Field::req(
            "who",
            &Ty::OrNull(&Ty::Object(&[Field::req("_id", &Ty::Str)])),
        ),
    ]);

    #[test]
    fn a_payload_as_documented_has_no_difference() {
        let v =
            json!({"id":"a","userId":1,"cost":"12.50","status":"ACTIVE","tags":["x"],"who":null});
        assert_eq!(check(&SHAPE, &v), vec![]);
        // Optional fields may be absent or null; amounts may be numbers.
        let v = json!({"id":"a","userId":1,"text":null,"cost":12.5,"status":"CLOSED","tags":[],"who":{"_id":"w"}});
        assert_eq!(check(&SHAPE, &v), vec![]);
    }

    #[test]
    fn each_kind_of_difference_is_named_with_its_path() {
        let v = json!({"id":7,"userId":"12","cost":"lots","status":"ON_FIRE","tags":["a",{"b":1}],"who":{"_id":{"$oid":"x"}},"clientMessageId":"c"});
        let d = check(&SHAPE, &v);
        let text: Vec<String> = d.iter().map(Difference::describe).collect();
        assert_eq!(
            text,
            vec![
                "id 7 (number, documented string)",
                "userId \"12\" (string, documented number)",
                "cost \"lots\" (string, documented amount)",
                "status \"ON_FIRE\" (documented 'ACTIVE'|'CLOSED')",
                "tags[] {b} (object, documented string)",
                "who._id {$oid} (object, documented string)",
                "extra clientMessageId",
            ]
        );
        let odd = json!({"id":"a","userId":1,"cost":1,"status":"ACTIVE","tags":[],"who":null,"":0});
        assert_eq!(
            check(&SHAPE, &odd),
            vec![Difference::Extra {
                path: "\"\"".into()
            }]
        );
        let d = check(&SHAPE, &json!({"id":"a"}));
        assert!(d.contains(&Difference::Missing {
            path: "userId".into(),
            documented: "number".into()
        }));
        assert_eq!(
            check(&SHAPE, &json!([])),
            vec![Difference::TypeDiffers {
                path: String::new(),
                documented: SHAPE.render(),
                got: "array".into(),
                sample: "[]".into()
            }]
        );
    }

    #[test]
    fn list_items_report_each_difference_once() {
        let msgs = json!({"chatId":"c","messages":[
            {"id":"1","chatId":"c","senderId":"1","createdAt":"t","extra":1},
            {"id":"2","chatId":"c","senderId":"2","createdAt":"t","extra":2}
        ]});
        let d = check(&support_chat::JOINED_CHAT_DATA, &msgs);
        assert_eq!(
            d.iter().map(Difference::describe).collect::<Vec<_>>(),
            vec![
                "messages[].senderId \"1\" (string, documented number)",
                "extra messages[].extra"
            ]
        );
    }
}
