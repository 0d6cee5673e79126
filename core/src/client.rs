//! The `Client` handle: one connection to one server, in its dialect. Cheap to clone.
//! Commands go out through [`Client::send`]; everything the server says, and every change of
//! connection state, comes back as [`DomainEvent`]s on [`Client::subscribe`] streams.
//!
//! Delivery survives bugs: each service's `observe` and `handle` runs under `catch_unwind`, so
//! a panic (a bug, or a hostile value reaching an unchecked path) becomes an `internal_error`
//! [`DomainEvent::ServerError`] naming the service and carrying the event, and the events after
//! it still arrive. Memory stays bounded: a subscriber that falls
//! [`DEFAULT_SUBSCRIBER_CAPACITY`] events behind loses the oldest ([`EventStream`]).

mod connect;
mod delivery;
mod fanout;
mod push;
mod sending;

pub use delivery::MAX_BURST;
pub use fanout::DEFAULT_SUBSCRIBER_CAPACITY;

use crate::command::{Command, LocalCommand, Request};
use crate::dialect::field_paths::FieldMoves;
use crate::dialect::overrides::Overridden;
use crate::dialect::rest_paths::RestMoves;
use crate::dialect::{
    check_raw, raw_of_args, Capability, Dialect, DialectContext, DialectName, DialectRegistry,
    Outbound,
};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::profile::{ProfileError, ServerProfile};
use crate::store::Store;
use crate::sync::{lock, read, write};
use crate::token::SharedTokenSource;
use crate::transport::{ConnectionState, LoginVerdict, LoginWatch, RestClient, RestError, Socket};
use delivery::{internal_error, pump};
use fanout::Queue;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::Value;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

/// How many raw items (`subscribe_raw`) a subscriber may be behind before it misses newer ones.
pub const RAW_CAPACITY: usize = 4_096;

#[cfg(test)]
mod tests;

/// A stream of domain events, bounded: a reader that falls [`DEFAULT_SUBSCRIBER_CAPACITY`]
/// events behind loses the oldest and gets [`DomainEvent::Lagged`] in their place; it never
/// stalls the socket.
pub struct EventStream(Arc<Queue>);

impl EventStream {
    /// The next event, or `None` once the client is gone.
    pub async fn recv(&mut self) -> Option<DomainEvent> {
        std::future::poll_fn(|cx| self.0.poll_pop(cx)).await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<DomainEvent> {
        self.0.try_pop()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.0.forget_reader();
    }
}

impl futures_util::Stream for EventStream {
    type Item = DomainEvent;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<DomainEvent>> {
        self.0.poll_pop(cx)
    }
}

/// One item of raw server traffic, before any decoding (see [`Client::subscribe_raw`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RawTraffic {
    /// A socket event as received.
    Event {
        /// Event name.
        name: String,
        /// Its arguments.
        args: Vec<Value>,
    },
    /// The answer to something sent: the ack's arguments as one array, or the REST body.
    Answer {
        /// What was sent.
        sent: Outbound,
        /// The answer, undecoded.
        answer: Value,
    },
}

/// A domain service attached to a client (the consultation meter, the message outbox, the
/// call state machine …): it sees every published event first, in order, and may claim
/// commands before they reach the dialect.
pub trait Service: Send + Sync + 'static {
    /// Called for every event the client publishes, on the publishing task: must not block.
    /// Returns events derived from it, published after the burst it came in.
    fn observe(&self, _event: &DomainEvent) -> Vec<DomainEvent> {
        Vec::new()
    }

    /// The cache this service writes while it observes, if any. The events that arrived
    /// together (a burst: whatever the socket delivered while the last burst was handled) are
    /// observed inside one [`Store::batch`] of it, one commit for the burst (group commit).
    fn writes_to(&self) -> Option<&Store> {
        None
    }

    /// Claims `cmd` (returning the future that performs it) or lets it through (`None`) to
    /// the next service and, last, to the server.
    fn handle(
        &self,
        _cmd: &Command,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        None
    }

    /// Claims a command for the client itself (its cache, devices or state) or lets it through
    /// (`None`); one no service claims is unsupported here.
    fn handle_local(
        &self,
        _cmd: &LocalCommand,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        None
    }

    /// The service's name in error reports.
    fn name(&self) -> &'static str {
        std::any::type_name::<Self>()
    }
}

/// Derived events may derive further events, but not without end.
const MAX_DERIVATION_DEPTH: usize = 4;

struct Inner {
    profile: ServerProfile,
    dialect: Arc<dyn Dialect>,
    socket: Socket,
    rest: Option<RestClient>,
    subscribers: Mutex<Vec<Arc<Queue>>>,
    services: RwLock<Vec<Arc<dyn Service>>>,
    raw_subscribers: Mutex<Vec<mpsc::Sender<RawTraffic>>>,
    /// How many inbound items the pump has delivered (every service has seen them).
    delivered: tokio::sync::watch::Sender<u64>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for q in lock(&self.subscribers).iter() {
            q.close();
        }
    }
}

impl Inner {
    /// Hands raw traffic to the raw subscribers; builds nothing when there are none.
    fn tap(&self, item: impl FnOnce() -> RawTraffic) {
        let mut subs = lock(&self.raw_subscribers);
        if subs.is_empty() {
            return;
        }
        let item = item();
        // A subscriber that fell `RAW_CAPACITY` behind misses the newest items, never the
        // memory bound; one that went away is forgotten.
        subs.retain(|tx| match tx.try_send(item.clone()) {
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    fn publish(&self, event: &DomainEvent) {
        self.publish_burst(vec![event.clone()]);
    }

    /// Publishes events that arrived together: every service observes the whole burst (in
    /// order; a service that writes a cache, in one transaction of it), then the events
    /// derived from it as the next burst. The subscribers get each event followed by what it
    /// derived, after all of that, when what they say is in the cache.
    fn publish_burst(&self, events: Vec<DomainEvent>) {
        let out = self.observe_burst(events, 0);
        let mut subscribers = lock(&self.subscribers);
        for event in out.iter().flatten() {
            subscribers.retain(|q| q.push(event));
        }
    }

    /// For each of `events`: the event, then everything it derived (depth first), in order.
    /// The events are moved, never copied: this runs for every event the server sends.
    fn observe_burst(&self, events: Vec<DomainEvent>, depth: usize) -> Vec<Vec<DomainEvent>> {
        let services: Vec<Arc<dyn Service>> = read(&self.services).clone();
        let mut derived: Vec<Vec<DomainEvent>> = vec![Vec::new(); events.len()];
        for s in &services {
            let mut observe_all = || {
                for (event, more) in events.iter().zip(derived.iter_mut()) {
                    match catch_unwind(AssertUnwindSafe(|| s.observe(event))) {
                        Ok(d) => more.extend(d),
                        Err(panic) => {
                            more.push(internal_error(s.name(), "observe", event, &*panic))
                        }
                    }
                }
            };
            match s.writes_to() {
                Some(store) => store.batch(observe_all),
                None => observe_all(),
            }
        }
        // How many events each one derived; all of them go on as the next burst.
        let counts: Vec<usize> = derived.iter().map(Vec::len).collect();
        let next: Vec<DomainEvent> = derived.into_iter().flatten().collect();
        let mut next_groups = if depth < MAX_DERIVATION_DEPTH && !next.is_empty() {
            self.observe_burst(next, depth + 1).into_iter()
        } else {
            Vec::new().into_iter()
        };
        events
            .into_iter()
            .zip(counts)
            .map(|(event, count)| {
                let mut group = vec![event];
                for g in next_groups.by_ref().take(count) {
                    group.extend(g);
                }
                group
            })
            .collect()
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
/// dropped or [`Client::disconnect`] is called. Commands go in through [`send`](Self::send)
/// and everything that happens comes out on [`subscribe`](Self::subscribe) streams. Apps
/// usually get theirs from a [`Session`](crate::Session), with the services attached; see
/// [`connect`](Self::connect) for one on its own.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// A new stream of events, keeping up to [`DEFAULT_SUBSCRIBER_CAPACITY`] unread ones. Its
    /// first event is the current connection state.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), parlor_core::Error> {
    /// use parlor_core::{Client, DialectId, DomainEvent, ServerProfile, StaticToken};
    /// use std::sync::Arc;
    /// // Nothing listens on port 9: the client is not connected, and says so first.
    /// let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:9");
    /// let client = Client::connect(profile, Arc::new(StaticToken::new("jwt")))?;
    /// let mut events = client.subscribe();
    /// match events.recv().await {
    ///     Some(DomainEvent::Connection { state }) => assert!(!state.is_connected()),
    ///     other => panic!("expected the connection state first, got {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self) -> EventStream {
        self.subscribe_with_capacity(DEFAULT_SUBSCRIBER_CAPACITY)
    }

    /// [`subscribe`](Self::subscribe), keeping up to `capacity` unread events.
    pub fn subscribe_with_capacity(&self, capacity: usize) -> EventStream {
        let queue = Arc::new(Queue::new(capacity));
        queue.push(&DomainEvent::Connection {
            state: self.state(),
        });
        lock(&self.inner.subscribers).push(queue.clone());
        EventStream(queue)
    }

    /// Every socket event and every answer (ack or REST body) from now on, exactly as received
    /// and before decoding: for diagnostics such as `parlor conform`, which compares them with
    /// the documents. Bounded: a subscriber that falls [`RAW_CAPACITY`] items behind misses
    /// the newer ones until it catches up (a flood cannot grow it); nothing is copied while
    /// nobody subscribes.
    pub fn subscribe_raw(&self) -> mpsc::Receiver<RawTraffic> {
        let (tx, rx) = mpsc::channel(RAW_CAPACITY);
        lock(&self.inner.raw_subscribers).push(tx);
        rx
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

    /// The dialect spoken, by name (a built-in one's, or the one an app registered).
    pub fn dialect(&self) -> DialectName {
        self.inner.dialect.name()
    }

    /// This server's rules (its dialect), for the services that must follow them: what
    /// confirms a message, what to do after a reconnect, which ids it takes.
    pub fn rules(&self) -> &dyn Dialect {
        self.inner.dialect.as_ref()
    }

    /// The bytes `cmd` would put on the wire (socket payloads and REST bodies as JSON), to
    /// check it against the server's limits before queuing it.
    pub fn encoded_bytes(&self, cmd: &Command) -> Result<usize, Error> {
        let outbound = self.inner.dialect.encode(cmd)?;
        Ok(outbound
            .iter()
            .map(|o| {
                let name = match o {
                    Outbound::Emit { event, .. }
                    | Outbound::EmitOwnView { event, .. }
                    | Outbound::Request { event, .. } => event.len(),
                    Outbound::Rest { request, .. } => request.path.len(),
                };
                name + o
                    .sent_body()
                    .and_then(|b| serde_json::to_vec(b).ok())
                    .map_or(0, |b| b.len())
            })
            .sum())
    }

    /// What this server can do.
    pub fn capabilities(&self) -> &'static [Capability] {
        self.inner.dialect.capabilities()
    }

    /// Whether the server keeps an expert's presence: then `Command::SetPresence` tells it
    /// (the dialect sends it the way that server trusts); elsewhere requests arrive whenever
    /// the client is connected.
    pub fn keeps_presence(&self) -> bool {
        self.capabilities().contains(&Capability::Presence)
    }

    /// Waits (at most `bound`) until every event the socket received so far has been
    /// delivered to the services. Called after an ack, it lets the events the server sent
    /// before that ack (the message itself, or an error about it) be applied first: a server
    /// that answers a send by an event and an empty ack tells its verdict in the event. Never
    /// call it from a service's `observe` (it runs on the delivering task).
    pub async fn caught_up(&self, bound: Duration) {
        let target = self.inner.socket.inbound_sent();
        let mut delivered = self.inner.delivered.subscribe();
        let _ = tokio::time::timeout(bound, delivered.wait_for(|n| *n >= target)).await;
    }

    /// Attaches a service: from now on it observes every event and may claim commands.
    pub fn attach(&self, service: Arc<dyn Service>) {
        write(&self.inner.services).push(service);
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

    /// The REST client of this profile, for uploads the dialect describes.
    pub fn rest(&self) -> Option<&RestClient> {
        self.inner.rest.as_ref()
    }

    /// Closes the connection for good.
    pub async fn disconnect(&self) {
        self.inner.socket.shutdown().await;
    }
}
