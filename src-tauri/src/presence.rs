//! The expert's own presence as the app sets it (the page's toggle, the tray menu, quitting):
//! told to the server where it has presence (its dialect chooses the command), then
//! remembered in the app state. The callers refresh the tray themselves.

use crate::error::AppResult;
use crate::state::AppState;
use parlor_core::model::Presence;
use parlor_core::Command;
use serde::Serialize;

/// The presence now, and whether the server was told.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PresenceChange {
    /// The presence chosen.
    pub presence: Presence,
    /// False where the server has no presence (requests arrive whenever the app is connected).
    pub on_server: bool,
}

/// Sets the presence (the page's toggle, the tray menu, quitting).
pub async fn apply(state: &AppState, presence: Presence) -> AppResult<PresenceChange> {
    let client = state.client().await?;
    let on_server = client.keeps_presence();
    if on_server {
        client
            .send(Command::SetPresence {
                online: presence == Presence::Online,
            })
            .await?;
    }
    *state.presence.lock().expect("presence lock") = presence;
    Ok(PresenceChange {
        presence,
        on_server,
    })
}
