//! Presence: the expert's own (online, offline, busy) and the list of online experts.

use crate::error::AppResult;
use crate::presence::{apply, PresenceChange};
use crate::state::AppState;
use parlor_core::model::{Expert, Presence};
use tauri::State;

/// Goes online, offline or busy. Servers know only online/offline: busy is offline there
/// (no new requests) and busy here.
#[tauri::command]
#[specta::specta]
pub async fn set_presence(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    presence: Presence,
) -> AppResult<PresenceChange> {
    let change = apply(&state, presence).await?;
    crate::tray::refresh(&app);
    Ok(change)
}

/// The presence the expert chose last.
#[tauri::command]
#[specta::specta]
pub fn presence(state: State<'_, AppState>) -> Presence {
    state.presence()
}

/// The online experts now (later changes arrive as `expert_updated` / `expert_removed`).
#[tauri::command]
#[specta::specta]
pub async fn watch_experts(state: State<'_, AppState>) -> AppResult<Vec<Expert>> {
    state.core(|s| s.directory.snapshot()).await
}
