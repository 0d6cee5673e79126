//! The media layer of a call behind a small trait: join a room, leave it, mute, camera,
//! devices, and the events the room reports. The call service drives it from the signalling;
//! the engines are LiveKit (feature `livekit`) and the loopback engine of the tests.

use crate::model::{CallMedia, DeviceKind, LiveKitGrant, MediaEvent};
use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

/// What an engine needs to join the media room of an accepted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaJoin {
    /// The call (the room name of 004 is the call id).
    pub call_id: String,
    /// Audio, or audio and camera.
    pub media: CallMedia,
    /// Room credentials from `call:accepted`.
    pub grant: LiveKitGrant,
}

/// A media failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The room could not be joined.
    #[error("could not join the media room: {0}")]
    Join(String),
    /// The operation needs a joined room.
    #[error("not in a media room")]
    NotJoined,
    /// A device is missing or refused.
    #[error("media device error: {0}")]
    Device(String),
    /// Anything else the engine reports.
    #[error("media error: {0}")]
    Engine(String),
}

impl From<MediaError> for crate::Error {
    fn from(e: MediaError) -> Self {
        crate::Error::Rejected {
            code: Some("media".into()),
            status: None,
            message: e.to_string(),
        }
    }
}

/// Where an engine sends its [`MediaEvent`]s (the call service forwards them as
/// `call_media` domain events).
pub type MediaEvents = mpsc::UnboundedSender<MediaEvent>;

/// The media layer of calls. One room at a time; `leave` is idempotent.
pub trait MediaEngine: Send + Sync + 'static {
    /// A short name for logs (`livekit`, `loopback`).
    fn name(&self) -> &'static str;

    /// Joins the room of `join` and publishes the microphone (and the camera for video);
    /// remote tracks are subscribed as they come. Events go to `events` until the room is left.
    fn join(
        &self,
        join: MediaJoin,
        events: MediaEvents,
    ) -> BoxFuture<'static, Result<(), MediaError>>;

    /// Leaves the room (nothing to do when not in one). Emits `Disconnected{reason:"left"}`.
    fn leave(&self) -> BoxFuture<'static, ()>;

    /// Mutes (false) or unmutes (true) the microphone.
    fn set_microphone(&self, enabled: bool) -> BoxFuture<'static, Result<(), MediaError>>;

    /// Turns the camera on or off.
    fn set_camera(&self, enabled: bool) -> BoxFuture<'static, Result<(), MediaError>>;

    /// Switches the device of `kind` to `device_id`.
    fn switch_device(
        &self,
        kind: DeviceKind,
        device_id: String,
    ) -> BoxFuture<'static, Result<(), MediaError>>;
}
