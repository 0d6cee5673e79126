//! Calls: accept/reject/end, in-call controls through the core's media engine, history.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use parlor_core::calls::{CallRecord, CallSnapshot};
use parlor_core::{Command, LocalCommand};
use tauri::State;

/// Accepts a ringing call.
#[tauri::command]
#[specta::specta]
pub async fn accept_call(state: State<'_, AppState>, call_id: String) -> AppResult<()> {
    state.send(Command::AcceptCall { call_id }).await.map(drop)
}

/// Rejects a ringing call.
#[tauri::command]
#[specta::specta]
pub async fn reject_call(state: State<'_, AppState>, call_id: String) -> AppResult<()> {
    state.send(Command::RejectCall { call_id }).await.map(drop)
}

/// Hangs up.
#[tauri::command]
#[specta::specta]
pub async fn end_call(state: State<'_, AppState>, call_id: String) -> AppResult<()> {
    state.send(Command::EndCall { call_id }).await.map(drop)
}

/// Mutes (false) or unmutes (true) the microphone.
#[tauri::command]
#[specta::specta]
pub async fn set_microphone(state: State<'_, AppState>, on: bool) -> AppResult<()> {
    state
        .send(LocalCommand::SetMicrophone { enabled: on })
        .await
        .map(drop)
}

/// Turns the camera on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_camera(state: State<'_, AppState>, on: bool) -> AppResult<()> {
    state
        .send(LocalCommand::SetCamera { enabled: on })
        .await
        .map(drop)
}

/// The current (or last) call, if any (none where the server has no calls).
#[tauri::command]
#[specta::specta]
pub async fn call_state(state: State<'_, AppState>) -> AppResult<Option<CallSnapshot>> {
    state
        .core(|s| s.calls.as_ref().map(|calls| calls.snapshot()))
        .await
}

/// Past calls from the cache, newest first (offline too).
#[tauri::command]
#[specta::specta]
pub async fn call_history(
    state: State<'_, AppState>,
    limit: Option<u32>,
) -> AppResult<Vec<CallRecord>> {
    let calls = state
        .core(|s| s.calls.clone())
        .await?
        .ok_or_else(|| AppError::new("unsupported", "This server has no calls."))?;
    Ok(calls.history(limit).await?)
}
