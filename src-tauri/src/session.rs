//! The signed-in session: the core's [`parlor_core::Session`] (the client and every service its
//! server supports, with the cache in the app's data directory and calls on the media engine),
//! and the task forwarding its events to the page.

use crate::error::{AppError, AppResult};
use crate::lists::{self, ListUpdate};
use parlor_core::calls::MediaEngine;
use parlor_core::consultation::ConsultationView;
use parlor_core::observe::ObservedList;
use parlor_core::token::SharedTokenSource;
use parlor_core::{Capability, Client, DialectId, EventStream, ServerProfile, SessionError};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::ipc::Channel;

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
    // The services, kept for their lifetime (the voice service owns its recorder and player)
    // and asked for the lists the page observes.
    core: parlor_core::Session,
    // Lists forwarded to the page by key (one per list the page shows): observing a list again
    // (a conversation's larger window) replaces the task that forwarded it.
    observers: Mutex<HashMap<String, tauri::async_runtime::JoinHandle<()>>>,
}

impl Session {
    /// Connects to `profile` with `tokens` and attaches the services; waits up to the
    /// profile's connect timeout. A refused token is an error; an unreachable server is not
    /// (the session works from the cache and reconnects by itself, the page shows a banner).
    /// `forward` starts the task that takes the session's events (to the page); it is given
    /// them before the connection is up, so nothing of the start is missed.
    pub async fn open(
        forward: impl FnOnce(EventStream) -> tauri::async_runtime::JoinHandle<()>,
        data_dir: &Path,
        profile: ServerProfile,
        tokens: SharedTokenSource,
        profile_id: Option<String>,
    ) -> AppResult<Session> {
        let connect_timeout = Duration::from_millis(profile.connect_timeout_ms);
        let info_name = if profile.name.is_empty() {
            profile.socket_url.clone()
        } else {
            profile.name.clone()
        };
        let account_id = profile.account_id.clone();
        // The app speaks the built-in dialects only (its sign-in offers no other).
        let dialect = profile.dialect.builtin().ok_or_else(|| {
            AppError::new(
                "unsupported",
                format!("This app cannot speak the {} protocol.", profile.dialect),
            )
        })?;
        let mut builder = parlor_core::Session::builder(profile, tokens).data_dir(data_dir.into());
        let engine = media_engine();
        let call_media = engine.is_some();
        if let Some(engine) = engine {
            builder = builder.media_engine(engine);
        }
        // The core's presence keeper tells the server again after every reconnection that the
        // expert is online, even while the window is hidden (the page need not).
        let core = builder.build().map_err(|e| match e {
            SessionError::Client(e) => AppError::from(e),
            SessionError::Store(e) => AppError::new(
                "io",
                format!("The local message cache could not be opened: {e}."),
            ),
            SessionError::Voice(e) => {
                AppError::new("io", format!("Voice notes are unavailable: {e}."))
            }
            other => AppError::new("io", format!("The session could not start: {other}.")),
        })?;
        let client = core.client.clone();
        let info = SessionInfo {
            profile_id,
            profile_name: info_name,
            account_id,
            dialect,
            capabilities: client.capabilities().to_vec(),
            call_media,
            currency: None,
        };
        let forwarder = forward(client.subscribe());
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
                core,
                observers: Mutex::default(),
            }),
        }
    }

    /// The core's session: its services, for their typed calls.
    pub fn core(&self) -> &parlor_core::Session {
        &self.core
    }

    /// Every consultation as a list: the snapshot, then its changes.
    pub fn observe_consultations(&self) -> AppResult<ObservedList<ConsultationView>> {
        Ok(self.core.consultations.observe()?)
    }

    /// Forwards `list` to the page's `channel` (see [`lists::forward`]) as list `key`,
    /// stopping the task that forwarded the same list before (the page observed it again).
    pub fn forward_list<T>(
        &self,
        key: String,
        list: ObservedList<T>,
        channel: Channel<ListUpdate<T>>,
    ) where
        T: Serialize + Clone + Send + 'static,
    {
        let task = lists::forward(list, channel);
        let mut observers = self.observers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = observers.insert(key, task) {
            previous.abort();
        }
    }

    /// Disconnects and stops forwarding.
    pub async fn close(self) {
        self.client.disconnect().await;
        self.forwarder.abort();
        let observers = self
            .observers
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        for task in observers.into_values() {
            task.abort();
        }
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
