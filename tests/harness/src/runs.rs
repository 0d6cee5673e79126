//! The longer runs of `parlor`'s subcommands: the reference servers (`servers`), the demo
//! scripts (`demo`) and `demo-user`'s connection options.

use parlor_core::{DialectId, ServerProfile};
use parlor_harness::{demo, demo_user, servers};
use std::path::PathBuf;
use std::process::ExitCode;

/// A failure of a subcommand, printed, with exit code 2.
pub(crate) fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("parlor: {e}");
    ExitCode::from(2)
}

pub(crate) async fn run_servers(only: Option<DialectId>, port: u16) -> ExitCode {
    let dialects: Vec<DialectId> = only
        .map(|d| vec![d])
        .unwrap_or_else(|| DialectId::ALL.to_vec());
    let mut running = Vec::new();
    for (i, d) in dialects.iter().enumerate() {
        let p = if port == 0 {
            0
        } else {
            port.saturating_add(i as u16)
        };
        let file = servers::server_file(*d);
        match servers::RefServer::start_on(file, p, &[]).await {
            Ok(s) => {
                println!("{:<18} {:<26} {}", d.as_str(), file, s.url());
                if let Ok(accounts) = servers::list_accounts(file).await {
                    for a in accounts.as_array().into_iter().flatten() {
                        println!(
                            "    {:<28} {:<12} {}",
                            a.get("id")
                                .map(|v| v.to_string().trim_matches('"').to_owned())
                                .unwrap_or_default(),
                            a.get("role").and_then(|v| v.as_str()).unwrap_or(""),
                            a.get("name").and_then(|v| v.as_str()).unwrap_or("")
                        );
                    }
                }
                running.push(s);
            }
            Err(e) => return fail(e),
        }
    }
    println!("tokens: node tests/servers/<file> --mint <account id>; Ctrl-C stops the servers");
    let _ = tokio::signal::ctrl_c().await;
    for s in running.iter_mut() {
        s.stop().await;
    }
    ExitCode::SUCCESS
}

pub(crate) async fn run_demo(only: Option<DialectId>) -> ExitCode {
    let dialects: Vec<DialectId> = only
        .map(|d| vec![d])
        .unwrap_or_else(|| DialectId::ALL.to_vec());
    let mut failed = Vec::new();
    for d in dialects {
        println!("\n=== {} ({}) ===", d.as_str(), d.seed());
        let t = demo::Transcript::new(d, true);
        if let Err(e) = demo::run(d, &t).await {
            println!("[{}] FAILED: {e}", d.seed());
            failed.push(d.as_str());
        }
    }
    if failed.is_empty() {
        println!("\nall demos completed");
        ExitCode::SUCCESS
    } else {
        println!("\nfailed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

/// `parlor demo-user`'s connection options.
pub(crate) struct DemoUserArgs {
    pub(crate) url: Option<String>,
    pub(crate) dialect: DialectId,
    pub(crate) profile: Option<PathBuf>,
    pub(crate) account: Option<String>,
    pub(crate) expert: Option<String>,
    pub(crate) token_file: Option<PathBuf>,
    pub(crate) billing_minute_ms: Option<u64>,
}

/// The user's profile, token and the expert's id for `parlor demo-user`.
pub(crate) async fn demo_user_profile(
    a: DemoUserArgs,
) -> Result<(ServerProfile, DialectId, String, String), String> {
    let mut profile = match (&a.profile, &a.url) {
        (Some(path), _) => ServerProfile::from_file(path).map_err(|e| e.to_string())?,
        (None, Some(url)) => {
            let mut p = ServerProfile::new(a.dialect, url.clone());
            p.rest_url = Some(url.clone());
            p
        }
        (None, None) => return Err("--url or --profile is required".into()),
    };
    let not_played = || {
        format!(
            "demo-user plays billing-chat (000) or presence-sessions (001), not {}",
            profile.dialect.as_str()
        )
    };
    let dialect = profile.dialect.builtin().ok_or_else(not_played)?;
    let defaults = demo_user::default_accounts(dialect).ok_or_else(not_played)?;
    if profile.account_id.is_none() {
        profile.account_id = Some(a.account.unwrap_or_else(|| defaults.0.into()));
    }
    if let Some(ms) = a.billing_minute_ms {
        profile.billing_minute_ms = ms;
    }
    let account = profile.account_id.clone().unwrap_or_default();
    let token = match (&a.token_file, std::env::var("PARLOR_TOKEN")) {
        (Some(file), _) => std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?
            .trim()
            .to_owned(),
        (None, Ok(t)) if !t.trim().is_empty() => t.trim().to_owned(),
        _ if a.profile.is_some() => parlor_core::TokenSource::token(&*profile.token.source())
            .await
            .map_err(|e| e.to_string())?,
        _ => servers::mint(servers::server_file(dialect), &account)
            .await
            .map_err(|e| e.to_string())?,
    };
    Ok((
        profile,
        dialect,
        token,
        a.expert.unwrap_or_else(|| defaults.1.into()),
    ))
}
