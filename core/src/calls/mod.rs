//! Calls (issue 5): the call state machine for both sides ([`state`]), the service that
//! attaches it to a client ([`service`]), the media engines behind a small trait ([`media`]:
//! LiveKit behind the `livekit` feature, the [`loopback`] engine of the tests and harness),
//! Agora join info for the platform SDKs ([`agora`]) and the call history ([`history`]).

pub mod agora;
pub mod history;
pub mod loopback;
pub mod media;
pub mod service;
pub mod state;

#[cfg(feature = "livekit")]
pub mod livekit;

#[cfg(feature = "livekit")]
pub use self::livekit::LiveKitEngine;
pub use crate::model::{
    CallPhase, CallRecord, CallRole, CallSnapshot, DeviceKind, MediaEvent, TrackKind,
};
pub use agora::AgoraService;
pub use loopback::{LoopbackEngine, LoopbackOp};
pub use media::{MediaEngine, MediaError, MediaJoin};
pub use service::{CallConfig, CallService};
pub use state::{CallMachine, CallRefusal, SERVER_CALL_ERROR};

use crate::client::Client;
use crate::dialect::Capability;
use crate::store::Store;
use std::sync::Arc;

/// Attaches what `client`'s dialect needs for calls: the [`CallService`] where the server
/// has calls, the [`AgoraService`] where it hands out Agora tokens. Returns the
/// call service, if one was attached.
pub fn attach(
    client: &Client,
    engine: Option<Arc<dyn MediaEngine>>,
    store: Option<Store>,
) -> Option<CallService> {
    let caps = client.capabilities();
    if caps.contains(&Capability::Agora) {
        AgoraService::attach(client);
    }
    caps.contains(&Capability::Calls)
        .then(|| CallService::attach(client, engine, store, CallConfig::default()))
}
