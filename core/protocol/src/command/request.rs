//! Either kind of command, as JSON carries them.

use super::{Command, LocalCommand};
use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A [`Command`] for the server or a [`LocalCommand`] for the client, as `parlor connect`
/// reads a line and the bindings' `send_command_json` take one: both are tagged by `cmd`,
/// and no tag is in both.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Request {
    /// For the server.
    Server(Command),
    /// For the client itself.
    Local(LocalCommand),
}

impl Request {
    /// The command's tag, for errors and logs.
    pub fn name(&self) -> String {
        match self {
            Request::Server(c) => c.name(),
            Request::Local(c) => c.name(),
        }
    }
}

impl From<Command> for Request {
    fn from(c: Command) -> Self {
        Request::Server(c)
    }
}

impl From<LocalCommand> for Request {
    fn from(c: LocalCommand) -> Self {
        Request::Local(c)
    }
}

impl<'de> Deserialize<'de> for Request {
    /// The tag decides: a local command's tag reads as a `LocalCommand` (with its own errors
    /// for its fields), any other as a `Command`, whose errors then name what is wrong.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        match LocalCommand::deserialize(&value) {
            Ok(local) => Ok(Request::Local(local)),
            Err(e) if !is_unknown_tag(&e) => Err(D::Error::custom(e)),
            Err(_) => Command::deserialize(&value)
                .map(Request::Server)
                .map_err(D::Error::custom),
        }
    }
}

/// Whether serde refused the `cmd` tag itself (as opposed to the fields of a known one).
fn is_unknown_tag(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("unknown variant")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_tag_reads_as_its_own_kind() {
        let r: Request = serde_json::from_value(json!({"cmd": "list_consultations"})).unwrap();
        assert_eq!(r, Request::Local(LocalCommand::ListConsultations));
        let r: Request =
            serde_json::from_value(json!({"cmd": "set_presence", "online": true})).unwrap();
        assert_eq!(r, Request::Server(Command::SetPresence { online: true }));
        // Written back the way it was read.
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"cmd": "set_presence", "online": true})
        );
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let e = serde_json::from_value::<Request>(json!({"cmd": "load_messages"})).unwrap_err();
        assert!(e.to_string().contains("conversation_id"), "{e}");
        let e = serde_json::from_value::<Request>(json!({"cmd": "set_presence"})).unwrap_err();
        assert!(e.to_string().contains("online"), "{e}");
        let e = serde_json::from_value::<Request>(json!({"cmd": "fly"})).unwrap_err();
        assert!(e.to_string().contains("unknown variant `fly`"), "{e}");
        let e = serde_json::from_value::<Request>(json!({"online": true})).unwrap_err();
        assert!(e.to_string().contains("cmd"), "{e}");
    }

    /// The two enums share one namespace of tags: a tag in both would make one unreachable.
    #[test]
    fn no_tag_is_both_local_and_for_the_server() {
        fn tags(schema: &Value, found: &mut Vec<String>) {
            match schema {
                Value::Object(o) => {
                    let cmd = o.get("properties").and_then(|p| p.get("cmd"));
                    if let Some(tag) = cmd.and_then(|c| {
                        c.get("const")
                            .or_else(|| c.get("enum").and_then(|e| e.get(0)))
                            .and_then(Value::as_str)
                    }) {
                        found.push(tag.to_owned());
                    }
                    o.values().for_each(|v| tags(v, found));
                }
                Value::Array(a) => a.iter().for_each(|v| tags(v, found)),
                _ => {}
            }
        }
        let of = |schema: schemars::Schema| {
            let mut found = Vec::new();
            tags(&serde_json::to_value(schema).unwrap(), &mut found);
            found
        };
        let local = of(schemars::schema_for!(LocalCommand));
        let server = of(schemars::schema_for!(Command));
        assert!(
            local.len() > 20 && server.len() > 30,
            "{local:?} {server:?}"
        );
        for t in &local {
            assert!(!server.contains(t), "{t} is both");
        }
    }
}
