//! Presence: the expert's own (online, offline, busy) and the list of online experts.

use crate::error::AppResult;
use crate::state::AppState;
use parlor_core::model::{Expert, Presence};
use parlor_core::{Client, Command, DomainEvent};
use serde::Serialize;
use tauri::State;

/// The presence now, and whether the server was told.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PresenceChange {
    /// The presence chosen.
    pub presence: Presence,
    /// False where the server has no presence (000: requests arrive while connected).
    pub on_server: bool,
}

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

/// Sets the presence (the page's toggle, the tray menu, quitting).
pub async fn apply(state: &AppState, presence: Presence) -> AppResult<PresenceChange> {
    let client = state.client().await?;
    let cmd = server_command(&client, presence == Presence::Online);
    let on_server = cmd.is_some();
    if let Some(cmd) = cmd {
        client.send(cmd).await?;
    }
    *state.presence.lock().expect("presence lock") = presence;
    Ok(PresenceChange {
        presence,
        on_server,
    })
}

/// The command that tells `client`'s server the expert is `online` (or not), where the
/// server has presence at all (its dialect chooses the command).
pub fn server_command(client: &Client, online: bool) -> Option<Command> {
    client.presence_command(online)
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
    state
        .ask(Command::WatchExperts, |e| match e {
            DomainEvent::ExpertsSnapshot { experts } => Some(experts),
            _ => None,
        })
        .await
}
