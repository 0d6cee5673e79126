//! The expert's own presence as the app sets it (the page's toggle, the tray menu, quitting):
//! told to the server where it has presence (its dialect chooses the command), then
//! remembered in the app state. The callers refresh the tray themselves.

use crate::error::AppResult;
use crate::state::AppState;
use parlor_core::model::Presence;
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
    let cmd = client.presence_command(presence == Presence::Online);
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
