//! What the commands share: the session, the saved profiles, the keyring, demo mode.

use crate::demo::Demo;
use crate::error::{AppError, AppResult};
use crate::profiles::Profiles;
use crate::session::Session;
use crate::settings::SettingsStore;
use parlor_core::model::Presence;
use parlor_core::secrets::{SecretError, SecretStore};
use parlor_core::{Client, DomainEvent, Request};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The app's shared state (managed by Tauri).
pub struct AppState {
    /// The signed-in session, if any.
    pub session: tokio::sync::Mutex<Option<Session>>,
    /// Saved server profiles.
    pub profiles: Profiles,
    /// Where caches live (one database per server and account).
    pub data_dir: PathBuf,
    /// The OS keyring, or why it is unavailable.
    secrets: Result<Arc<dyn SecretStore>, SecretError>,
    /// Demo mode, when launched with `--demo`.
    pub demo: Option<Demo>,
    /// The presence the expert chose (kept locally where the server has no presence).
    pub presence: Mutex<Presence>,
    /// The expert's settings.
    pub settings: SettingsStore,
    /// The provider file in force, if any.
    pub provider: Option<crate::provider::Provider>,
    /// Whether a session is open (readable without awaiting the session lock: the tray and
    /// the window's close button ask).
    signed_in: AtomicBool,
}

impl AppState {
    /// The state for an app whose config and data live in the given directories.
    pub fn new(
        config_dir: PathBuf,
        data_dir: PathBuf,
        secrets: Result<Arc<dyn SecretStore>, SecretError>,
        demo: Option<Demo>,
        settings: SettingsStore,
    ) -> Self {
        AppState {
            session: tokio::sync::Mutex::new(None),
            profiles: Profiles::new(&config_dir),
            data_dir,
            secrets,
            demo,
            presence: Mutex::new(Presence::Offline),
            settings,
            provider: None,
            signed_in: AtomicBool::new(false),
        }
    }

    /// Records that a session opened or closed (closing also means offline).
    pub fn set_signed_in(&self, yes: bool) {
        self.signed_in.store(yes, Ordering::SeqCst);
        if !yes {
            *self.presence.lock().expect("presence lock") = Presence::Offline;
        }
    }

    /// Whether a session is open.
    pub fn signed_in(&self) -> bool {
        self.signed_in.load(Ordering::SeqCst)
    }

    /// The presence the expert chose last.
    pub fn presence(&self) -> Presence {
        *self.presence.lock().expect("presence lock")
    }

    /// The keyring, or a `keyring` error that says why not.
    pub fn secrets(&self) -> AppResult<Arc<dyn SecretStore>> {
        self.secrets.clone().map_err(AppError::from)
    }

    /// The signed-in client.
    pub async fn client(&self) -> AppResult<Client> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| s.client.clone())
            .ok_or_else(AppError::not_signed_in)
    }

    /// What `f` reads from the signed-in core session (a service to call, a snapshot); the
    /// session lock is held only while `f` runs.
    pub async fn core<T>(&self, f: impl FnOnce(&parlor_core::Session) -> T) -> AppResult<T> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| f(s.core()))
            .ok_or_else(AppError::not_signed_in)
    }

    /// Sends a core command through the signed-in client (its events also reach the page).
    pub async fn send(&self, cmd: impl Into<Request>) -> AppResult<Vec<DomainEvent>> {
        let client = self.client().await?;
        Ok(client.send(cmd).await?)
    }

    /// Sends a command whose answer must contain an event `pick` accepts.
    pub async fn ask<T>(
        &self,
        cmd: impl Into<Request>,
        pick: impl FnMut(DomainEvent) -> Option<T>,
    ) -> AppResult<T> {
        let cmd = cmd.into();
        let what = cmd.name();
        self.send(cmd)
            .await?
            .into_iter()
            .find_map(pick)
            .ok_or_else(|| {
                AppError::new(
                    "protocol",
                    format!("The app got no answer to {what}; try again."),
                )
            })
    }
}
