//! What each seed document prints, written down beside its dialect: per server event and per
//! command answer, the fields with their documented JSON types, or that the document prints
//! no shape (then a server can only be checked by whether Parlor decodes what it sends).
//! `parlor conform` compares a live server with these; [`check`] does the comparison.
//!
//! Reading rules, the same for every document:
//! - A field a document prints is required unless the document marks it optional (`?` in
//!   TypeScript, "optional" in prose). An optional field may be absent or `null`.
//! - A quoted upper-case placeholder for an amount (`"TOTAL_COST"`) is an [`Ty::Amount`]: a
//!   number or a string holding one. Other quoted placeholders (`"ROOM_ID"`) are strings.
//! - Fields a document does not print are extra: listed, never an error.

pub mod billing_chat;
pub mod presence_sessions;
pub mod support_chat;
pub mod tarot_chat;
pub mod telecaller;

mod check;

pub use check::{check, Difference};

use super::DialectId;

/// A JSON type as a document prints it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// A string.
    Str,
    /// A number.
    Num,
    /// `true` or `false`.
    Bool,
    /// An amount: a number, or a string holding one (the document prints a quoted placeholder).
    Amount,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An object with these fields.
    Object(&'static [Field]),
    /// An object whose fields the document does not print (`{...}`, `{}`).
    AnyObject,
    /// A list of this.
    List(&'static Ty),
    /// This, or `null` (004's "string/null").
    OrNull(&'static Ty),
    /// A type the document names (`Message`), shown by its name.
    Named(&'static str, &'static Ty),
    /// Any JSON value: the document names the field but shows no type.
    Any,
}

/// One field of a documented object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// Its name.
    pub name: &'static str,
    /// Its documented type.
    pub ty: &'static Ty,
    /// May be absent (or `null`).
    pub optional: bool,
}

impl Field {
    /// A field the document prints as always present.
    pub const fn req(name: &'static str, ty: &'static Ty) -> Field {
        Field {
            name,
            ty,
            optional: false,
        }
    }

    /// A field the document marks optional.
    pub const fn opt(name: &'static str, ty: &'static Ty) -> Field {
        Field {
            name,
            ty,
            optional: true,
        }
    }
}

/// A payload (an event's or an answer's), as far as the document prints it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Payload {
    /// The document prints this shape.
    Printed(&'static Ty),
    /// The document names it but prints no shape.
    NotPrinted,
}

/// Who receives an event the document gives as an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The party that sent the command.
    Sender,
    /// The other party.
    Other,
    /// The document does not say: either party.
    Either,
}

/// How the document answers a command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// The socket.io ack carries `{event, data}`, `data` being the named event's payload (003).
    AckEnvelope(&'static str),
    /// A server event.
    Event {
        /// Its name.
        name: &'static str,
        /// Who gets it.
        to: Audience,
    },
    /// The REST response body.
    Body(Payload),
}

/// A server event as the document describes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocEvent {
    /// Its wire name.
    pub name: &'static str,
    /// Its payload.
    pub payload: Payload,
    /// Where the document describes it.
    pub source: &'static str,
}

/// A command (socket event or REST call) as the document describes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DocCommand {
    /// The socket event name, or `METHOD /path` with `:name` for path parameters.
    pub name: &'static str,
    /// How the document answers it; empty when it prints no answer.
    pub answers: &'static [Answer],
    /// Where the document describes it.
    pub source: &'static str,
}

/// Everything one document (or one side of it) says.
#[derive(Debug, Clone, Copy)]
pub struct Document {
    /// The dialect.
    pub dialect: DialectId,
    /// Server events.
    pub events: &'static [DocEvent],
    /// Commands.
    pub commands: &'static [DocCommand],
}

impl Document {
    /// The documented event named `name`.
    pub fn event(&self, name: &str) -> Option<&'static DocEvent> {
        self.events.iter().find(|e| e.name == name)
    }

    /// The documented socket command named `event`.
    pub fn socket_command(&self, event: &str) -> Option<&'static DocCommand> {
        self.commands.iter().find(|c| c.name == event)
    }

    /// The documented REST call matching `method` (upper case) and `path`.
    pub fn rest_command(&self, method: &str, path: &str) -> Option<&'static DocCommand> {
        self.commands.iter().find(|c| {
            c.name
                .split_once(' ')
                .is_some_and(|(m, pattern)| m == method && path_matches(pattern, path))
        })
    }
}

/// The document of `dialect`, for a connection to `namespace` (004 documents the `/user`
/// side; its `/telecaller` side only through the flow diagrams).
pub fn document(dialect: DialectId, namespace: &str) -> Document {
    match dialect {
        DialectId::BillingChat => billing_chat::DOCUMENT,
        DialectId::PresenceSessions => presence_sessions::DOCUMENT,
        DialectId::TarotChat => tarot_chat::DOCUMENT,
        DialectId::SupportChat => support_chat::DOCUMENT,
        DialectId::Telecaller => telecaller::document(namespace),
    }
}

/// `/api/chat/messages/:id/read` matches `/api/chat/messages/m-1/read`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| a == b || (a.starts_with(':') && !b.is_empty()))
}

impl Ty {
    /// A short rendering: `{chatId, messages:Message[]}`, strings unmarked, `?` for optional.
    pub fn render(&self) -> String {
        self.render_at(0)
    }

    fn render_at(&self, depth: usize) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Num => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::Amount => "amount".into(),
            Ty::OneOf(values) => values
                .iter()
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join("|"),
            Ty::Object(fields) if depth > 2 => {
                if fields.is_empty() {
                    "{}".into()
                } else {
                    "{…}".into()
                }
            }
            Ty::Object(fields) => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        let name = format!("{}{}", f.name, if f.optional { "?" } else { "" });
                        match f.ty {
                            Ty::Str => name,
                            t => format!("{name}:{}", t.render_at(depth + 1)),
                        }
                    })
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            Ty::AnyObject => "{…}".into(),
            Ty::List(item) => format!("{}[]", item.render_at(depth + 1)),
            Ty::OrNull(t) => format!("{}|null", t.render_at(depth)),
            Ty::Named(name, _) => (*name).into(),
            Ty::Any => "any".into(),
        }
    }
}

impl Payload {
    /// How the report shows it.
    pub fn render(&self) -> String {
        match self {
            Payload::Printed(ty) => ty.render(),
            Payload::NotPrinted => "(no shape printed)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_paths_match_their_patterns() {
        assert!(path_matches(
            "/api/chat/messages/:id/read",
            "/api/chat/messages/m-1/read"
        ));
        assert!(path_matches("/api/chat/messages", "/api/chat/messages"));
        assert!(!path_matches(
            "/api/chat/messages/:id/read",
            "/api/chat/messages//read"
        ));
        assert!(!path_matches(
            "/api/chat/sessions/:id",
            "/api/chat/sessions"
        ));
        let doc = document(DialectId::TarotChat, "/");
        assert_eq!(
            doc.rest_command("GET", "/api/chat/sessions/abc")
                .map(|c| c.name),
            Some("GET /api/chat/sessions/:id")
        );
        assert_eq!(
            doc.rest_command("GET", "/api/chat/sessions")
                .map(|c| c.name),
            Some("GET /api/chat/sessions")
        );
    }

    #[test]
    fn shapes_render_compactly() {
        assert_eq!(
            support_chat::JOINED_CHAT_DATA.render(),
            "{chatId, messages:Message[]}"
        );
        assert_eq!(
            billing_chat::CHAT_STATUS.render(),
            "{status:'accepted'|'rejected', message, roomId}"
        );
    }

    #[test]
    fn every_command_answer_names_a_documented_event() {
        // An answer may reach the other side, which has its own document in 004.
        for d in DialectId::ALL {
            let sides = [document(d, "/user"), document(d, "/telecaller")];
            for doc in &sides {
                for c in doc.commands {
                    for a in c.answers {
                        let name = match a {
                            Answer::AckEnvelope(n) | Answer::Event { name: n, .. } => n,
                            Answer::Body(_) => continue,
                        };
                        assert!(
                            sides.iter().any(|s| s.event(name).is_some()),
                            "{d}: {} answers with undocumented {name}",
                            c.name
                        );
                    }
                }
            }
        }
    }
}
