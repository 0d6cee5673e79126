//! Accounts: saved profiles and the session: save/list/delete profiles (token to the keyring), sign in/out.

use crate::demo::DemoInfo;
use crate::error::{AppError, AppResult};
use crate::events::spawn_forwarder;
use crate::profiles::{ProfileInput, SavedProfile};
use crate::session::{Session, SessionInfo};
use crate::state::AppState;
use parlor_core::{ConnectionState, StaticToken};
use std::sync::Arc;
use tauri::{AppHandle, Manager, State};

/// Every saved server profile.
#[tauri::command]
#[specta::specta]
pub fn list_profiles(state: State<'_, AppState>) -> AppResult<Vec<SavedProfile>> {
    state.profiles.list()
}

/// Creates or updates a profile; a token, when given, goes to the OS keyring only.
#[tauri::command]
#[specta::specta]
pub fn save_profile(
    state: State<'_, AppState>,
    input: ProfileInput,
    token: Option<String>,
) -> AppResult<SavedProfile> {
    state
        .profiles
        .save(input, token.as_deref(), || state.secrets())
}

/// Deletes a profile and its token.
#[tauri::command]
#[specta::specta]
pub fn delete_profile(state: State<'_, AppState>, id: String) -> AppResult<()> {
    let secrets = state.secrets().ok();
    state.profiles.delete(&id, secrets.as_deref())
}

/// Signs in with a saved profile (its token from the keyring), replacing any session.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    profile_id: String,
) -> AppResult<SessionInfo> {
    let saved = state.profiles.get(&profile_id)?;
    let profile = saved.server_profile()?;
    let token = state.secrets()?.get(&profile_id)?.ok_or_else(|| {
        AppError::new(
            "auth_failed",
            "No token is saved for this profile. Edit it and enter the token.",
        )
    })?;
    let mut slot = state.session.lock().await;
    if let Some(old) = slot.take() {
        old.close().await;
        state.set_signed_in(false);
    }
    let session = Session::open(
        |events| spawn_forwarder(app.clone(), events),
        &state.data_dir,
        profile,
        Arc::new(StaticToken::new(token)),
        Some(profile_id),
    )
    .await?;
    let mut session = session;
    session.info.currency = saved.currency.clone();
    let info = session.info.clone();
    *slot = Some(session);
    state.set_signed_in(true);
    crate::tray::refresh(&app);
    Ok(info)
}

/// Signs out (disconnects; the cache stays for history).
#[tauri::command]
#[specta::specta]
pub async fn sign_out(app: AppHandle, state: State<'_, AppState>) -> AppResult<()> {
    if let Some(s) = state.session.lock().await.take() {
        s.close().await;
    }
    state.set_signed_in(false);
    app.state::<crate::attention::Attention>().clear(&app);
    Ok(())
}

/// The current session, if signed in.
#[tauri::command]
#[specta::specta]
pub async fn current_session(state: State<'_, AppState>) -> AppResult<Option<SessionInfo>> {
    Ok(state.session.lock().await.as_ref().map(|s| s.info.clone()))
}

/// The connection state now (later changes arrive as `connection` core events).
#[tauri::command]
#[specta::specta]
pub async fn connection_state(state: State<'_, AppState>) -> AppResult<ConnectionState> {
    Ok(state.client().await?.state())
}

/// Demo mode: the profile and how the automatic sign-in went (waits for it); null otherwise.
#[tauri::command]
#[specta::specta]
pub async fn demo_info(state: State<'_, AppState>) -> AppResult<Option<DemoInfo>> {
    match &state.demo {
        Some(demo) => Ok(Some(demo.info().await)),
        None => Ok(None),
    }
}
