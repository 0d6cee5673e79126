//! The command line of `parlor conform`.

use super::{default_namespaces, read_token, reference, run, Account, Options, Report};
use parlor_core::DialectId;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `parlor conform`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ConformArgs {
    /// The server's dialect (billing-chat, presence-sessions, tarot-chat, support-chat,
    /// telecaller, or 000…004).
    #[arg(long)]
    pub dialect: DialectId,
    /// The server's Socket.IO URL (e.g. https://chat.example.com).
    #[arg(long, required_unless_present = "reference")]
    pub url: Option<String>,
    /// Its REST base URL, for dialects with REST (default: --url).
    #[arg(long)]
    pub rest_url: Option<String>,
    /// The user's namespace (default `/`; 004: `/user`).
    #[arg(long)]
    pub namespace: Option<String>,
    /// The expert's namespace (default `/`; 004: `/telecaller`).
    #[arg(long)]
    pub expert_namespace: Option<String>,
    /// The user's account id on that server.
    #[arg(long, required_unless_present = "reference")]
    pub user_account: Option<String>,
    /// File holding the user's token (else PARLOR_USER_TOKEN).
    #[arg(long)]
    pub user_token_file: Option<PathBuf>,
    /// The expert's account id (astrologer, reader, support agent, telecaller).
    #[arg(long, required_unless_present = "reference")]
    pub expert_account: Option<String>,
    /// File holding the expert's token (else PARLOR_EXPERT_TOKEN).
    #[arg(long)]
    pub expert_token_file: Option<PathBuf>,
    /// The conversation both accounts may join (003: required; 002: created when absent).
    #[arg(long)]
    pub conversation: Option<String>,
    /// Milliseconds the server has to answer each step.
    #[arg(long, default_value_t = 5000)]
    pub timeout_ms: u64,
    /// Seconds to wait for events that take their time (a billed minute's `chat-timer`, a
    /// `call:missed`) before reporting "no answer".
    #[arg(long, default_value_t = 75)]
    pub wait: u64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Allow plain http/ws to another machine (tokens would cross the network readable).
    #[arg(long)]
    pub allow_plaintext: bool,
    /// Check the bundled reference server of this dialect instead, with its seeded accounts
    /// and fast clocks (it inherits the environment: PARLOR_DRIFT, PARLOR_SEED_ONLY).
    #[arg(long, conflicts_with_all = ["url", "user_account", "expert_account"])]
    pub reference: bool,
}

/// Runs `parlor conform`: prints the report; exit 0 when Parlor can use everything the server
/// sent, 1 when something is unusable or the flow stopped, 2 when the run could not start.
pub async fn main(a: ConformArgs) -> ExitCode {
    let timeout = Duration::from_millis(a.timeout_ms.max(1));
    let wait = Duration::from_secs(a.wait);
    let (server, options) = if a.reference {
        match reference(a.dialect, timeout, wait).await {
            Ok((s, o)) => (Some(s), o),
            Err(e) => return fail(e),
        }
    } else {
        match options(&a, timeout, wait) {
            Ok(o) => (None, o),
            Err(e) => return fail(e),
        }
    };
    let report = match run(&options).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    drop(server);
    print!("{}", report.table());
    if let Some(path) = &a.json {
        if let Err(e) = write_json(&report, path) {
            return fail(e);
        }
    }
    ExitCode::from(report.exit_code)
}

fn options(a: &ConformArgs, timeout: Duration, wait: Duration) -> Result<Options, String> {
    let (user_ns, expert_ns) = default_namespaces(a.dialect);
    let (Some(url), Some(user), Some(expert)) = (&a.url, &a.user_account, &a.expert_account) else {
        return Err("--url, --user-account and --expert-account are required".into());
    };
    Ok(Options {
        dialect: a.dialect,
        url: url.clone(),
        rest_url: a.rest_url.clone(),
        user: Account {
            id: user.clone(),
            token: read_token(a.user_token_file.as_deref(), "PARLOR_USER_TOKEN")?,
            namespace: a.namespace.clone().unwrap_or_else(|| user_ns.into()),
        },
        expert: Account {
            id: expert.clone(),
            token: read_token(a.expert_token_file.as_deref(), "PARLOR_EXPERT_TOKEN")?,
            namespace: a
                .expert_namespace
                .clone()
                .unwrap_or_else(|| expert_ns.into()),
        },
        conversation: a.conversation.clone(),
        timeout,
        wait,
        allow_plaintext: a.allow_plaintext,
    })
}

fn write_json(report: &Report, path: &std::path::Path) -> Result<(), String> {
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("parlor conform: {e}");
    ExitCode::from(2)
}
