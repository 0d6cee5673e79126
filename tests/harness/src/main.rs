//! `parlor`: the headless driver of Parlor's core. See `parlor --help`.

use clap::{Parser, Subcommand};
use parlor_core::calls::LoopbackEngine;
use parlor_core::messaging::MessengerConfig;
use parlor_core::store::cache_path;
use parlor_core::{DialectId, FileToken, ServerProfile, Session, TokenSpec};
use parlor_harness::{
    bench, bench_cache, bench_resilience, bench_summary, bench_voice, connect, demo, demo_user,
    load, schema, servers,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

// `parlor load` runs thousands of clients in one process: each presence broadcast is parsed
// into thousands of small JSON trees at once, and glibc's malloc spent most of the generator's
// time in its arena locks (perf: 43% of the generator's samples in malloc/free). mimalloc's
// thread-local heaps remove that contention.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Drive Parlor's core from the command line: start the reference servers, script a client
/// with JSON lines, print the command/event schema, run the demo, measure the transport.
#[derive(Parser)]
#[command(name = "parlor", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start reference servers (all five, or one) and keep them running until Ctrl-C.
    /// Prints each server's URL and its seeded demo accounts.
    Servers {
        /// Only this dialect (billing-chat, presence-sessions, tarot-chat, support-chat,
        /// telecaller, or 000…004).
        #[arg(long)]
        dialect: Option<DialectId>,
        /// Port for the first server; the others take the following ports (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Connect one client and drive it with JSON lines: commands on stdin, replies and
    /// events on stdout. The token comes from PARLOR_TOKEN or --token-file, never from the
    /// command line. Example line: {"id":1,"cmd":"join_conversation","conversation_id":"chat-1"}
    Connect {
        /// Socket.IO server URL (e.g. http://127.0.0.1:5000).
        #[arg(long, required_unless_present = "profile")]
        url: Option<String>,
        /// The server's dialect.
        #[arg(long, required_unless_present = "profile")]
        dialect: Option<DialectId>,
        /// Namespace (004: /user or /telecaller).
        #[arg(long, default_value = "/")]
        namespace: String,
        /// REST base URL, for dialects with REST (defaults to --url).
        #[arg(long)]
        rest_url: Option<String>,
        /// This account's server id (000 repeats it in chat-request).
        #[arg(long)]
        account_id: Option<String>,
        /// Read the token from this file (re-read on every reconnect).
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Load everything from a TOML server profile instead.
        #[arg(long, conflicts_with_all = ["url", "dialect"])]
        profile: Option<PathBuf>,
        /// After stdin ends, keep printing events this long (ms) before exiting.
        #[arg(long, default_value_t = 500)]
        linger_ms: u64,
        /// Keep the local cache under this folder (one database per server identity — host
        /// without port, dialect — and account; one process per folder, a second one is
        /// refused):
        /// the Messenger's offline message cache and outbox (sends are queued and survive a
        /// restart; `load_messages` / `search_messages` / `retry_message` / `discard_message`
        /// work; typing is throttled), consultations and their bills, call history.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Length of a billed minute in ms (only test servers shorten it).
        #[arg(long)]
        billing_minute_ms: Option<u64>,
        /// With --data-dir: seconds a sent message waits for the server's ack or echo.
        #[arg(long, default_value_t = 10)]
        confirm_timeout_secs: u64,
        /// The longest stdin line accepted, in bytes; a longer one is skipped without being
        /// held and answered with `invalid_input`.
        #[arg(long, default_value_t = connect::DEFAULT_MAX_LINE_BYTES)]
        max_line_bytes: usize,
    },
    /// Print the JSON Schema of every command, event and reply of `parlor connect`.
    Schema,
    /// Check a server against its seed document: run a scripted flow of one dialect with a
    /// user and an expert account, and print per command and event whether the server answers
    /// as the document says, what it sent where it differs, and whether Parlor copes. Tokens
    /// come from token files or PARLOR_USER_TOKEN / PARLOR_EXPERT_TOKEN. Exit 0 when Parlor can
    /// use everything, 1 when something is unusable (or the flow stopped), 2 on setup errors.
    Conform(parlor_harness::conform::cli::ConformArgs),
    /// Start the reference servers and run one scripted session per dialect, printing a
    /// transcript. Exits 0 only if every step happened.
    Demo {
        /// Only this dialect.
        #[arg(long)]
        dialect: Option<DialectId>,
    },
    /// The desktop demo's scripted user, against a running reference server (000 or 001):
    /// waits for the expert to come online, asks for a text chat, waits for the accept, chats
    /// at a human pace (where the dialect has messages), waits for the meter, ends, prints the
    /// bill. The token comes from --token-file, PARLOR_TOKEN, or is minted by the server's
    /// script (`--mint`, same secret).
    DemoUser {
        /// Socket.IO server URL (e.g. http://127.0.0.1:5000).
        #[arg(long, required_unless_present = "profile")]
        url: Option<String>,
        /// The server's dialect (billing-chat or presence-sessions).
        #[arg(long, default_value = "billing-chat")]
        dialect: DialectId,
        /// A TOML server profile of the user instead of --url/--dialect/--account.
        #[arg(long, conflicts_with_all = ["url", "account"])]
        profile: Option<PathBuf>,
        /// The user's account id (default: the seeded Asha Verma).
        #[arg(long)]
        account: Option<String>,
        /// The expert's account id (default: the seeded Pandit Sharma).
        #[arg(long)]
        expert: Option<String>,
        /// Read the token from this file.
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Length of a billed minute in ms, as the server was started with.
        #[arg(long)]
        billing_minute_ms: Option<u64>,
        /// Milliseconds between the user's messages.
        #[arg(long, default_value_t = 2500)]
        pace_ms: u64,
        /// Seconds to wait for the expert's answer to each message.
        #[arg(long, default_value_t = 20)]
        reply_wait_secs: u64,
        /// Seconds to wait for the expert to come online, and then to accept.
        #[arg(long, default_value_t = 300)]
        patience_secs: u64,
    },
    /// Simulate many users and experts against a seed-001 server (a fresh reference server
    /// unless --url is given): browse, request a session, chat at a human pace, end, repeat.
    /// Prints a report and writes load-report.json and load-latency.svg to --out.
    Load {
        /// A TOML scenario file (fields as the flags below); flags override it.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Simulated users.
        #[arg(long)]
        users: Option<usize>,
        /// Simulated experts.
        #[arg(long)]
        experts: Option<usize>,
        /// Seconds to connect everyone.
        #[arg(long)]
        ramp: Option<u64>,
        /// Seconds to run after the ramp.
        #[arg(long)]
        duration: Option<u64>,
        /// Messages per side in a session.
        #[arg(long)]
        messages: Option<usize>,
        /// A user's pause between messages, ms: `MIN-MAX` (uniform) or one value.
        #[arg(long, value_parser = load::parse_ms_range)]
        message_gap: Option<(u64, u64)>,
        /// A user's pause between sessions or after a busy expert, ms: `MIN-MAX` or one value.
        #[arg(long, value_parser = load::parse_ms_range)]
        think: Option<(u64, u64)>,
        /// An existing seed-001 server started with PARLOR_LOAD_ACCOUNTS ≥ users.
        #[arg(long)]
        url: Option<String>,
        /// Where to write the report and the picture.
        #[arg(long, default_value = "load-report")]
        out: PathBuf,
    },
    /// (Used by `bench`.) Open N idle sockets and print the memory each costs, as JSON.
    #[command(hide = true)]
    BenchIdle {
        /// Probe server URL.
        #[arg(long)]
        url: String,
        /// Sockets to open.
        #[arg(long, default_value_t = 200)]
        clients: usize,
    },
    /// Measure the Parlor client against Node's socket.io-client on the same server, in the
    /// same run, and print a table with ratios.
    Bench {
        /// Echo round trips per client.
        #[arg(long, default_value_t = 2000)]
        rtt: u32,
        /// One-way events per client.
        #[arg(long, default_value_t = 20000)]
        oneway: u32,
        /// Alternating rounds (medians are reported).
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// Messages in the cache benchmark's conversation (0 skips it).
        #[arg(long, default_value_t = 100_000)]
        cache_messages: u32,
        /// Seconds of speech for the Opus voice-note figures (0 skips them).
        #[arg(long, default_value_t = 60.0)]
        voice_seconds: f64,
        /// Also write the figures as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Measure voice notes: a minute of speech (espeak-ng) encoded to Ogg/Opus: size against
    /// the 200 KB target, encode and decode time as a fraction of real time. Prints a table.
    BenchVoice {
        /// Seconds of speech.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Runs (medians are reported).
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// Also write the figures as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Measure what careless or hostile peers cost: `parlor connect`'s memory under an unread
    /// flood and one oversized input line, and how fast a missing ack and an emit while the
    /// server is down fail. Prints a table.
    BenchResilience {
        /// Events per second the server floods.
        #[arg(long, default_value_t = 5000)]
        events_per_sec: u32,
        /// Seconds of flood.
        #[arg(long, default_value_t = 20)]
        seconds: u32,
        /// Length of the oversized input line, MB.
        #[arg(long, default_value_t = 10)]
        line_mb: u32,
        /// Also write the figures as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Measure the message cache: batched ingest, the latest page of a large conversation,
    /// an older page, full-text search. Prints a table.
    BenchCache {
        /// Messages in the conversation.
        #[arg(long, default_value_t = 100_000)]
        messages: u32,
        /// Messages per write transaction while ingesting.
        #[arg(long, default_value_t = 1000)]
        batch: u32,
        /// Where to build the database (emptied first; default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Also write the figures as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("PARLOR_LOG"))
        .with_writer(std::io::stderr)
        .init();
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
            let (profile, token, expert) = match demo_user_profile(args).await {
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
            let t = demo::Transcript::new(profile.dialect, true);
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
        Cmd::BenchIdle { url, clients } => match bench::idle_in_this_process(&url, clients).await {
            Ok(bytes) => {
                println!(
                    "{}",
                    serde_json::json!({ "idle_rss_per_client_bytes": bytes })
                );
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
            out,
        } => {
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
            if s.users == 0 || s.experts == 0 {
                return fail("a scenario needs at least one user and one expert");
            }
            match load::run(s, url, &out).await {
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
        Cmd::BenchVoice {
            seconds,
            runs,
            json,
        } => {
            let dir =
                std::env::temp_dir().join(format!("parlor-bench-voice-{}", std::process::id()));
            let result = tokio::task::spawn_blocking(move || {
                let r = bench_voice::run(&dir, seconds, runs);
                let _ = std::fs::remove_dir_all(&dir);
                r
            })
            .await;
            match result {
                Ok(Ok(report)) => {
                    print!("{}", bench_voice::table(&report));
                    if let Some(path) = json {
                        if let Err(e) = std::fs::write(
                            &path,
                            serde_json::to_string_pretty(&report).expect("report serializes"),
                        ) {
                            return fail(format!("cannot write {}: {e}", path.display()));
                        }
                    }
                    ExitCode::SUCCESS
                }
                Ok(Err(e)) => fail(e),
                Err(e) => fail(e),
            }
        }
        Cmd::BenchResilience {
            events_per_sec,
            seconds,
            line_mb,
            json,
        } => match bench_resilience::run(events_per_sec, seconds, line_mb).await {
            Ok(report) => {
                print!("{}", bench_resilience::table(&report));
                if let Some(path) = json {
                    if let Err(e) = std::fs::write(
                        &path,
                        serde_json::to_string_pretty(&report).expect("report serializes"),
                    ) {
                        return fail(format!("cannot write {}: {e}", path.display()));
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Cmd::BenchCache {
            messages,
            batch,
            dir,
            json,
        } => {
            let dir = dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("parlor-bench-cache-{}", std::process::id()))
            });
            let result = tokio::task::spawn_blocking(move || {
                let r = bench_cache::run(&dir, messages, batch);
                let _ = std::fs::remove_dir_all(&dir);
                r
            })
            .await;
            match result {
                Ok(Ok(report)) => {
                    print!("{}", bench_cache::table(&report));
                    if let Some(path) = json {
                        if let Err(e) = std::fs::write(
                            &path,
                            serde_json::to_string_pretty(&report).expect("report serializes"),
                        ) {
                            return fail(format!("cannot write {}: {e}", path.display()));
                        }
                    }
                    ExitCode::SUCCESS
                }
                Ok(Err(e)) => fail(e),
                Err(e) => fail(e),
            }
        }
        Cmd::Bench {
            rtt,
            oneway,
            rounds,
            json,
            cache_messages,
            voice_seconds,
        } => {
            let transport = match bench::run(rtt, oneway, rounds).await {
                Ok(r) => r,
                Err(e) => return fail(e),
            };
            let dir = std::env::temp_dir().join(format!("parlor-bench-{}", std::process::id()));
            // The cache and voice halves (`bench-cache` and `bench-voice` run them alone).
            let halves = tokio::task::spawn_blocking(move || {
                let cache = (cache_messages > 0)
                    .then(|| bench_cache::run(&dir.join("cache"), cache_messages, 1000))
                    .transpose();
                let voice = (voice_seconds > 0.0)
                    .then(|| bench_voice::run(&dir.join("voice"), voice_seconds, 3))
                    .transpose();
                let _ = std::fs::remove_dir_all(&dir);
                cache.and_then(|c| voice.map(|v| (c, v)))
            })
            .await;
            let (cache, voice) = match halves {
                Ok(Ok(h)) => h,
                Ok(Err(e)) => return fail(e),
                Err(e) => return fail(e),
            };
            print!(
                "{}",
                bench_summary::table(&transport, cache.as_ref(), voice.as_ref())
            );
            if let Some(path) = json {
                let doc =
                    serde_json::json!({ "transport": transport, "cache": cache, "voice": voice });
                if let Err(e) = std::fs::write(
                    &path,
                    serde_json::to_string_pretty(&doc).expect("report serializes"),
                ) {
                    return fail(format!("cannot write {}: {e}", path.display()));
                }
            }
            ExitCode::SUCCESS
        }
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("parlor: {e}");
    ExitCode::from(2)
}

async fn run_servers(only: Option<DialectId>, port: u16) -> ExitCode {
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

async fn run_demo(only: Option<DialectId>) -> ExitCode {
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
struct DemoUserArgs {
    url: Option<String>,
    dialect: DialectId,
    profile: Option<PathBuf>,
    account: Option<String>,
    expert: Option<String>,
    token_file: Option<PathBuf>,
    billing_minute_ms: Option<u64>,
}

/// The user's profile, token and the expert's id for `parlor demo-user`.
async fn demo_user_profile(a: DemoUserArgs) -> Result<(ServerProfile, String, String), String> {
    let mut profile = match (&a.profile, &a.url) {
        (Some(path), _) => ServerProfile::from_file(path).map_err(|e| e.to_string())?,
        (None, Some(url)) => {
            let mut p = ServerProfile::new(a.dialect, url.clone());
            p.rest_url = Some(url.clone());
            p
        }
        (None, None) => return Err("--url or --profile is required".into()),
    };
    let defaults = demo_user::default_accounts(profile.dialect).ok_or_else(|| {
        format!(
            "demo-user plays billing-chat (000) or presence-sessions (001), not {}",
            profile.dialect.as_str()
        )
    })?;
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
        _ => servers::mint(servers::server_file(profile.dialect), &account)
            .await
            .map_err(|e| e.to_string())?,
    };
    Ok((
        profile,
        token,
        a.expert.unwrap_or_else(|| defaults.1.into()),
    ))
}
