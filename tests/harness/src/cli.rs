//! `parlor`'s command line (the binary's module, beside main.rs): its subcommands and options.

use super::*;

/// Drive Parlor's core from the command line: start the reference servers, script a client
/// with JSON lines, print the command/event schema, run the demo, measure the transport.
#[derive(Parser)]
#[command(name = "parlor", version, about, long_about = None)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Cmd,
}

#[derive(Subcommand)]
pub(super) enum Cmd {
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
        /// Simulated experts (0: users only connect and hold, a capacity test).
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
        /// An existing seed-001 server started with PARLOR_LOAD_ACCOUNTS ≥ users (needed
        /// by shards: they share it).
        #[arg(long)]
        url: Option<String>,
        /// Run one part of the population, `INDEX/COUNT` (users and experts numbered k run
        /// in shard (k-1) % COUNT); `parlor load-merge` combines the shards' reports.
        #[arg(long, conflicts_with = "shards", value_parser = load::Shard::parse)]
        shard: Option<load::Shard>,
        /// Run shard JOB_COMPLETION_INDEX of this many (what a Kubernetes Indexed Job sets).
        #[arg(long)]
        shards: Option<u32>,
        /// Where to write the report and the picture.
        #[arg(long, default_value = "load-report")]
        out: PathBuf,
    },
    /// Combine the load-report.json of each shard of one run into one report and picture,
    /// as if one process had run everyone (histograms added, timelines aligned by start).
    LoadMerge {
        /// The shards' reports (load-report.json files, or the folders holding them).
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Where to write the merged report and picture.
        #[arg(long, default_value = "load-report")]
        out: PathBuf,
    },
    /// (Used by `bench`.) Open N idle sockets one after another, then up to TOTAL, and print
    /// the time each took and the memory each costs, as JSON.
    #[command(hide = true)]
    BenchIdle {
        /// Probe server URL.
        #[arg(long)]
        url: String,
        /// Sockets to open first.
        #[arg(long, default_value_t = 500)]
        clients: usize,
        /// Sockets open in the end (the memory slope from `clients`); 0 skips it.
        #[arg(long, default_value_t = 0)]
        total: usize,
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
        /// Idle connections opened one after another per client kind (memory and connect
        /// time per connection; at least 1: the figures are per connection).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
        idle_clients: u64,
        /// Idle connections open in the end: memory per connection is also the slope from
        /// `idle_clients` to this (0 skips it).
        #[arg(long, default_value_t = 5000)]
        idle_total: usize,
        /// Chat messages timed per way and round: the full client, the transport alone and
        /// Node, against the 003 reference server (0 skips it).
        #[arg(long, default_value_t = 1000)]
        chat_samples: u32,
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
