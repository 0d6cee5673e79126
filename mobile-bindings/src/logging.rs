//! The app's logger: the core's `tracing` output (and its dependencies' `log` records) handed
//! to a foreign [`Logger`] at a chosen level, after matrix-sdk-ffi's tracing setup. Nothing is
//! installed until the app sets a logger, so an app without one pays nothing.
//!
//! Tokens never reach the app's log: every token the secret store hands to the core is
//! remembered here and replaced by `[redacted]` in every line, and so is whatever follows a
//! `token=`, `"token":"`, `Bearer ` or `Authorization:` (a dependency logging a URL or a
//! header at trace level).

use crate::error::{ListenerError, ParlorError};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// How much to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Failures only.
    Error,
    /// And what went wrong but was handled.
    Warn,
    /// And the connection's and services' milestones.
    Info,
    /// And what the core decides and why.
    Debug,
    /// Everything, the dependencies' wire traffic included.
    Trace,
}

impl LogLevel {
    /// 1 (error) to 5 (trace); 0 is "no logger".
    fn rank(self) -> u8 {
        self as u8 + 1
    }

    fn of(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            _ => LogLevel::Trace,
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    /// Its level.
    pub level: LogLevel,
    /// Where it comes from (`parlor_core::transport::supervisor`, `rust_socketio` …).
    pub target: String,
    /// The message and its fields (`key=value`), tokens redacted.
    pub message: String,
}

/// Receives the core's log lines, on the thread that logged them: keep it quick (hand the line
/// to Logcat, `os_log`, a file).
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    /// One line.
    fn log(&self, record: LogRecord) -> Result<(), ListenerError>;
}

static SINK: RwLock<Option<Arc<dyn Logger>>> = RwLock::new(None);
/// The level asked for, as [`LogLevel::rank`] (0: no logger): read on every log call, so an
/// atomic rather than the lock.
static LEVEL: AtomicU8 = AtomicU8::new(0);
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
/// The tokens handed out by the secret store, newest last (bounded: old ones fall off).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
const SECRETS_KEPT: usize = 32;

/// Sends the core's log lines at `level` and above to `logger` (or stops, with `None`).
/// Can be called again to change either. `Internal` when another `tracing` subscriber was
/// installed in this process before (the app's own Rust code): then that one receives them.
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn Logger>>, level: LogLevel) -> Result<(), ParlorError> {
    let rank = if logger.is_some() { level.rank() } else { 0 };
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = logger;
    LEVEL.store(rank, Ordering::Release);
    INSTALLED
        .get_or_init(|| {
            tracing_subscriber::registry()
                .with(ForeignLayer)
                .try_init()
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|detail| ParlorError::Internal {
            detail: format!("another tracing subscriber is installed: {detail}"),
        })?;
    // Callsites cached under the old level are asked again, and the global maximum level
    // (which lets disabled log calls return at once) follows the new one.
    tracing::callsite::rebuild_interest_cache();
    Ok(())
}

/// Remembers a token so that no log line shows it.
pub(crate) fn remember_secret(token: &str) {
    if token.len() < 6 {
        return; // too short to search for without redacting ordinary words
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(|p| p.into_inner());
    if !secrets.iter().any(|s| s == token) {
        if secrets.len() == SECRETS_KEPT {
            secrets.remove(0);
        }
        secrets.push(token.to_owned());
    }
}

const REDACTED: &str = "[redacted]";
/// What may precede a credential in a URL, a JSON body or a header (matched case-blind).
const MARKERS: &[&str] = &[
    "token=",
    "\"token\":\"",
    "\"token\": \"",
    "bearer ",
    "authorization: ",
    "authorization=",
    "basic ",
];

/// `line` with every remembered token and every credential after a marker replaced.
pub(crate) fn redact(line: &str) -> String {
    let mut out = line.to_owned();
    for secret in SECRETS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    for marker in MARKERS {
        out = redact_after(&out, marker);
    }
    out
}

fn redact_after(line: &str, marker: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(marker) {
        let value_start = at + found + marker.len();
        out.push_str(&line[at..value_start]);
        let value_len = line[value_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._~+/=-".contains(c)))
            .unwrap_or(line.len() - value_start);
        let value = &line[value_start..value_start + value_len];
        // A scheme's name is left for its own marker (`Authorization: Bearer …`).
        let scheme = ["bearer", "basic"]
            .iter()
            .any(|s| value.eq_ignore_ascii_case(s));
        if value.is_empty() || value.starts_with(REDACTED) || scheme {
            out.push_str(value);
        } else {
            out.push_str(REDACTED);
        }
        at = value_start + value_len;
    }
    out.push_str(&line[at..]);
    out
}

/// Hands each event to the app's logger, formatted and redacted.
struct ForeignLayer;

impl<S: Subscriber> Layer<S> for ForeignLayer {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // Asked per event: the level can change at any time.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        LogLevel::of(meta.level()).rank() <= LEVEL.load(Ordering::Acquire)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(match LEVEL.load(Ordering::Acquire) {
            0 => LevelFilter::OFF,
            1 => LevelFilter::ERROR,
            2 => LevelFilter::WARN,
            3 => LevelFilter::INFO,
            4 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        })
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let Some(logger) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            return;
        };
        let mut line = Line::default();
        event.record(&mut line);
        let meta = event.metadata();
        // A logger that throws is not logged about (that would call it again).
        let _ = logger.log(LogRecord {
            level: LogLevel::of(meta.level()),
            target: meta.target().to_owned(),
            message: redact(&line.text),
        });
    }
}

/// The message first, then the other fields as `key=value`.
#[derive(Default)]
struct Line {
    text: String,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let rest = std::mem::take(&mut self.text);
            let _ = write!(self.text, "{value:?}");
            if !rest.is_empty() {
                self.text.push(' ');
                self.text.push_str(&rest);
            }
        } else {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            let _ = write!(self.text, "{}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_a_log_line() {
        remember_secret("eyJhbGciOi.secret-one");
        let line = redact("connecting to http://h/socket.io/?EIO=4&token=abc.DEF-123&x=1");
        assert_eq!(
            line,
            "connecting to http://h/socket.io/?EIO=4&token=[redacted]&x=1"
        );
        assert_eq!(
            redact(r#"auth {"token":"abc.def"} sent with Bearer zzz"#),
            r#"auth {"token":"[redacted]"} sent with Bearer [redacted]"#
        );
        assert_eq!(
            redact("handshake with eyJhbGciOi.secret-one refused"),
            "handshake with [redacted] refused"
        );
        assert_eq!(
            redact("AUTHORIZATION: Basic dXNlcg=="),
            "AUTHORIZATION: Basic [redacted]"
        );
        assert_eq!(redact("nothing to hide"), "nothing to hide");
        // Short strings are not remembered (they would redact ordinary words).
        remember_secret("abc");
        assert_eq!(redact("abc"), "abc");
    }
}
