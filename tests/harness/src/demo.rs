//! `parlor demo`: one scripted session per dialect against the reference servers, between
//! seeded accounts, printed as a readable transcript. Every step waits for the event that
//! proves it happened; the run fails on the first step that does not.

use crate::script::{Actor, StepError};
use crate::servers::{server_file, RefServer};
use parlor_core::calls::MediaEvent;
use parlor_core::messaging::{ChatMessage, DeliveryState, Messenger, MessengerConfig};
use parlor_core::model::{CallMedia, ConsultationKind, Presence, RequestOutcome};
use parlor_core::store::Store;
use parlor_core::{Command, DialectId, DomainEvent, ServerProfile};
use rust_decimal::Decimal;
use std::sync::Mutex;

mod billing_chat;
mod presence_sessions;
mod support_chat;
mod tarot_chat;
mod telecaller;

use billing_chat::billing_chat;
use presence_sessions::presence_sessions;
use support_chat::support_chat;
use tarot_chat::tarot_chat;
use telecaller::telecaller;

/// Collects (and optionally prints) the transcript of a run.
pub struct Transcript {
    tag: &'static str,
    print: bool,
    lines: Mutex<Vec<String>>,
}

impl Transcript {
    /// A transcript for dialect `d`, printed as it goes when `print`.
    pub fn new(d: DialectId, print: bool) -> Self {
        Transcript {
            tag: d.seed(),
            print,
            lines: Mutex::new(Vec::new()),
        }
    }

    /// Adds a line: who did or saw what.
    pub fn say(&self, who: &str, what: impl AsRef<str>) {
        let line = format!("[{}] {:<16} {}", self.tag, who, what.as_ref());
        if self.print {
            println!("{line}");
        }
        self.lines.lock().expect("transcript").push(line);
    }

    /// Everything said so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("transcript").clone()
    }
}

fn setup<E: std::fmt::Display>(e: E) -> StepError {
    StepError::Setup(e.to_string())
}

fn client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs the demo of one dialect against a fresh reference server.
pub async fn run(d: DialectId, t: &Transcript) -> Result<(), StepError> {
    match d {
        DialectId::BillingChat => billing_chat(t).await,
        DialectId::PresenceSessions => presence_sessions(t).await,
        DialectId::TarotChat => tarot_chat(t).await,
        DialectId::SupportChat => support_chat(t).await,
        DialectId::Telecaller => telecaller(t).await,
    }
}

async fn start(d: DialectId, env: &[(&str, &str)], t: &Transcript) -> Result<RefServer, StepError> {
    let server = RefServer::start(server_file(d), env).await.map_err(setup)?;
    t.say(
        "server",
        format!("{} listening on {}", server.file(), server.url()),
    );
    Ok(server)
}

async fn actor(
    server: &RefServer,
    d: DialectId,
    name: &str,
    account: &str,
    namespace: &str,
    t: &Transcript,
) -> Result<Actor, StepError> {
    actor_with_minute(server, d, name, account, namespace, 60_000, t).await
}

async fn actor_with_minute(
    server: &RefServer,
    d: DialectId,
    name: &str,
    account: &str,
    namespace: &str,
    minute_ms: u64,
    t: &Transcript,
) -> Result<Actor, StepError> {
    let token = server.mint(account).await.map_err(setup)?;
    let mut profile = ServerProfile::new(d, server.url());
    profile.namespace = namespace.into();
    profile.rest_url = Some(server.url());
    profile.account_id = Some(account.into());
    profile.billing_minute_ms = minute_ms;
    let a = Actor::connect_profile(name, profile, token).await?;
    t.say(
        name,
        format!(
            "connected ({account}{})",
            if namespace == "/" {
                String::new()
            } else {
                format!(", {namespace}")
            }
        ),
    );
    Ok(a)
}

/// A Messenger on a fresh scratch cache for `a`.
fn messenger(a: &Actor, tag: &str) -> Result<std::sync::Arc<Messenger>, StepError> {
    let dir = std::env::temp_dir().join(format!(
        "parlor-demo-{tag}-{}-{}",
        std::process::id(),
        client_id()
    ));
    let store = Store::open(&dir.join("cache.sqlite3")).map_err(setup)?;
    Ok(Messenger::attach(
        &a.client,
        store,
        MessengerConfig::default(),
    ))
}

/// The cached message with `text` in `state`, if `e` announces it.
fn cached(e: &DomainEvent, text: &str, state: DeliveryState) -> Option<ChatMessage> {
    match e {
        DomainEvent::ChatMessageChanged { message }
            if message.text.as_deref() == Some(text) && message.state == state =>
        {
            Some(message.clone())
        }
        _ => None,
    }
}
