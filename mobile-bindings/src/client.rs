//! [`ParlorClient`]: one connection to one server, with the core's services attached.

use crate::error::ParlorError;
use crate::listeners::{
    EventListener, ExpertListListener, MessageListListener, SecretStore, StoredToken,
};
use crate::records::{
    events, ChatItem, Consultation, ConsultationKind, Event, ExpertItem, HistoryPage, Profile,
};
use crate::runtime::{run, TaskHandle, RUNTIME};

mod calls;
mod voice;

use parlor_core::calls::CallService;
use parlor_core::messaging::Messenger;
use parlor_core::observe::ListChange;
use parlor_core::{
    Client, Command, ConsultationService, DomainEvent, ExpertDirectory, Request, Session,
    SessionError,
};
use std::path::PathBuf;
use std::str::FromStr;
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

fn money(rate: Option<String>) -> Result<Option<rust_decimal::Decimal>, ParlorError> {
    rate.map(|r| rust_decimal::Decimal::from_str(r.trim()).map_err(ParlorError::invalid))
        .transpose()
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

    /// The connection state now: `connecting`, `connected`, `reconnecting`,
    /// `disconnected`, `auth_failed` (the core's names).
    pub fn connection_state(&self) -> String {
        let v = serde_json::to_value(self.client.state()).unwrap_or_default();
        v.get("state")
            .and_then(|s| s.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| crate::records::tag(&v))
    }

    /// What this server can do (`calls`, `agora`, `live_billing` …).
    pub fn capabilities(&self) -> Vec<String> {
        self.client
            .capabilities()
            .iter()
            .map(crate::records::tag)
            .collect()
    }

    /// Waits until connected, or fails (refused credentials, timeout).
    pub async fn wait_connected(&self, timeout_ms: u64) -> Result<(), ParlorError> {
        let c = self.client.clone();
        run(async move { Ok(c.wait_connected(Duration::from_millis(timeout_ms)).await?) }).await
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
                listener.on_event(Event::from(&e));
            }
        })
    }

    /// Any core command as JSON (the `cmd`-tagged format of `parlor connect`); returns the
    /// events of its direct answer. Reaches every command, typed method or not.
    pub async fn send_command_json(&self, json: String) -> Result<Vec<Event>, ParlorError> {
        let cmd: Request = serde_json::from_str(&json).map_err(ParlorError::invalid)?;
        self.send(cmd).await
    }

    // ----- consultations, meter, wallet -----

    /// User: ask an expert for a consultation. `rate_per_minute` as a decimal string where
    /// the dialect wants it (001).
    pub async fn request_consultation(
        &self,
        expert_id: String,
        kind: ConsultationKind,
        rate_per_minute: Option<String>,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::RequestConsultation {
            expert_id,
            kind: kind.into(),
            rate_per_minute: money(rate_per_minute)?,
        })
        .await
    }

    /// Expert: accept or decline a request.
    pub async fn answer_consultation(
        &self,
        consultation_id: String,
        accept: bool,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::AnswerConsultation {
            consultation_id,
            accept,
        })
        .await
    }

    /// Start billing an accepted consultation.
    pub async fn start_consultation(
        &self,
        consultation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::StartConsultation { consultation_id })
            .await
    }

    /// Pause billing.
    pub async fn pause_consultation(
        &self,
        consultation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::PauseConsultation { consultation_id })
            .await
    }

    /// Resume billing.
    pub async fn resume_consultation(
        &self,
        consultation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::ResumeConsultation { consultation_id })
            .await
    }

    /// End a consultation; the bill arrives in `consultation_ended` and in
    /// [`Self::consultations`].
    pub async fn end_consultation(
        &self,
        consultation_id: String,
        rate_per_minute: Option<String>,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::EndConsultation {
            consultation_id,
            rate_per_minute: money(rate_per_minute)?,
            duration_minutes: None,
        })
        .await
    }

    /// Every known consultation with its live meter (current first, then history).
    pub fn consultations(&self) -> Vec<Consultation> {
        self.consultations
            .list()
            .iter()
            .map(Consultation::from)
            .collect()
    }

    /// One consultation with its live meter.
    pub fn consultation(&self, consultation_id: String) -> Option<Consultation> {
        self.consultations
            .get(&consultation_id)
            .as_ref()
            .map(Consultation::from)
    }

    /// The wallet as last reported by the server (decimal string), when known.
    pub fn wallet_balance(&self) -> Option<String> {
        self.consultations
            .list()
            .iter()
            .find_map(|c| c.meter.balance.as_ref().map(|b| b.amount.to_string()))
    }

    // ----- presence -----

    /// Expert: go online or offline.
    pub async fn set_presence(&self, online: bool) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::SetPresence { online }).await
    }

    /// The experts online now.
    pub fn experts(&self) -> Vec<ExpertItem> {
        self.directory
            .snapshot()
            .iter()
            .map(ExpertItem::from)
            .collect()
    }

    /// Observes the online experts: the list now, then each change, until `cancel()`.
    pub fn observe_experts(&self, listener: Arc<dyn ExpertListListener>) -> Arc<TaskHandle> {
        // The core keeps the list (snapshot, then changes; a fresh snapshot after a lag).
        let mut list = self.directory.observe(&self.client);
        TaskHandle::spawn(async move {
            listener.on_snapshot(list.take_snapshot().iter().map(ExpertItem::from).collect());
            while let Some(change) = list.next_change().await {
                match change {
                    ListChange::Reset(all) => {
                        listener.on_snapshot(all.iter().map(ExpertItem::from).collect())
                    }
                    ListChange::Set(expert) => listener.on_update((&expert).into()),
                    ListChange::Remove(id) => listener.on_remove(id),
                    _ => {}
                }
            }
        })
    }

    // ----- messaging -----

    /// Join a conversation's room (needed before sending in most dialects).
    pub async fn join_conversation(
        &self,
        conversation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::JoinConversation { conversation_id })
            .await
    }

    /// Sends a text through the persistent outbox: it is in the cache (state `pending`) when
    /// this returns and is delivered when connected, retried on transient failures.
    pub async fn send_message(
        &self,
        conversation_id: String,
        text: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::SendMessage {
            conversation_id,
            client_id: uuid::Uuid::new_v4().to_string(),
            text: Some(text),
            reply_to: None,
            file_id: None,
        })
        .await
    }

    /// A page of a conversation's history from the local cache (works offline): the
    /// `limit` messages before `before` (a `local_id`), or the latest.
    pub fn history(
        &self,
        conversation_id: String,
        before: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, ParlorError> {
        let (messages, has_more) = self
            .messenger
            .cache()
            .page(&conversation_id, before, limit)?;
        Ok(HistoryPage {
            messages: messages.iter().map(ChatItem::from).collect(),
            has_more,
        })
    }

    /// Full-text search in the cache, in one conversation or all.
    pub fn search_messages(
        &self,
        query: String,
        conversation_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<ChatItem>, ParlorError> {
        let found = self
            .messenger
            .cache()
            .search(&query, conversation_id.as_deref(), limit)?;
        Ok(found.iter().map(ChatItem::from).collect())
    }

    /// Observes one conversation: its latest `limit` messages, then every message that
    /// appears or changes, until `cancel()`.
    pub fn observe_messages(
        &self,
        conversation_id: String,
        limit: u32,
        listener: Arc<dyn MessageListListener>,
    ) -> Result<Arc<TaskHandle>, ParlorError> {
        // The core keeps the list (the page, then changes; the page again after a discard or
        // a lag).
        let mut list = self
            .messenger
            .observe_conversation(&conversation_id, limit)?;
        Ok(TaskHandle::spawn(async move {
            listener.on_snapshot(list.take_snapshot().iter().map(ChatItem::from).collect());
            while let Some(change) = list.next_change().await {
                match change {
                    ListChange::Reset(all) => {
                        listener.on_snapshot(all.iter().map(ChatItem::from).collect())
                    }
                    ListChange::Set(message) => listener.on_change((&message).into()),
                    // Messages leave a page only by a discard, which comes as a reset.
                    _ => {}
                }
            }
        }))
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
