//! `parlor`: the headless driver of Parlor's core. See `parlor --help`.

use clap::{Parser, Subcommand};
use parlor_core::calls::LoopbackEngine;
use parlor_core::messaging::MessengerConfig;
use parlor_core::store::cache_path;
use parlor_core::{DialectId, FileToken, ServerProfile, Session, TokenSpec};
use parlor_harness::{bench, connect, demo, demo_user, load, schema};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

mod benches;
mod cli;
mod runs;

use cli::{Cli, Cmd};
use runs::{demo_user_profile, fail, run_demo, run_servers, DemoUserArgs};

// `parlor load` runs thousands of clients in one process: each presence broadcast is parsed
// into thousands of small JSON trees at once, and glibc's malloc spent most of the generator's
// time in its arena locks (perf: 43% of the generator's samples in malloc/free). mimalloc's
// thread-local heaps remove that contention. `--features system-alloc` keeps glibc's malloc,
// for heap profilers that intercept it (heaptrack, valgrind's massif).
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Logs as `PARLOR_LOG` says, on stderr, and keeps the bench's step clock listening.
fn init_tracing() {
    use tracing_log::AsLog;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;
    let logs = tracing_subscriber::EnvFilter::from_env("PARLOR_LOG");
    // Records of libraries that log through the `log` crate (the websocket's trace lines, one
    // per frame) are bridged only as far as `PARLOR_LOG` asks. `init()` would take the
    // subscriber's own level, which the step clock's TRACE raises: every such line would then
    // become a record the layers only drop.
    let bridged = logs
        .max_level_hint()
        .unwrap_or(tracing::level_filters::LevelFilter::TRACE)
        .as_log();
    let _ = tracing_log::LogTracer::builder()
        .with_max_level(bridged)
        .init();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(logs),
        )
        // Times a chat send's steps while `parlor bench` asks (idle otherwise).
        .with(parlor_harness::bench_steps::layer());
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match cli.command {
        Cmd::Servers { dialect, port } => run_servers(dialect, port).await,
        Cmd::Connect {
            url,
            dialect,
            namespace,
            rest_url,
            account_id,
            token_file,
            profile,
            linger_ms,
            data_dir,
            billing_minute_ms,
            confirm_timeout_secs,
            max_line_bytes,
        } => {
            let profile = match profile {
                Some(path) => match ServerProfile::from_file(&path) {
                    Ok(p) => p,
                    Err(e) => return fail(e),
                },
                None => {
                    let (Some(url), Some(dialect)) = (url, dialect) else {
                        return fail("--url and --dialect are required without --profile");
                    };
                    let mut p = ServerProfile::new(dialect, url.clone());
                    p.namespace = namespace;
                    p.rest_url = Some(rest_url.unwrap_or(url));
                    p.account_id = account_id;
                    p.token = match token_file {
                        Some(file) => TokenSpec::File { file },
                        None => TokenSpec::Env {
                            env: "PARLOR_TOKEN".into(),
                        },
                    };
                    p
                }
            };
            if let TokenSpec::File { file } = &profile.token {
                // Fail early with a clear message rather than retrying a missing file.
                if let Err(e) = parlor_core::TokenSource::token(&FileToken(file.clone())).await {
                    return fail(e);
                }
            }
            let mut profile = profile;
            if let Some(ms) = billing_minute_ms {
                profile.billing_minute_ms = ms;
            }
            // Voice notes (002): the outbox and the download cache live next to the database
            // (without --data-dir: a temporary folder, so unsent notes do not survive).
            let voice_dir_is_temp = data_dir.is_none();
            let voice_dir = match &data_dir {
                Some(dir) => cache_path(
                    dir,
                    &profile,
                    profile.account_id.as_deref().unwrap_or("default"),
                )
                .with_extension("voice"),
                None => std::env::temp_dir().join(format!("parlor-voice-{}", std::process::id())),
            };
            let tokens = profile.token.source();
            let with_cache = data_dir.is_some();
            // The harness moves no real media: calls run on the loopback engine. Without a
            // cache of its own, the call history goes where PARLOR_DATA_DIR says (if it does).
            let mut builder = Session::builder(profile.clone(), tokens)
                .media_engine(Arc::new(LoopbackEngine::new()))
                .messenger_config(MessengerConfig {
                    confirm_timeout: Duration::from_secs(confirm_timeout_secs.max(1)),
                    ..MessengerConfig::default()
                })
                .voice_dir(voice_dir.clone())
                .subscribe_early();
            match data_dir {
                Some(dir) => builder = builder.data_dir(dir),
                None => {
                    if let Some(history) = parlor_harness::calls::cache_for(&profile) {
                        builder = builder.calls_store(history);
                    }
                }
            }
            let session = match builder.build() {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let client = session.client.clone();
            let early_events = match session.early_events {
                Some(events) => events,
                None => client.subscribe(),
            };
            let _services = (
                session.calls,
                session.consultations,
                session.directory,
                session.presence,
                session.messenger,
                session.voice,
            );
            let options = connect::SessionOptions {
                linger: Duration::from_millis(linger_ms),
                ordered_sends: with_cache,
                max_line_bytes: max_line_bytes.max(1),
            };
            let result = connect::run_subscribed(client, early_events, options).await;
            if voice_dir_is_temp {
                let _ = std::fs::remove_dir_all(&voice_dir);
            }
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Cmd::Conform(args) => parlor_harness::conform::cli::main(args).await,
        Cmd::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&schema::document()).expect("schema serializes")
            );
            ExitCode::SUCCESS
        }
        Cmd::Demo { dialect } => run_demo(dialect).await,
        Cmd::DemoUser {
            url,
            dialect,
            profile,
            account,
            expert,
            token_file,
            billing_minute_ms,
            pace_ms,
            reply_wait_secs,
            patience_secs,
        } => {
            let args = DemoUserArgs {
                url,
                dialect,
                profile,
                account,
                expert,
                token_file,
                billing_minute_ms,
            };
            let (profile, dialect, token, expert) = match demo_user_profile(args).await {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let mut plan = demo_user::Plan::new(expert);
            plan.pace = Duration::from_millis(pace_ms);
            plan.reply_wait = Duration::from_secs(reply_wait_secs);
            plan.online_timeout = Duration::from_secs(patience_secs);
            plan.answer_timeout = Duration::from_secs(patience_secs);
            plan.meter_timeout = Duration::from_millis(profile.billing_minute_ms)
                .saturating_mul(2)
                .max(Duration::from_secs(30));
            let t = demo::Transcript::new(dialect, true);
            let name = profile.account_id.clone().unwrap_or_else(|| "user".into());
            let mut user =
                match parlor_harness::script::Actor::connect_profile(&name, profile, token).await {
                    Ok(u) => u,
                    Err(e) => return fail(e),
                };
            t.say(&name, "connected");
            match demo_user::run(&mut user, &plan, &t).await {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Cmd::BenchIdle {
            url,
            clients,
            total,
        } => match bench::idle_in_this_process(&url, bench::IdleSizes { clients, total }).await {
            Ok(figures) => {
                println!("{}", serde_json::json!(figures));
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Cmd::Load {
            scenario,
            users,
            experts,
            ramp,
            duration,
            messages,
            message_gap,
            think,
            url,
            shard,
            shards,
            out,
        } => {
            let shard = match (shard, shards) {
                (Some(s), _) => s,
                (None, Some(n)) => {
                    let index = std::env::var("JOB_COMPLETION_INDEX").ok();
                    match load::Shard::from_job_index(n, index.as_deref()) {
                        Ok(s) => s,
                        Err(e) => return fail(e),
                    }
                }
                (None, None) => load::Shard::WHOLE,
            };
            let mut s = match scenario {
                Some(path) => match load::scenario_from_file(&path) {
                    Ok(s) => s,
                    Err(e) => return fail(e),
                },
                None => load::Scenario::default(),
            };
            if let Some(u) = users {
                s.users = u;
            }
            if let Some(e) = experts {
                s.experts = e;
            }
            if let Some(r) = ramp {
                s.ramp_secs = r;
            }
            if let Some(d) = duration {
                s.duration_secs = d;
            }
            if let Some(m) = messages {
                s.messages_per_session = m;
            }
            if let Some(g) = message_gap {
                s.message_gap_ms = g;
            }
            if let Some(t) = think {
                s.think_ms = t;
            }
            // No experts is a capacity test: users connect, find nobody online, and hold.
            if s.users == 0 {
                return fail("a scenario needs at least one user");
            }
            match load::run(s, shard, url, &out).await {
                Ok(report) => {
                    print!("{}", load::table(&report));
                    println!(
                        "wrote {} and {}",
                        out.join("load-report.json").display(),
                        out.join("load-latency.svg").display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Cmd::LoadMerge { reports, out } => {
            let read: Result<Vec<_>, _> = reports
                .iter()
                .map(|p| {
                    let file = if p.is_dir() {
                        p.join("load-report.json")
                    } else {
                        p.clone()
                    };
                    load::read(&file)
                })
                .collect();
            match read.and_then(|r| load::merge(&r)).and_then(|merged| {
                load::write(&merged, &out)?;
                Ok(merged)
            }) {
                Ok(merged) => {
                    print!("{}", load::table(&merged));
                    println!(
                        "wrote {} and {}",
                        out.join("load-report.json").display(),
                        out.join("load-latency.svg").display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Cmd::BenchVoice {
            seconds,
            runs,
            json,
        } => benches::voice(seconds, runs, json).await,
        Cmd::BenchResilience {
            events_per_sec,
            seconds,
            line_mb,
            json,
        } => benches::resilience(events_per_sec, seconds, line_mb, json).await,
        Cmd::BenchCache {
            messages,
            batch,
            dir,
            json,
        } => benches::cache(messages, batch, dir, json).await,
        Cmd::Bench {
            rtt,
            oneway,
            rounds,
            idle_clients,
            idle_total,
            chat_samples,
            json,
            cache_messages,
            voice_seconds,
        } => {
            benches::all(benches::All {
                rtt,
                oneway,
                rounds,
                idle: bench::IdleSizes {
                    clients: usize::try_from(idle_clients).unwrap_or(usize::MAX),
                    total: idle_total,
                },
                chat_samples,
                cache_messages,
                voice_seconds,
                json,
            })
            .await
        }
    }
}
