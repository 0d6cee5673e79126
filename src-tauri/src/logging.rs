//! Logs: to stderr and to a daily-rotated file (seven kept) under the XDG state directory
//! (`$XDG_STATE_HOME/app.parlor.desktop/logs/parlor.<date>.log`; on other systems the app's
//! log directory). Nothing logs tokens: they never enter a log field (the e2e suite scans the
//! log for the token it used).

use std::path::PathBuf;
use tracing_subscriber::prelude::*;

/// Where the log files go.
pub fn log_dir() -> PathBuf {
    #[cfg(target_os = "linux")]
    {
        let state = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .unwrap_or_else(std::env::temp_dir);
        state.join(crate::APP_ID).join("logs")
    }
    #[cfg(target_os = "macos")]
    {
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join("Library/Logs").join(crate::APP_ID))
            .unwrap_or_else(std::env::temp_dir)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        std::env::var_os("LOCALAPPDATA")
            .map(|d| PathBuf::from(d).join(crate::APP_ID).join("logs"))
            .unwrap_or_else(std::env::temp_dir)
    }
}

/// The newest log file, if any.
pub fn newest_log() -> Option<PathBuf> {
    std::fs::read_dir(log_dir())
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// Starts logging; keep the guard for the life of the app (it flushes the file on drop).
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,parlor_core=info".into())
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("parlor")
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir());
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            let _ = tracing_subscriber::registry()
                .with(stderr)
                .with(file)
                .try_init();
            Some(guard)
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!(error = %e, dir = %log_dir().display(), "no log file");
            None
        }
    }
}
