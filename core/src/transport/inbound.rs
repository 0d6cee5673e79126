//! The channel from the socket's callbacks to its reader: server events and state changes in
//! arrival order, pushed without ever waiting (the callbacks run on rust_socketio's receive
//! loop) and bounded by [`MAX_QUEUED_EVENTS`], beyond which events are dropped and counted.

use crate::model::ConnectionState;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Something the server sent, or a state change, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A server event with its arguments.
    Event {
        /// Event name.
        name: String,
        /// Arguments (usually one).
        args: Vec<Value>,
    },
    /// The connection state changed.
    State(ConnectionState),
    /// This many server events were dropped because the reader fell [`MAX_QUEUED_EVENTS`]
    /// behind (reported once the reader caught up, in place of the events).
    Overflow {
        /// Events dropped.
        missed: u64,
    },
}

/// Server events allowed to wait for the reader of the inbound channel; beyond this they are
/// dropped and counted (the receive loop never waits).
pub const MAX_QUEUED_EVENTS: usize = 16_384;

/// What the channel carries: boxed, because a tokio channel allocates its first block of 32
/// slots when it is made, and every idle connection keeps that block (32 pointers instead of
/// 32 items of ~60 bytes: `parlor bench`'s memory per connection).
type Slot = Box<Inbound>;

/// The receiving end of a socket: events and state changes in arrival order.
pub struct InboundReceiver {
    rx: mpsc::UnboundedReceiver<Slot>,
    queue: Arc<InboundQueue>,
    /// Items taken from the channel (not the gap reports made up here).
    taken: u64,
}

impl InboundReceiver {
    /// The next item, or `None` once the supervisor is gone.
    pub async fn recv(&mut self) -> Option<Inbound> {
        let item = match self.rx.try_recv() {
            Ok(item) => *item,
            Err(mpsc::error::TryRecvError::Empty) => {
                // Dropped events that no later event has reported yet.
                let missed = self.queue.missed.swap(0, Ordering::SeqCst);
                if missed > 0 {
                    return Some(Inbound::Overflow { missed });
                }
                *self.rx.recv().await?
            }
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
        };
        self.taken += 1;
        if let Inbound::Event { .. } = item {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
        }
        Some(item)
    }

    /// The next item if one is waiting now, without waiting (a gap report comes from
    /// [`recv`](Self::recv) only).
    pub fn try_next(&mut self) -> Option<Inbound> {
        let item = *self.rx.try_recv().ok()?;
        self.taken += 1;
        if let Inbound::Event { .. } = item {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
        }
        Some(item)
    }

    /// How many items were taken from the channel so far: compared with
    /// `InboundSender::sent`, it tells whether the reader has caught up with the socket.
    pub fn taken(&self) -> u64 {
        self.taken
    }
}

/// The sending side's count of waiting events and of dropped ones.
#[derive(Default)]
pub(super) struct InboundQueue {
    queued: AtomicUsize,
    missed: AtomicU64,
    /// Items put into the channel so far.
    sent: AtomicU64,
}

/// Pushes into the inbound channel without ever waiting.
#[derive(Clone)]
pub(super) struct InboundSender {
    tx: mpsc::UnboundedSender<Slot>,
    queue: Arc<InboundQueue>,
}

impl InboundSender {
    /// A server event: dropped and counted when the reader is too far behind; the first event
    /// accepted after a gap is preceded by the count, so the gap is reported where it was.
    pub(super) fn event(&self, name: String, args: Vec<Value>) {
        if self.queue.queued.fetch_add(1, Ordering::SeqCst) >= MAX_QUEUED_EVENTS {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
            self.queue.missed.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let missed = self.queue.missed.swap(0, Ordering::SeqCst);
        if missed > 0 && self.tx.send(Box::new(Inbound::Overflow { missed })).is_ok() {
            self.queue.sent.fetch_add(1, Ordering::SeqCst);
        }
        if self
            .tx
            .send(Box::new(Inbound::Event { name, args }))
            .is_ok()
        {
            self.queue.sent.fetch_add(1, Ordering::SeqCst);
        } else {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A state change: never dropped (there are few).
    pub(super) fn state(&self, state: ConnectionState) {
        if self.tx.send(Box::new(Inbound::State(state))).is_ok() {
            self.queue.sent.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// How many items were put into the channel so far. Read after an ack arrived, it counts
    /// every event the server sent before that ack (the socket hands them over in order).
    pub(super) fn sent(&self) -> u64 {
        self.queue.sent.load(Ordering::SeqCst)
    }
}

/// A new inbound channel: the callbacks' end and the reader's.
pub(super) fn channel() -> (InboundSender, InboundReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let queue = Arc::new(InboundQueue::default());
    (
        InboundSender {
            tx,
            queue: queue.clone(),
        },
        InboundReceiver {
            rx,
            queue,
            taken: 0,
        },
    )
}
