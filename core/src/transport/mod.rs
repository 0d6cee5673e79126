//! Transport: the supervised socket and the REST client.

pub mod backoff;
mod callbacks;
mod config;
mod inbound;
pub mod login;
pub mod rest;
mod shared;
pub mod socket;
mod supervisor;

pub use crate::model::ConnectionState;
pub use crate::model::{Method, RestRequest};
pub use backoff::BackoffPolicy;
pub use config::SocketConfig;
pub use inbound::{Inbound, InboundReceiver, MAX_QUEUED_EVENTS};
pub use login::{LoginVerdict, LoginWatch};
pub use rest::{HttpErrorKind, RestClient, RestError};
pub use socket::Socket;

use std::time::Duration;

/// Errors of the socket layer.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum TransportError {
    /// Not connected right now; nothing was sent.
    #[error("not connected: {0}")]
    NotConnected(String),
    /// The socket refused the frame (the link is going down); the caller must resend.
    #[error("send failed: {0}")]
    SendFailed(String),
    /// No answer in time.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The request went out but its answer never came (the link dropped while waiting): the
    /// server may have acted on it.
    #[error("no answer: {0}")]
    NoAnswer(String),
    /// Too many requests are already waiting for the ack slot.
    #[error("{0} requests already waiting for an answer")]
    Busy(usize),
    /// The server refused our credentials.
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// The supervisor has stopped.
    #[error("the connection is closed")]
    Closed,
    /// Something rust_socketio cannot carry safely.
    #[error("unsupported: {0}")]
    Unsupported(String),
}
