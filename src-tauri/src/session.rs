//! The signed-in session: one core client with the services the harness attaches
//! (consultations, expert directory, presence keeper, messenger with a cache in the app's data
//! directory, calls with the media engine, voice notes), and the task forwarding its events.

use crate::error::{AppError, AppResult};
use crate::events::spawn_forwarder;
use parlor_core::calls::{self, CallService, MediaEngine};
use parlor_core::messaging::{Messenger, MessengerConfig};
use parlor_core::store::Store;
use parlor_core::token::SharedTokenSource;
use parlor_core::voice::{VoiceNotes, VoiceNotesConfig, VoiceOutboxConfig};
use parlor_core::{
    Capability, Client, ConsultationService, DialectId, ExpertDirectory, PresenceKeeper,
    ServerProfile,
};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Runtime};

/// Who is signed in where, for the page.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SessionInfo {
    /// The saved profile used (none in demo mode).
    pub profile_id: Option<String>,
    /// The profile's name.
    pub profile_name: String,
    /// This account's server id, when the profile names it.
    pub account_id: Option<String>,
    /// The server's protocol.
    pub dialect: DialectId,
    /// What this server can do (the page hides what it cannot).
    pub capabilities: Vec<Capability>,
    /// Whether a media engine moves call audio/video in this build.
    pub call_media: bool,
    /// The currency of amounts the server sends without a unit (from the provider file).
    pub currency: Option<String>,
}

/// A live session. Dropping it (after [`Session::close`]) ends the client and its services.
pub struct Session {
    /// The core client.
    pub client: Client,
    /// What the page is told.
    pub info: SessionInfo,
    forwarder: tauri::async_runtime::JoinHandle<()>,
    // Kept for their lifetime: the voice service owns its recorder and player.
    _voice: Option<VoiceNotes>,
    _calls: Option<CallService>,
}

impl Session {
    /// Connects to `profile` with `tokens` and attaches the services; waits up to the
    /// profile's connect timeout. A refused token is an error; an unreachable server is not
    /// (the session works from the cache and reconnects by itself, the page shows a banner).
    pub async fn open<R: Runtime>(
        app: &AppHandle<R>,
        data_dir: &Path,
        profile: ServerProfile,
        tokens: SharedTokenSource,
        profile_id: Option<String>,
    ) -> AppResult<Session> {
        let account = profile
            .account_id
            .clone()
            .unwrap_or_else(|| "default".into());
        let store = Store::open_for(data_dir, &profile, &account).map_err(|e| {
            AppError::new(
                "io",
                format!("The local message cache could not be opened: {e}."),
            )
        })?;
        let db = store.path().to_owned();
        let minute = profile.billing_minute_ms;
        let connect_timeout = Duration::from_millis(profile.connect_timeout_ms);
        let info_name = if profile.name.is_empty() {
            profile.socket_url.clone()
        } else {
            profile.name.clone()
        };
        let account_id = profile.account_id.clone();
        let client = Client::connect(profile, tokens)?;
        // Calls first (its Agora service watches consultation events), as the harness does.
        let engine = media_engine();
        let call_media = engine.is_some();
        let calls = calls::attach(&client, engine, Some(store.clone()));
        ConsultationService::attach(&client, Some(store.clone()), minute);
        ExpertDirectory::attach(&client);
        // Tells the server again after every reconnection that the expert is online, even
        // while the window is hidden (the core does it, so the page need not).
        PresenceKeeper::attach(&client);
        Messenger::attach(&client, store, MessengerConfig::default());
        let voice = if client.capabilities().contains(&Capability::VoiceNotes)
            && client.rest().is_some()
        {
            Some(
                VoiceNotes::attach(
                    &client,
                    VoiceNotesConfig {
                        dir: db.with_extension("voice"),
                        outbox: VoiceOutboxConfig::default(),
                    },
                )
                .map_err(|e| AppError::new("io", format!("Voice notes are unavailable: {e}.")))?,
            )
        } else {
            None
        };
        let info = SessionInfo {
            profile_id,
            profile_name: info_name,
            account_id,
            dialect: client.dialect(),
            capabilities: client.capabilities().to_vec(),
            call_media,
            currency: None,
        };
        let forwarder = spawn_forwarder(app.clone(), &client);
        match client.wait_connected(connect_timeout).await {
            Err(e @ parlor_core::Error::AuthFailed(_)) => {
                client.disconnect().await;
                forwarder.abort();
                Err(e.into())
            }
            _ => Ok(Session {
                client,
                info,
                forwarder,
                _voice: voice,
                _calls: calls,
            }),
        }
    }

    /// Disconnects and stops forwarding.
    pub async fn close(self) {
        self.client.disconnect().await;
        self.forwarder.abort();
    }
}

/// The native media engine for calls (WebKitGTK has no WebRTC, so media cannot run in the
/// page): LiveKit with the `livekit` feature, otherwise none (calls are signalled only).
fn media_engine() -> Option<Arc<dyn MediaEngine>> {
    #[cfg(feature = "livekit")]
    {
        Some(Arc::new(parlor_core::calls::LiveKitEngine::new()))
    }
    #[cfg(not(feature = "livekit"))]
    {
        None
    }
}
