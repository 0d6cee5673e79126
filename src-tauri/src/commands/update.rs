//! Updates: tauri-plugin-updater with signature verification. The public key is built into
//! the binary (`PARLOR_UPDATER_PUBKEY` at build time: the app team's release key; the e2e
//! suite builds with a test key it generates, never committed); the update feed is
//! `PARLOR_UPDATE_URL` (at run time, else at build time). An update whose signature does not
//! match the key is refused before anything is installed. A build without a key has no
//! updates (its installer, e.g. the .deb through apt, updates it).

use crate::error::{AppError, AppResult};
use serde::Serialize;
use tauri::AppHandle;
use tauri_plugin_updater::UpdaterExt;

/// The update key built into this binary, if any.
const PUBKEY: Option<&str> = option_env!("PARLOR_UPDATER_PUBKEY");
/// The update feed built into this binary, if any.
const BUILT_IN_FEED: Option<&str> = option_env!("PARLOR_UPDATE_URL");

/// What the settings screen shows about updates.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UpdateInfo {
    /// The running version.
    pub current: String,
    /// A newer version offered by the feed, if any.
    pub available: Option<String>,
    /// Its release notes.
    pub notes: Option<String>,
}

fn updater(app: &AppHandle) -> AppResult<tauri_plugin_updater::Updater> {
    let key = PUBKEY.filter(|k| !k.trim().is_empty()).ok_or_else(|| {
        AppError::new(
            "unsupported",
            "This build of Parlor has no update key: it is updated by the package it came in.",
        )
    })?;
    let feed = std::env::var("PARLOR_UPDATE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| BUILT_IN_FEED.map(str::to_owned))
        .ok_or_else(|| AppError::new("unsupported", "No update address is configured."))?;
    let url = url::Url::parse(&feed).map_err(|e| {
        AppError::new(
            "invalid_input",
            format!("The update address is invalid: {e}."),
        )
    })?;
    app.updater_builder()
        .pubkey(key)
        .endpoints(vec![url])
        .and_then(|b| b.build())
        .map_err(update_error)
}

fn update_error(e: tauri_plugin_updater::Error) -> AppError {
    let text = e.to_string();
    if text.to_ascii_lowercase().contains("signature") {
        AppError::new(
            "update_refused",
            format!(
                "The update was refused: its signature does not match this app's key ({text})."
            ),
        )
    } else {
        AppError::new(
            "network",
            format!("The update could not be fetched: {text}."),
        )
    }
}

/// Asks the feed whether a newer version exists.
#[tauri::command]
#[specta::specta]
pub async fn check_update(app: AppHandle) -> AppResult<UpdateInfo> {
    let current = app.package_info().version.to_string();
    let update = updater(&app)?.check().await.map_err(update_error)?;
    Ok(UpdateInfo {
        current,
        available: update.as_ref().map(|u| u.version.clone()),
        notes: update.and_then(|u| u.body),
    })
}

/// Downloads the update, checks its signature, installs it and restarts into it.
#[tauri::command]
#[specta::specta]
pub async fn install_update(app: AppHandle) -> AppResult<()> {
    let update = updater(&app)?
        .check()
        .await
        .map_err(update_error)?
        .ok_or_else(|| AppError::new("illegal_state", "There is no newer version to install."))?;
    tracing::info!(version = %update.version, "installing an update");
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(update_error)?;
    tracing::info!("update installed; restarting");
    app.restart();
}
