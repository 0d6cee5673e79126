//! Support: "Copy diagnostics" gathers what a platform's support team needs: the version, the
//! system, the settings, the signed-in profile WITHOUT secrets, and the last lines of the log.

use crate::error::AppResult;
use crate::state::AppState;
use tauri::{AppHandle, State};

/// How many log lines the diagnostics carry.
const LOG_LINES: usize = 200;

/// The diagnostics as text (the page copies it to the clipboard).
#[tauri::command]
#[specta::specta]
pub async fn diagnostics(app: AppHandle, state: State<'_, AppState>) -> AppResult<String> {
    let mut out = String::new();
    let info = app.package_info();
    out += &format!("Parlor {} ({})\n", info.version, crate::APP_ID);
    out += &format!(
        "System: {} {} ({})\n",
        std::env::consts::OS,
        std::env::consts::ARCH,
        if cfg!(debug_assertions) {
            "debug build"
        } else {
            "release build"
        }
    );
    out += &format!(
        "Call audio in this build: {}\n",
        if cfg!(feature = "livekit") {
            "yes (LiveKit)"
        } else {
            "no"
        }
    );
    out += &format!("Log folder: {}\n", crate::logging::log_dir().display());
    let settings = state.settings.get();
    out += &format!(
        "Settings: ring {} at {}% on {}, notifications {}, language {}, theme {}\n",
        if settings.ring_enabled { "on" } else { "off" },
        settings.ring_volume,
        settings
            .ring_device
            .as_deref()
            .unwrap_or("the default device"),
        if settings.notifications { "on" } else { "off" },
        settings.language.as_deref().unwrap_or("?"),
        settings.theme
    );
    match state.session.lock().await.as_ref() {
        Some(s) => {
            let p = s.client.profile();
            out += &format!(
                "Signed in: {} · {} · {} · namespace {} · account {} · REST {}\n",
                s.info.profile_name,
                p.dialect.as_str(),
                p.socket_url,
                p.namespace,
                p.account_id.as_deref().unwrap_or("-"),
                p.rest_url.as_deref().unwrap_or("-"),
            );
            out += &format!("Connection: {:?}\n", s.client.state());
            out += &format!("Presence: {:?}\n", state.presence());
        }
        None => out += "Not signed in\n",
    }
    out += "\nLast log lines:\n";
    if let Some(path) = crate::logging::newest_log() {
        let text = tokio::fs::read_to_string(&path).await.unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for l in &lines[lines.len().saturating_sub(LOG_LINES)..] {
            out += l;
            out.push('\n');
        }
    } else {
        out += "(no log file)\n";
    }
    Ok(out)
}
