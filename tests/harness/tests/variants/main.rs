//! Servers that differ from the five a little, supported without touching Parlor's code:
//! - by a profile file alone (`files.rs`): every file of `tests/harness/variants/` names a
//!   reference server started to differ (events renamed, fields moved, REST paths moved) and
//!   the profile an app team would ship for it; each is driven through a chat, and without
//!   its tables the same server is not understood. A new variant is one new file there;
//! - through an app team's own dialect (`custom.rs`): `Session::builder(..).register_dialect(..)`
//!   under the name its profile gives, or `.dialect(..)`: the example
//!   `core/examples/custom_dialect/` (a protocol none of the five speak), and a team's wrapper
//!   around a built-in dialect.

#[path = "../../../../core/examples/custom_dialect/echo_chat.rs"]
mod echo_chat;

use parlor_core::dialect::{dialect_for, Dialect, DialectContext, DialectName};
use parlor_core::{Command, DialectId, DomainEvent, Error, ServerProfile, Session, StaticToken};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer, PROBE};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod custom;
mod files;

/// A variant file: the reference server to start, who chats on it, and the profile to ship.
struct Variant {
    /// The file's name without `.toml`.
    name: String,
    dialect: DialectId,
    env: Vec<(String, String)>,
    accounts: Vec<String>,
    conversation: String,
    profile: toml::Table,
}

/// `tests/harness/variants/`.
fn variants_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("variants")
}

impl Variant {
    fn load(path: &Path) -> Variant {
        let text = std::fs::read_to_string(path).unwrap();
        let mut file: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let server = file.remove("server").and_then(|s| s.as_table().cloned());
        let server = server.unwrap_or_else(|| panic!("{}: no [server]", path.display()));
        let text_of = |key: &str| {
            server
                .get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("{}: server.{key}", path.display()))
                .to_owned()
        };
        let env = server
            .get("env")
            .and_then(toml::Value::as_table)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let accounts = server
            .get("accounts")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let profile = file.remove("profile").and_then(|p| p.as_table().cloned());
        Variant {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            dialect: text_of("seed").parse().unwrap(),
            env,
            accounts,
            conversation: text_of("conversation"),
            profile: profile.unwrap_or_else(|| panic!("{}: no [profile]", path.display())),
        }
    }

    /// The file `name`.toml.
    fn named(name: &str) -> Variant {
        Variant::load(&variants_dir().join(format!("{name}.toml")))
    }

    /// The reference server of its seed, started to differ the way the file says.
    async fn server(&self) -> RefServer {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        RefServer::start(server_file(self.dialect), &env)
            .await
            .unwrap()
    }

    /// The shipped profile for `account` on the server at `url`, as `ServerProfile` reads a
    /// file; `keep` picks the tables kept (all of them: `|_| true`).
    fn profile(&self, url: &str, account: &str, keep: impl Fn(&str) -> bool) -> ServerProfile {
        let mut table: toml::Table = self
            .profile
            .iter()
            .filter(|(k, v)| !v.is_table() || keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for key in ["socket_url", "rest_url"] {
            table.insert(key.into(), url.into());
        }
        table.insert("account_id".into(), account.into());
        ServerProfile::from_toml(&toml::to_string(&table).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }
}

fn send(text: &str) -> Command {
    Command::SendMessage {
        conversation_id: "chat-1".into(),
        client_id: format!("c-{text}"),
        text: Some(text.into()),
        reply_to: None,
        file_id: None,
    }
}

/// `actor` joins the seeded chat.
async fn join(actor: &mut Actor) -> Result<Vec<DomainEvent>, parlor_harness::script::StepError> {
    actor
        .send(
            "join",
            Command::JoinConversation {
                conversation_id: "chat-1".into(),
            },
        )
        .await
}
