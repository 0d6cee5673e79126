//! What the socket handle, its supervisor task and the callbacks share: the live connection,
//! the state, the supervisor's control channel, the inbound channel and the one ack slot. Its
//! own module, so that none of the three imports another for it.

use super::config::SocketConfig;
use super::inbound::InboundSender;
use crate::model::ConnectionState;
use rust_socketio::asynchronous::Client as RawClient;
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex;
use tokio::sync::{mpsc, watch, Semaphore};

/// Messages to the supervisor task.
#[derive(Debug)]
pub(super) enum Control {
    /// The connection of `generation` is gone.
    Dropped { generation: u64, reason: String },
    /// The server refused the credentials of `generation` (handshake or a login event).
    AuthRejected { generation: u64, message: String },
    /// Replace the connection of `generation` (after an ack timeout).
    Recycle { generation: u64, reason: String },
    /// Cut a wait between tries short and try now (a push said the server has news).
    RetryNow,
    /// Stop for good.
    Shutdown,
}

#[derive(Clone)]
pub(super) struct Live {
    pub(super) client: RawClient,
    pub(super) generation: u64,
}

pub(super) struct Shared {
    pub(super) config: SocketConfig,
    pub(super) live: Mutex<Option<Live>>,
    pub(super) state_tx: watch::Sender<ConnectionState>,
    pub(super) control_tx: mpsc::UnboundedSender<Control>,
    pub(super) inbound: InboundSender,
    pub(super) ack_slot: Semaphore,
    pub(super) waiting: AtomicUsize,
}
