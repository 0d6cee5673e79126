//! Settings and the app itself: read and save the settings (applying start-at-login, the ring
//! and the tray's language at once), the output devices for the ring, a test chime, quitting.

use crate::attention::Attention;
use crate::error::{AppError, AppResult};
use crate::settings::Settings;
use crate::state::AppState;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_autostart::ManagerExt;

/// The settings in force (start at login as the system has it).
#[tauri::command]
#[specta::specta]
pub fn get_settings(app: AppHandle, state: State<'_, AppState>) -> Settings {
    let mut s = state.settings.get();
    if let Ok(on) = app.autolaunch().is_enabled() {
        s.autostart = on;
    }
    s
}

/// Saves the settings and applies them; returns what is now in force.
#[tauri::command]
#[specta::specta]
pub fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> AppResult<Settings> {
    let before = get_settings(app.clone(), state.clone());
    let saved = state.settings.save(settings)?;
    if saved.autostart != before.autostart {
        let launcher = app.autolaunch();
        let done = if saved.autostart {
            launcher.enable()
        } else {
            launcher.disable()
        };
        done.map_err(|e| {
            AppError::new("io", format!("Start at login could not be changed: {e}."))
        })?;
    }
    app.state::<Attention>().refresh(&app);
    Ok(saved)
}

/// The output devices the ring can use.
#[tauri::command]
#[specta::specta]
pub async fn list_output_devices() -> AppResult<Vec<String>> {
    tauri::async_runtime::spawn_blocking(parlor_core::voice::ring::output_devices)
        .await
        .map_err(|e| AppError::new("device", e.to_string()))?
        .map_err(|e| AppError::new("device", format!("The speakers could not be listed: {e}.")))
}

/// Plays one chime with the given settings (not saved), to try volume and device.
#[tauri::command]
#[specta::specta]
pub fn test_ring(app: AppHandle, settings: Settings) {
    app.state::<Attention>().test_ring(&settings.sanitized());
}

/// Quits: offline first where the expert was available (the page asked them), then exit.
#[tauri::command]
#[specta::specta]
pub async fn quit_app(app: AppHandle) {
    crate::tray::quit(&app).await;
}
