//! A session: one [`Client`] with every service its server supports, wired in one place.
//! The desktop shell, the mobile bindings and the harness build theirs here and only adapt
//! the result; what a session holds depends on the server's capabilities, never on which
//! dialect it speaks.
//!
//! ```no_run
//! # fn demo() -> Result<(), parlor_core::session::SessionError> {
//! use parlor_core::session::Session;
//! use parlor_core::{DialectId, ServerProfile, StaticToken};
//! use std::sync::Arc;
//! let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:5003");
//! let session = Session::builder(profile, Arc::new(StaticToken::new("jwt")))
//!     .data_dir("/tmp/parlor".into())
//!     .build()?;
//! assert!(session.messenger.is_some());
//! # Ok(()) }
//! ```

use crate::calls::{self, CallService, MediaEngine};
use crate::client::{Client, EventStream};
use crate::consultation::ConsultationService;
use crate::dialect::{Dialect, DialectContext, DialectName, DialectRegistry};
use crate::error::Error;
use crate::messaging::{Messenger, MessengerConfig};
use crate::presence::ExpertDirectory;
use crate::presence_keeper::PresenceKeeper;
use crate::profile::ServerProfile;
use crate::store::{Store, StoreError};
use crate::token::SharedTokenSource;
#[cfg(feature = "voice")]
use crate::voice::{
    outbox::VoiceOutboxConfig,
    service::{VoiceNotes, VoiceNotesConfig},
    VoiceError,
};
#[cfg(feature = "voice")]
use crate::Capability;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a session could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The profile or the connection setup was refused.
    #[error(transparent)]
    Client(#[from] Error),
    /// The local cache could not be opened (another process owns it, the disk refused, …).
    #[error("the local message cache could not be opened: {0}")]
    Store(#[from] StoreError),
    /// Voice notes could not start (their folders could not be made, …).
    #[cfg(feature = "voice")]
    #[error("voice notes are unavailable: {0}")]
    Voice(#[from] VoiceError),
}

/// What a session is made of; see [`Session::builder`].
pub struct SessionBuilder {
    profile: ServerProfile,
    tokens: SharedTokenSource,
    data_dir: Option<PathBuf>,
    store: Option<Store>,
    calls_store: Option<Store>,
    media: Option<Arc<dyn MediaEngine>>,
    calls: bool,
    messenger: MessengerConfig,
    #[cfg(feature = "voice")]
    voice_dir: Option<PathBuf>,
    early_events: bool,
    dialect: Option<Arc<dyn Dialect>>,
    registry: DialectRegistry,
}

/// One client and the services attached to it.
pub struct Session {
    /// The connection to the server.
    pub client: Client,
    /// Consultations (requests, the meter, bills), kept in the cache when there is one.
    pub consultations: Arc<ConsultationService>,
    /// The online experts.
    pub directory: Arc<ExpertDirectory>,
    /// Tells the server the expert's presence again after every reconnection.
    pub presence: Arc<PresenceKeeper>,
    /// Chat with its offline cache and outbox: only with a cache.
    pub messenger: Option<Arc<Messenger>>,
    /// Calls, where the server has them (and calls were not switched off).
    pub calls: Option<CallService>,
    /// Voice notes, where the server takes them and they have a folder (feature `voice`).
    #[cfg(feature = "voice")]
    pub voice: Option<VoiceNotes>,
    /// Every event from before the services attached, when asked for
    /// ([`SessionBuilder::subscribe_early`]): nothing they publish at the start is lost.
    pub early_events: Option<EventStream>,
}

impl Session {
    /// A session for `profile`, signing in with `tokens`. Without a cache
    /// ([`data_dir`](SessionBuilder::data_dir) or [`store`](SessionBuilder::store)) it has no
    /// messenger and keeps nothing.
    ///
    /// A chat app's session: connect, join, send through the outbox, read what arrives
    /// (`core/examples/chat.rs` is the same, runnable against a reference server).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use parlor_core::{Command, DialectId, DomainEvent, ServerProfile, Session, StaticToken};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// let mut profile = ServerProfile::new(DialectId::SupportChat, "https://support.example.com");
    /// profile.account_id = Some("1".into());
    /// let session = Session::builder(profile, Arc::new(StaticToken::new("jwt")))
    ///     .data_dir(parlor_core::store::default_data_dir())
    ///     .build()?;
    /// let mut events = session.client.subscribe();
    /// session.client.wait_connected(Duration::from_secs(10)).await?;
    /// session.client.send(Command::JoinConversation { conversation_id: "chat-1".into() }).await?;
    /// let messenger = session.messenger.as_ref().ok_or("no cache")?;
    /// let sent = messenger.send_text("chat-1", "hello")?.settled(Duration::from_secs(10)).await?;
    /// println!("{}: {}", sent.state.as_str(), sent.server_id.unwrap_or_default());
    /// while let Some(event) = events.recv().await {
    ///     if let DomainEvent::ChatMessageChanged { message } = event {
    ///         println!("{:?}: {:?}", message.sender.name, message.text);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn builder(profile: ServerProfile, tokens: SharedTokenSource) -> SessionBuilder {
        SessionBuilder {
            profile,
            tokens,
            data_dir: None,
            store: None,
            calls_store: None,
            media: None,
            calls: true,
            messenger: MessengerConfig::default(),
            #[cfg(feature = "voice")]
            voice_dir: None,
            early_events: false,
            dialect: None,
            registry: DialectRegistry::builtin(),
        }
    }
}

impl SessionBuilder {
    /// Keeps the cache under `dir`, in the one database of this server and account (the
    /// profile's `account_id`, else `default`); a second process gets a clear error.
    pub fn data_dir(mut self, dir: PathBuf) -> Self {
        self.data_dir = Some(dir);
        self
    }

    /// Keeps the cache in `store` (instead of [`data_dir`](Self::data_dir)).
    pub fn store(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Keeps the call history in `store` when the session has no cache of its own.
    pub fn calls_store(mut self, store: Store) -> Self {
        self.calls_store = Some(store);
        self
    }

    /// The engine that joins call media (LiveKit, the loopback of the tests); without one the
    /// session does the signalling only and the app joins the media itself.
    pub fn media_engine(mut self, engine: Arc<dyn MediaEngine>) -> Self {
        self.media = Some(engine);
        self
    }

    /// No call service, even where the server has calls (a driver that sends call commands
    /// raw, to see what the server does with them).
    pub fn without_calls(mut self) -> Self {
        self.calls = false;
        self
    }

    /// How the messenger confirms and retries.
    pub fn messenger_config(mut self, config: MessengerConfig) -> Self {
        self.messenger = config;
        self
    }

    /// Where voice notes wait to be sent and downloads are kept; by default beside the cache's
    /// database (no voice notes without either).
    #[cfg(feature = "voice")]
    pub fn voice_dir(mut self, dir: PathBuf) -> Self {
        self.voice_dir = Some(dir);
        self
    }

    /// Speaks `dialect`, whatever the profile names: an app team's own implementation for
    /// its server ([`Client::connect_with`]).
    pub fn dialect(mut self, dialect: Arc<dyn Dialect>) -> Self {
        self.dialect = Some(dialect);
        self
    }

    /// Registers `factory` as the dialect `name` for this session, beside the built-in ones
    /// (or in place of one): a profile whose `dialect` is `name` speaks it.
    pub fn register_dialect(
        mut self,
        name: DialectName,
        factory: impl Fn(&DialectContext) -> Arc<dyn Dialect> + Send + Sync + 'static,
    ) -> Self {
        self.registry.register(name, factory);
        self
    }

    /// Subscribes before any service attaches (see [`Session::early_events`]).
    pub fn subscribe_early(mut self) -> Self {
        self.early_events = true;
        self
    }

    /// Opens the cache, connects (the connection comes up in the background) and attaches the
    /// services the server supports. Call inside a tokio runtime.
    ///
    /// Building needs no server: the session works offline and connects when it can. What it
    /// holds follows the server's capabilities:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), parlor_core::SessionError> {
    /// use parlor_core::{DialectId, ServerProfile, Session, StaticToken};
    /// use std::sync::Arc;
    /// // Nothing listens on port 9: the client keeps trying in the background.
    /// let profile = ServerProfile::new(DialectId::Telecaller, "http://127.0.0.1:9");
    /// let session = Session::builder(profile, Arc::new(StaticToken::new("jwt"))).build()?;
    /// assert!(session.calls.is_some(), "004 has calls");
    /// assert!(session.messenger.is_none(), "no cache, no messenger");
    /// assert!(!session.client.state().is_connected());
    /// assert!(session.consultations.list().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn build(self) -> Result<Session, SessionError> {
        let store = match (self.store, &self.data_dir) {
            (Some(store), _) => Some(store),
            (None, Some(dir)) => {
                let account = self.profile.account_id.as_deref().unwrap_or("default");
                Some(Store::open_for(dir, &self.profile, account)?)
            }
            (None, None) => None,
        };
        let minute = self.profile.billing_minute_ms;
        let client = match self.dialect {
            Some(dialect) => Client::connect_with(self.profile, self.tokens, dialect)?,
            None => Client::connect_in(&self.registry, self.profile, self.tokens)?,
        };
        let early_events = self.early_events.then(|| client.subscribe());
        // Calls first: its Agora service watches consultation events; no two services claim
        // the same command, so the order of the others does not matter.
        let calls = if self.calls {
            let history = store.clone().or(self.calls_store);
            calls::attach(&client, self.media, history)
        } else {
            None
        };
        let consultations = ConsultationService::attach(&client, store.clone(), minute);
        let directory = ExpertDirectory::attach(&client);
        let presence = PresenceKeeper::attach(&client);
        #[cfg(feature = "voice")]
        let voice = {
            let voice_dir = self
                .voice_dir
                .or_else(|| store.as_ref().map(|s| s.path().with_extension("voice")));
            let takes_voice =
                client.capabilities().contains(&Capability::VoiceNotes) && client.rest().is_some();
            match voice_dir {
                Some(dir) if takes_voice => Some(VoiceNotes::attach(
                    &client,
                    VoiceNotesConfig {
                        dir,
                        outbox: VoiceOutboxConfig::default(),
                    },
                )?),
                _ => None,
            }
        };
        let messenger = store.map(|store| Messenger::attach(&client, store, self.messenger));
        Ok(Session {
            client,
            consultations,
            directory,
            presence,
            messenger,
            calls,
            #[cfg(feature = "voice")]
            voice,
            early_events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DialectId;
    use crate::token::StaticToken;

    /// Nothing listens on port 9: the clients stay offline, which is all these tests need.
    fn builder(dialect: DialectId) -> SessionBuilder {
        let mut profile = ServerProfile::new(dialect, "http://127.0.0.1:9");
        profile.rest_url = Some("http://127.0.0.1:9".into());
        profile.account_id = Some("me".into());
        Session::builder(profile, Arc::new(StaticToken::new("t")))
    }

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "parlor-session-{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn what_a_session_holds_follows_the_servers_capabilities() {
        // 002 takes voice notes: with a cache, the notes live beside its database.
        let tarot = builder(DialectId::TarotChat)
            .data_dir(scratch("tarot"))
            .build()
            .unwrap();
        assert!(tarot.messenger.is_some());
        assert!(tarot.voice.is_some());
        assert!(tarot.calls.is_none());
        assert!(tarot.early_events.is_none());
        // 004 has calls; without a cache there is no messenger and nothing is kept.
        let calls = builder(DialectId::Telecaller)
            .subscribe_early()
            .build()
            .unwrap();
        assert!(calls.calls.is_some());
        assert!(calls.messenger.is_none());
        assert!(calls.voice.is_none());
        assert!(calls.early_events.is_some());
        let raw = builder(DialectId::Telecaller)
            .without_calls()
            .build()
            .unwrap();
        assert!(raw.calls.is_none());
        // 000 takes no voice notes, even with a folder for them.
        let billing = builder(DialectId::BillingChat)
            .voice_dir(scratch("billing"))
            .build()
            .unwrap();
        assert!(billing.voice.is_none());
    }

    #[tokio::test]
    async fn a_cache_that_cannot_be_opened_is_a_typed_error() {
        // A data dir below a plain file cannot be made.
        let file = scratch("file").join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let built = builder(DialectId::SupportChat)
            .data_dir(file.join("data"))
            .build();
        assert!(
            matches!(built, Err(SessionError::Store(_))),
            "{:?}",
            built.err()
        );
    }
}
