//! `parlor conform`: a conformance report for server teams. It runs a scripted flow of one
//! dialect against a server, with two accounts (a user and an expert), and reports per command
//! and per event whether the server answers as its seed document says (the documented shapes
//! in `parlor_core::dialect::documented`), what it sent where it differs, and whether Parlor's
//! decoder still gets what the domain needs from it.

mod billing_chat;
pub mod cli;
mod events;
mod findings;
mod party;
mod presence_sessions;
mod report;
mod run;
mod step;
mod support_chat;
mod tarot_chat;
mod telecaller;

pub use party::{Account, Side};
pub use report::{Report, Row, RowKind, Summary, Verdict};

use crate::servers::{server_file, RefServer};
use parlor_core::{DialectId, ServerProfile};
use party::Party;
use run::Run;
use std::path::Path;
use std::time::Duration;

/// What to check and with whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server's dialect.
    pub dialect: DialectId,
    /// Its Socket.IO URL.
    pub url: String,
    /// Its REST base URL (default: `url`).
    pub rest_url: Option<String>,
    /// The paying user's account.
    pub user: Account,
    /// The expert's account (astrologer, reader, support agent, telecaller).
    pub expert: Account,
    /// The conversation both take part in (002: optional, created over REST when absent;
    /// 003: required, the document has no way to create one).
    pub conversation: Option<String>,
    /// Time the server has to answer each step.
    pub timeout: Duration,
    /// Bound for events that take their time (`chat-timer`, `call:missed`).
    pub wait: Duration,
    /// Allow plain http/ws to another machine.
    pub allow_plaintext: bool,
}

/// The namespace each side uses by default (004 has one per role).
pub fn default_namespaces(d: DialectId) -> (&'static str, &'static str) {
    match d {
        DialectId::Telecaller => ("/user", "/telecaller"),
        _ => ("/", "/"),
    }
}

/// How the report names the two parties.
fn party_names(d: DialectId) -> (&'static str, &'static str) {
    match d {
        DialectId::BillingChat | DialectId::PresenceSessions => ("user", "astrologer"),
        DialectId::TarotChat => ("client", "reader"),
        DialectId::SupportChat => ("client", "agent"),
        DialectId::Telecaller => ("user", "telecaller"),
    }
}

/// A token from `file` (trimmed), else from the environment variable `env`; never from the
/// command line.
pub fn read_token(file: Option<&Path>, env: &str) -> Result<String, String> {
    let token = match file {
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the token file {}: {e}", f.display()))?,
        None => {
            std::env::var(env).map_err(|_| format!("no token: give a token file or set {env}"))?
        }
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(format!(
            "the token ({}) is empty",
            file.map(|f| f.display().to_string())
                .unwrap_or_else(|| env.to_owned())
        ));
    }
    Ok(token)
}

/// Runs the flow of `o.dialect` and returns the report. `Err` only when the run could not
/// start (a bad URL, a party that cannot connect).
pub async fn run(o: &Options) -> Result<Report, String> {
    let mut profile = ServerProfile::new(o.dialect, o.url.clone());
    profile.rest_url = Some(o.rest_url.clone().unwrap_or_else(|| o.url.clone()));
    profile.ack_timeout_ms = u64::try_from(o.timeout.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    profile.allow_plaintext = o.allow_plaintext;
    profile.validate().map_err(|e| e.to_string())?;
    let connect = o.timeout.max(Duration::from_secs(10));
    let (user_name, expert_name) = party_names(o.dialect);
    let user = Party::connect(user_name, &profile, o.user.clone(), connect).await?;
    let expert = Party::connect(expert_name, &profile, o.expert.clone(), connect).await?;
    let mut run = Run::new(user, expert, o.timeout, o.wait);
    let flow = match o.dialect {
        DialectId::BillingChat => billing_chat::flow(&mut run).await,
        DialectId::PresenceSessions => presence_sessions::flow(&mut run).await,
        DialectId::TarotChat => tarot_chat::flow(&mut run, o.conversation.clone()).await,
        DialectId::SupportChat => match &o.conversation {
            Some(chat) => support_chat::flow(&mut run, chat).await,
            None => Err("support-chat needs --conversation (a chat both accounts may join)".into()),
        },
        DialectId::Telecaller => telecaller::flow(&mut run).await,
    };
    for side in [Side::User, Side::Expert] {
        run.party(side).client.disconnect().await;
    }
    Ok(Report::new(o.dialect, &o.url, run.finish(), flow.err()))
}

/// The reference server's seeded accounts the flow of `d` uses: (user, expert, conversation).
pub fn seeded_accounts(d: DialectId) -> (&'static str, &'static str, Option<&'static str>) {
    match d {
        DialectId::BillingChat => ("u-asha", "a-sharma", None),
        DialectId::PresenceSessions => ("user_asha", "astro_sharma", None),
        DialectId::TarotChat => (
            "11111111-1111-4111-8111-111111111111",
            "22222222-2222-4222-8222-222222222222",
            Some("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"),
        ),
        DialectId::SupportChat => ("1", "10", Some("chat-1")),
        DialectId::Telecaller => ("507f1f77bcf86cd799439011", "507f1f77bcf86cd799439031", None),
    }
}

/// A bundled reference server for `d` with fast clocks (unless the environment sets them),
/// and options for its seeded accounts: `parlor conform --reference`. The server inherits the
/// environment, so `PARLOR_DRIFT` or `PARLOR_SEED_ONLY` select its mode.
pub async fn reference(
    d: DialectId,
    timeout: Duration,
    wait: Duration,
) -> Result<(RefServer, Options), String> {
    let mut env: Vec<(&str, &str)> = Vec::new();
    for (key, value) in [
        ("PARLOR_BILLING_MINUTE_MS", "1500"),
        ("PARLOR_CALL_TIMEOUT_MS", "1500"),
    ] {
        if std::env::var_os(key).is_none() {
            env.push((key, value));
        }
    }
    let server = RefServer::start(server_file(d), &env)
        .await
        .map_err(|e| e.to_string())?;
    let (user, expert, conversation) = seeded_accounts(d);
    let (user_ns, expert_ns) = default_namespaces(d);
    let account = |id: &str, token: String, ns: &str| Account {
        id: id.into(),
        token,
        namespace: ns.into(),
    };
    let options = Options {
        dialect: d,
        url: server.url(),
        rest_url: None,
        user: account(
            user,
            server.mint(user).await.map_err(|e| e.to_string())?,
            user_ns,
        ),
        expert: account(
            expert,
            server.mint(expert).await.map_err(|e| e.to_string())?,
            expert_ns,
        ),
        conversation: conversation.map(str::to_owned),
        timeout,
        wait,
        allow_plaintext: false,
    };
    Ok((server, options))
}
