//! Presence: the expert's own (online, offline, busy) and the list of online experts.

use crate::error::AppResult;
use crate::state::AppState;
use parlor_core::model::{Expert, Presence};
use parlor_core::{Capability, Command, DialectId, DomainEvent};
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
    state: State<'_, AppState>,
    presence: Presence,
) -> AppResult<PresenceChange> {
    let client = state.client().await?;
    let online = presence == Presence::Online;
    let on_server = client.capabilities().contains(&Capability::Presence);
    if on_server {
        let cmd = match (client.dialect(), client.profile().account_id.clone()) {
            // 001 keeps presence over REST (the socket event only mirrors it).
            (DialectId::PresenceSessions, Some(expert_id)) => {
                Command::SetPresenceRest { expert_id, online }
            }
            _ => Command::SetPresence { online },
        };
        client.send(cmd).await?;
    }
    *state.presence.lock().expect("presence lock") = presence;
    Ok(PresenceChange {
        presence,
        on_server,
    })
}

/// The presence the expert chose last.
#[tauri::command]
#[specta::specta]
pub fn presence(state: State<'_, AppState>) -> Presence {
    *state.presence.lock().expect("presence lock")
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
