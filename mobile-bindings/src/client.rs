//! [`ParlorClient`]: one connection to one server, with the core's services attached.

use crate::error::{report, ParlorError};
use crate::events::{events, Event};
use crate::listeners::{EventListener, SecretStore, StoredToken};
use crate::records::{Capability, ConnectionState, Profile};
use crate::runtime::{run, TaskHandle, RUNTIME};

mod calls;
mod consultations;
mod messaging;
mod push;
mod voice;

use parlor_core::calls::CallService;
use parlor_core::messaging::Messenger;
use parlor_core::{
    Client, ConsultationService, DomainEvent, ExpertDirectory, Request, Session, SessionError,
};
pub use push::PushPlatform;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
pub use voice::VoiceUpload;

/// A signed-in connection to one marketplace server, with the consultation meter, the
/// expert directory, the message outbox and cache, and the call state machine attached.
#[derive(uniffi::Object)]
pub struct ParlorClient {
    client: Client,
    consultations: Arc<ConsultationService>,
    directory: Arc<ExpertDirectory>,
    messenger: Arc<Messenger>,
    calls: Option<CallService>,
    /// Kept alive with the client (voice notes live here, where the server takes them).
    session: Session,
}

#[uniffi::export(async_runtime = "tokio")]
impl ParlorClient {
    /// Starts connecting to `profile`'s server in the background (the client works offline
    /// and reconnects by itself). The token is read from `secrets` under `token_key` before
    /// every connection attempt. The cache (messages, outbox, consultations, call history)
    /// lives under `data_dir`, one database per account and server.
    #[uniffi::constructor]
    pub fn connect(
        profile: Profile,
        secrets: Arc<dyn SecretStore>,
        token_key: String,
        data_dir: String,
    ) -> Result<Arc<ParlorClient>, ParlorError> {
        let profile: parlor_core::ServerProfile = profile.try_into()?;
        let dir = PathBuf::from(data_dir);
        std::fs::create_dir_all(&dir).map_err(ParlorError::invalid)?;
        let _rt = RUNTIME.enter();
        // Signalling only: the app's native LiveKit / Agora SDK joins the media with the
        // credentials carried by `call_accepted` / `agora_join_ready`. Voice notes where the
        // server takes them, beside this account's database.
        let tokens = Arc::new(StoredToken {
            store: secrets,
            key: token_key,
        });
        let session = Session::builder(profile, tokens)
            .data_dir(dir)
            .build()
            .map_err(|e| match e {
                SessionError::Client(e) => ParlorError::from(e),
                SessionError::Store(e) => ParlorError::from(e),
                SessionError::Voice(e) => ParlorError::from(parlor_core::voice::to_error(e)),
                other => ParlorError::Internal {
                    detail: other.to_string(),
                },
            })?;
        let messenger = session
            .messenger
            .clone()
            .ok_or_else(|| ParlorError::invalid("the session has no message cache"))?;
        Ok(Arc::new(ParlorClient {
            client: session.client.clone(),
            consultations: session.consultations.clone(),
            directory: session.directory.clone(),
            messenger,
            calls: session.calls.clone(),
            session,
        }))
    }

    /// The profile this client was made from.
    pub fn profile(&self) -> Profile {
        Profile::from(self.client.profile())
    }

    /// The connection state now.
    pub fn connection_state(&self) -> ConnectionState {
        (&self.client.state()).into()
    }

    /// What this server can do.
    pub fn capabilities(&self) -> Vec<Capability> {
        self.client
            .capabilities()
            .iter()
            .map(|c| Capability::from(*c))
            .collect()
    }

    /// Waits until connected, or fails (refused credentials, `timeout`).
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), ParlorError> {
        let c = self.client.clone();
        run(async move { Ok(c.wait_connected(timeout).await?) }).await
    }

    /// Closes the connection for good.
    pub async fn disconnect(&self) -> Result<(), ParlorError> {
        let c = self.client.clone();
        run(async move {
            c.disconnect().await;
            Ok(())
        })
        .await
    }

    /// Every domain event from now on (the first is the current connection state), until
    /// `cancel()`.
    pub fn subscribe(&self, listener: Arc<dyn EventListener>) -> Arc<TaskHandle> {
        let mut stream = self.client.subscribe();
        TaskHandle::spawn(async move {
            while let Some(e) = stream.recv().await {
                report(listener.on_event(Event::from(&e)));
            }
        })
    }

    /// Any core command as JSON (the `cmd`-tagged format of `parlor connect`); returns the
    /// events of its direct answer. The escape hatch for commands without a typed method.
    pub async fn send_command_json(&self, json: String) -> Result<Vec<Event>, ParlorError> {
        let cmd: Request = serde_json::from_str(&json).map_err(ParlorError::invalid)?;
        self.send(cmd).await
    }
}

impl ParlorClient {
    async fn send(&self, cmd: impl Into<Request>) -> Result<Vec<Event>, ParlorError> {
        Ok(events(&self.send_raw(cmd).await?))
    }

    async fn send_raw(&self, cmd: impl Into<Request>) -> Result<Vec<DomainEvent>, ParlorError> {
        let c = self.client.clone();
        let cmd = cmd.into();
        run(async move { Ok(c.send(cmd).await?) }).await
    }
}
