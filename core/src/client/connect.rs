//! Building a client: the dialect from the registry, the profile's overrides around it, TLS,
//! the REST client and the supervised socket.

use super::*;

impl Client {
    /// Starts connecting to `profile`'s server (in the background: the client works offline
    /// and reconnects by itself). Must be called inside a tokio runtime.
    /// Speaks the built-in dialect the profile names; see [`connect_in`](Self::connect_in)
    /// for an app's own.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), parlor_core::Error> {
    /// use parlor_core::model::ConsultationKind;
    /// use parlor_core::{Client, Command, DialectId, DomainEvent, ServerProfile, StaticToken};
    /// use std::sync::Arc;
    /// let mut profile = ServerProfile::new(DialectId::BillingChat, "https://chat.example.com");
    /// profile.account_id = Some("u-asha".into());
    /// let client = Client::connect(profile, Arc::new(StaticToken::new("jwt")))?;
    /// let mut events = client.subscribe();
    /// client.wait_connected(std::time::Duration::from_secs(10)).await?;
    /// // The direct answer comes back; later events arrive on the stream.
    /// let answer = client
    ///     .send(Command::RequestConsultation {
    ///         expert_id: "a-sharma".into(),
    ///         kind: ConsultationKind::Text,
    ///         rate_per_minute: None,
    ///     })
    ///     .await?;
    /// println!("answered with {} events", answer.len());
    /// while let Some(event) = events.recv().await {
    ///     match event {
    ///         DomainEvent::ConsultationAnswered { outcome, .. } => println!("{outcome:?}"),
    ///         DomainEvent::Connection { state } => println!("link: {state:?}"),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn connect(profile: ServerProfile, tokens: SharedTokenSource) -> Result<Client, Error> {
        Self::connect_in(&DialectRegistry::builtin(), profile, tokens)
    }

    /// Like [`connect`](Self::connect), speaking the dialect `registry` has under the
    /// profile's name: a built-in one, or an app team's own registered beside them.
    pub fn connect_in(
        registry: &DialectRegistry,
        profile: ServerProfile,
        tokens: SharedTokenSource,
    ) -> Result<Client, Error> {
        let ctx = DialectContext {
            namespace: profile.namespace.clone(),
            account_id: profile.account_id.clone(),
        };
        let dialect = registry.create(&profile.dialect, &ctx).map_err(|_| {
            let known: Vec<&str> = registry.names().map(|n| n.as_str()).collect();
            Error::InvalidInput(format!(
                "no dialect is registered as {:?} (registered: {})",
                profile.dialect.as_str(),
                known.join(", ")
            ))
        })?;
        Self::connect_with(profile, tokens, dialect)
    }

    /// Like [`connect`](Self::connect), speaking `dialect`: an app team's own implementation
    /// of [`Dialect`] for a server that is not one of the five (see `core/examples/`). The
    /// profile's `dialect` names it (the cache's path), and its `[events]` renames and
    /// `[fields]` moves apply to it too.
    pub fn connect_with(
        profile: ServerProfile,
        tokens: SharedTokenSource,
        dialect: Arc<dyn Dialect>,
    ) -> Result<Client, Error> {
        profile.validate()?;
        let plain =
            profile.events.is_empty() && profile.fields.is_empty() && profile.rest_paths.is_empty();
        let dialect: Arc<dyn Dialect> = if plain {
            dialect
        } else {
            let invalid = |e: String| ProfileError::Invalid(e);
            let fields = FieldMoves::new(&profile.fields).map_err(|e| invalid(e.to_string()))?;
            let rest = RestMoves::new(&profile.rest_paths).map_err(|e| invalid(e.to_string()))?;
            Arc::new(Overridden::new(dialect, &profile.events, fields, rest))
        };
        let extra_root = profile.trusted_certificate_pem()?;
        let rest = match &profile.rest_url {
            Some(url) => Some(RestClient::new(
                url.clone(),
                tokens.clone(),
                extra_root.as_deref(),
            )?),
            None => None,
        };
        let mut config = profile.socket_config();
        config.login = Some(login_watch(dialect.clone()));
        config.tls = match &extra_root {
            Some(pem) => {
                let cert = native_tls::Certificate::from_pem(pem)?;
                Some(
                    native_tls::TlsConnector::builder()
                        .add_root_certificate(cert)
                        .build()?,
                )
            }
            // rust_socketio would build a connector (loading every system root) per
            // connection; one shared connector serves every wss:// client of the process.
            None if profile.socket_url.starts_with("https")
                || profile.socket_url.starts_with("wss") =>
            {
                Some(shared_tls()?)
            }
            None => None,
        };
        let (socket, inbound) = Socket::start(config, tokens);
        let inner = Arc::new(Inner {
            profile,
            dialect,
            socket,
            rest,
            subscribers: Mutex::new(Vec::new()),
            services: RwLock::new(Vec::new()),
            raw_subscribers: Mutex::new(Vec::new()),
            delivered: tokio::sync::watch::channel(0).0,
        });
        tokio::spawn(pump(Arc::downgrade(&inner), inbound));
        Ok(Client { inner })
    }
}

/// The transport's reading of login events, from the dialect: a refusal event ends the login
/// at any time; where the dialect names a confirming event, `connected` waits for it.
fn login_watch(dialect: Arc<dyn Dialect>) -> LoginWatch {
    let confirmation = dialect.login_confirmation();
    LoginWatch::new(confirmation.is_some(), move |event, args| {
        if Some(event) == confirmation {
            return Some(LoginVerdict::Accepted);
        }
        dialect
            .auth_rejection(event, args)
            .map(LoginVerdict::Refused)
    })
}

/// The process-wide TLS connector with the system's roots (cheap to clone: shared context).
fn shared_tls() -> Result<native_tls::TlsConnector, Error> {
    static SHARED: std::sync::OnceLock<native_tls::TlsConnector> = std::sync::OnceLock::new();
    if let Some(c) = SHARED.get() {
        return Ok(c.clone());
    }
    let built = native_tls::TlsConnector::new()?;
    Ok(SHARED.get_or_init(|| built).clone())
}
