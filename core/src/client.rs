//! The `Client` handle: one connection to one server, in its dialect. Cheap to clone.
//! Commands go out through [`Client::send`]; everything the server says, and every change of
//! connection state, comes back as [`DomainEvent`]s on [`Client::subscribe`] streams.

use crate::command::Command;
use crate::dialect::{
    dialect_for, raw_of_args, Capability, Dialect, DialectContext, DialectId, Outbound,
};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::profile::ServerProfile;
use crate::token::SharedTokenSource;
use crate::transport::{ConnectionState, Inbound, RestClient, RestError, Socket};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tracing::debug;

/// A stream of domain events. Unbounded: a slow reader never stalls the socket.
pub struct EventStream(mpsc::UnboundedReceiver<DomainEvent>);

impl EventStream {
    /// The next event, or `None` once the client is gone.
    pub async fn recv(&mut self) -> Option<DomainEvent> {
        self.0.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<DomainEvent> {
        self.0.try_recv().ok()
    }
}

impl futures_util::Stream for EventStream {
    type Item = DomainEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<DomainEvent>> {
        self.0.poll_recv(cx)
    }
}

/// A domain service attached to a client (the consultation meter, the message outbox, the
/// call state machine …): it sees every published event first, in order, and may claim
/// commands before they reach the dialect.
pub trait Service: Send + Sync + 'static {
    /// Called for every event the client publishes, on the publishing task: must not block.
    /// Returns events derived from it, published right after it.
    fn observe(&self, _event: &DomainEvent) -> Vec<DomainEvent> {
        Vec::new()
    }

    /// Claims `cmd` (returning the future that performs it) or lets it through (`None`).
    fn handle(
        &self,
        _cmd: &Command,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        None
    }
}

/// Derived events may derive further events, but not without end.
const MAX_DERIVATION_DEPTH: usize = 4;

struct Inner {
    profile: ServerProfile,
    dialect: Box<dyn Dialect>,
    socket: Socket,
    rest: Option<RestClient>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<DomainEvent>>>,
    services: RwLock<Vec<Arc<dyn Service>>>,
}

impl Inner {
    fn publish(&self, event: &DomainEvent) {
        self.publish_at_depth(event, 0);
    }

    fn publish_at_depth(&self, event: &DomainEvent, depth: usize) {
        let services: Vec<Arc<dyn Service>> = self.services.read().expect("services lock").clone();
        let derived: Vec<DomainEvent> = services.iter().flat_map(|s| s.observe(event)).collect();
        {
            let mut subs = self.subscribers.lock().expect("subscribers lock");
            subs.retain(|tx| tx.send(event.clone()).is_ok());
        }
        if depth < MAX_DERIVATION_DEPTH {
            for d in &derived {
                self.publish_at_depth(d, depth + 1);
            }
        }
    }
}

/// A client handle that does not keep the client alive (services hold this one).
#[derive(Clone)]
pub struct WeakClient(Weak<Inner>);

impl WeakClient {
    /// The client, if it still exists.
    pub fn upgrade(&self) -> Option<Client> {
        self.0.upgrade().map(|inner| Client { inner })
    }
}

/// A connection to one server. Clone it freely; the connection closes when the last clone is
/// dropped or [`Client::disconnect`] is called.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Starts connecting to `profile`'s server (in the background: the client works offline
    /// and reconnects by itself). Must be called inside a tokio runtime.
    pub fn connect(profile: ServerProfile, tokens: SharedTokenSource) -> Result<Client, Error> {
        profile.validate()?;
        let dialect = dialect_for(
            profile.dialect,
            &DialectContext {
                namespace: profile.namespace.clone(),
                account_id: profile.account_id.clone(),
            },
        );
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
        });
        tokio::spawn(pump(Arc::downgrade(&inner), inbound));
        Ok(Client { inner })
    }

    /// A new stream of events. Its first event is the current connection state.
    pub fn subscribe(&self) -> EventStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(DomainEvent::Connection {
            state: self.state(),
        });
        self.inner
            .subscribers
            .lock()
            .expect("subscribers lock")
            .push(tx);
        EventStream(rx)
    }

    /// The connection state now.
    pub fn state(&self) -> ConnectionState {
        self.inner.socket.state()
    }

    /// Waits until connected (or fails when the server refuses us or `timeout` passes).
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), Error> {
        Ok(self.inner.socket.wait_connected(timeout).await?)
    }

    /// The profile this client was made from.
    pub fn profile(&self) -> &ServerProfile {
        &self.inner.profile
    }

    /// The dialect spoken.
    pub fn dialect(&self) -> DialectId {
        self.inner.dialect.id()
    }

    /// What this server can do.
    pub fn capabilities(&self) -> &'static [Capability] {
        self.inner.dialect.capabilities()
    }

    /// Attaches a service: from now on it observes every event and may claim commands.
    pub fn attach(&self, service: Arc<dyn Service>) {
        self.inner
            .services
            .write()
            .expect("services lock")
            .push(service);
    }

    /// A handle that does not keep this client alive.
    pub fn downgrade(&self) -> WeakClient {
        WeakClient(Arc::downgrade(&self.inner))
    }

    /// Publishes an event to services and subscribers (services use it for events they
    /// produce on their own, such as the meter's per-second updates).
    pub fn publish(&self, event: DomainEvent) {
        self.inner.publish(&event);
    }

    /// Sends a command: an attached service may perform it (the outbox sends messages, the
    /// meter answers for consultations); otherwise the dialect encodes it for the server.
    /// Returns the events of the direct answer (ack or REST body), which are also published;
    /// events the server sends later arrive on the streams only.
    pub async fn send(&self, cmd: Command) -> Result<Vec<DomainEvent>, Error> {
        let claimed = {
            let services = self.inner.services.read().expect("services lock");
            services.iter().find_map(|s| s.handle(&cmd))
        };
        match claimed {
            Some(work) => work.await,
            None => self.send_to_server(cmd).await,
        }
    }

    /// Sends a command straight to the server through the dialect, bypassing services (the
    /// services themselves use this to deliver).
    pub async fn send_to_server(&self, cmd: Command) -> Result<Vec<DomainEvent>, Error> {
        let outbound = self.inner.dialect.encode(&cmd)?;
        let mut answers = Vec::new();
        for out in &outbound {
            let events = self.perform(out).await?;
            for e in &events {
                self.inner.publish(e);
            }
            answers.extend(events);
        }
        Ok(answers)
    }

    async fn perform(&self, out: &Outbound) -> Result<Vec<DomainEvent>, Error> {
        match out {
            Outbound::Emit { event, arg } => {
                self.inner.socket.emit(event, args_of(arg)).await?;
                Ok(vec![])
            }
            Outbound::Request { event, arg, .. } => {
                let answer = self.inner.socket.request(event, args_of(arg), None).await?;
                Ok(self
                    .inner
                    .dialect
                    .decode_reply(out, &raw_of_args(&answer))?)
            }
            Outbound::Rest { request, .. } => {
                let rest = self.inner.rest.as_ref().ok_or(RestError::NoBaseUrl)?;
                let body = rest.send(request).await?;
                Ok(self.inner.dialect.decode_reply(out, &body)?)
            }
        }
    }

    /// The REST client of this profile, for uploads the dialect describes.
    pub fn rest(&self) -> Option<&RestClient> {
        self.inner.rest.as_ref()
    }

    /// Closes the connection for good.
    pub async fn disconnect(&self) {
        self.inner.socket.shutdown().await;
    }
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

/// A socket argument list from one JSON argument (`null` means none).
fn args_of(arg: &Value) -> Vec<Value> {
    match arg {
        Value::Null => vec![],
        other => vec![other.clone()],
    }
}

/// Decodes what the socket delivers and publishes it. Holds the client weakly so that dropping
/// the last `Client` shuts everything down.
async fn pump(inner: Weak<Inner>, mut inbound: mpsc::UnboundedReceiver<Inbound>) {
    while let Some(item) = inbound.recv().await {
        let Some(inner) = inner.upgrade() else { break };
        match item {
            Inbound::State(state) => inner.publish(&DomainEvent::Connection { state }),
            Inbound::Event { name, args } => {
                if let Some(message) = inner.dialect.auth_rejection(&name, &args) {
                    inner.socket.reject_auth(message);
                    continue;
                }
                match inner.dialect.decode(&name, &args) {
                    Ok(events) => events.iter().for_each(|e| inner.publish(e)),
                    Err(p) => {
                        debug!(event = %p.event, reason = %p.reason, "protocol error");
                        inner.publish(&DomainEvent::ProtocolError {
                            wire_event: p.event,
                            reason: p.reason,
                            raw: p.raw,
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::StaticToken;
    use futures_util::FutureExt;

    /// Claims typing commands and derives a server error from every typing event.
    struct Echo;

    impl Service for Echo {
        fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
            match event {
                DomainEvent::TypingChanged { .. } => vec![DomainEvent::ServerError {
                    code: None,
                    message: "derived".into(),
                    source: "echo".into(),
                }],
                _ => vec![],
            }
        }
        fn handle(
            &self,
            cmd: &Command,
        ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
            matches!(cmd, Command::SetTyping { .. }).then(|| async { Ok(vec![]) }.boxed())
        }
    }

    #[tokio::test]
    async fn services_claim_commands_and_derive_events_in_order() {
        // Nothing listens on port 9: the client stays offline, which services do not need.
        let client = Client::connect(
            ServerProfile::new(DialectId::TarotChat, "http://127.0.0.1:9"),
            Arc::new(StaticToken::new("t")),
        )
        .unwrap();
        client.attach(Arc::new(Echo));
        let mut events = client.subscribe();
        let _ = events.recv().await; // the current state
        assert_eq!(
            client
                .send(Command::SetTyping {
                    conversation_id: "c".into(),
                    typing: true
                })
                .await,
            Ok(vec![])
        );
        // Unclaimed commands reach the dialect (and fail offline).
        assert_eq!(
            client
                .send(Command::JoinConversation {
                    conversation_id: "c".into()
                })
                .await
                .unwrap_err()
                .code(),
            "not_connected"
        );
        client.publish(DomainEvent::TypingChanged {
            conversation_id: None,
            user: Default::default(),
            typing: true,
        });
        let mut seen = Vec::new();
        while let Ok(Some(e)) =
            tokio::time::timeout(Duration::from_millis(200), events.recv()).await
        {
            if !matches!(e, DomainEvent::Connection { .. }) {
                seen.push(e.name());
            }
        }
        assert_eq!(seen, vec!["typing_changed", "server_error"]);
        // Services hold the client weakly: dropping the client drops it.
        let weak = client.downgrade();
        drop(client);
        assert!(weak.upgrade().is_none());
    }
}
