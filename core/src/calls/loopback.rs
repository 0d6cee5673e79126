//! `LoopbackEngine`: a media engine for tests and the harness. It moves no audio or video
//! and talks to no media server; it plays the room's part (a remote participant joins and
//! its tracks are subscribed) so the call state machine can be tested end to end, and it
//! records every call made on it. It does not replace the real engines.

use super::media::{MediaEngine, MediaError, MediaEvents, MediaJoin};
use crate::model::{CallMedia, DeviceKind, MediaEvent, TrackKind};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::sync::{Arc, Mutex};

/// The remote identity the loopback room pretends is there.
pub const LOOPBACK_PEER: &str = "loopback-peer";

/// What the loopback engine was asked to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopbackOp {
    /// `join` of this call's room.
    Join {
        /// The call.
        call_id: String,
        /// The LiveKit URL it would have connected to.
        url: String,
        /// Whether the camera was published.
        camera: bool,
    },
    /// `leave` while in a room.
    Leave {
        /// The call.
        call_id: String,
    },
    /// Microphone on/off.
    Microphone(bool),
    /// Camera on/off.
    Camera(bool),
    /// Device switch.
    Switch(DeviceKind, String),
}

#[derive(Default)]
struct Room {
    call_id: String,
    events: Option<MediaEvents>,
}

#[derive(Default)]
struct State {
    room: Option<Room>,
    ops: Vec<LoopbackOp>,
    fail_next_join: Option<String>,
}

/// The loopback (test and harness) media engine. Cheap to clone; clones share the state.
#[derive(Clone, Default)]
pub struct LoopbackEngine {
    state: Arc<Mutex<State>>,
}

impl LoopbackEngine {
    /// A new engine, in no room.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything asked of the engine so far.
    pub fn ops(&self) -> Vec<LoopbackOp> {
        self.lock().ops.clone()
    }

    /// The call whose room the engine is in, if any.
    pub fn room(&self) -> Option<String> {
        self.lock().room.as_ref().map(|r| r.call_id.clone())
    }

    /// Makes the next `join` fail with `reason` (to test a room that cannot be joined).
    pub fn fail_next_join(&self, reason: &str) {
        self.lock().fail_next_join = Some(reason.into());
    }

    /// Plays a media-layer drop and recovery (`reconnecting`, then `reconnected`).
    pub fn simulate_reconnect(&self) {
        self.emit(MediaEvent::Reconnecting);
        self.emit(MediaEvent::Reconnected);
    }

    /// Plays the room closing under us (the media layer noticed first).
    pub fn simulate_room_closed(&self, reason: &str) {
        let room = self.lock().room.take();
        if let Some(Room {
            events: Some(tx), ..
        }) = room
        {
            let _ = tx.send(MediaEvent::ParticipantLeft {
                identity: LOOPBACK_PEER.into(),
            });
            let _ = tx.send(MediaEvent::Disconnected {
                reason: reason.into(),
            });
        }
    }

    fn emit(&self, e: MediaEvent) {
        if let Some(tx) = self.lock().room.as_ref().and_then(|r| r.events.clone()) {
            let _ = tx.send(e);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere must not make the engine unusable: take the state as it is.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn in_room(&self, op: LoopbackOp) -> Result<(), MediaError> {
        let mut s = self.lock();
        if s.room.is_none() {
            return Err(MediaError::NotJoined);
        }
        s.ops.push(op);
        Ok(())
    }
}

impl MediaEngine for LoopbackEngine {
    fn name(&self) -> &'static str {
        "loopback"
    }

    fn join(
        &self,
        join: MediaJoin,
        events: MediaEvents,
    ) -> BoxFuture<'static, Result<(), MediaError>> {
        let this = self.clone();
        async move {
            let camera = join.media == CallMedia::Video;
            {
                let mut s = this.lock();
                if let Some(reason) = s.fail_next_join.take() {
                    return Err(MediaError::Join(reason));
                }
                s.ops.push(LoopbackOp::Join {
                    call_id: join.call_id.clone(),
                    url: join.grant.url.clone(),
                    camera,
                });
                s.room = Some(Room {
                    call_id: join.call_id,
                    events: Some(events.clone()),
                });
            }
            let _ = events.send(MediaEvent::Connected);
            let _ = events.send(MediaEvent::ParticipantJoined {
                identity: LOOPBACK_PEER.into(),
            });
            let _ = events.send(MediaEvent::TrackSubscribed {
                identity: LOOPBACK_PEER.into(),
                track: TrackKind::Audio,
            });
            if camera {
                let _ = events.send(MediaEvent::TrackSubscribed {
                    identity: LOOPBACK_PEER.into(),
                    track: TrackKind::Video,
                });
            }
            Ok(())
        }
        .boxed()
    }

    fn leave(&self) -> BoxFuture<'static, ()> {
        let this = self.clone();
        async move {
            let room = this.lock().room.take();
            if let Some(room) = room {
                this.lock().ops.push(LoopbackOp::Leave {
                    call_id: room.call_id,
                });
                if let Some(tx) = room.events {
                    let _ = tx.send(MediaEvent::Disconnected {
                        reason: "left".into(),
                    });
                }
            }
        }
        .boxed()
    }

    fn set_microphone(&self, enabled: bool) -> BoxFuture<'static, Result<(), MediaError>> {
        let r = self.in_room(LoopbackOp::Microphone(enabled));
        async move { r }.boxed()
    }

    fn set_camera(&self, enabled: bool) -> BoxFuture<'static, Result<(), MediaError>> {
        let r = self.in_room(LoopbackOp::Camera(enabled));
        async move { r }.boxed()
    }

    fn switch_device(
        &self,
        kind: DeviceKind,
        device_id: String,
    ) -> BoxFuture<'static, Result<(), MediaError>> {
        let r = if device_id.is_empty() {
            Err(MediaError::Device("empty device id".into()))
        } else {
            self.in_room(LoopbackOp::Switch(kind, device_id))
        };
        async move { r }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LiveKitGrant;
    use tokio::sync::mpsc;

    fn join(media: CallMedia) -> MediaJoin {
        MediaJoin {
            call_id: "c1".into(),
            media,
            grant: LiveKitGrant {
                url: "ws://127.0.0.1:7880".into(),
                token: "t".into(),
                room: "c1".into(),
            },
        }
    }

    #[tokio::test]
    async fn exercises_the_whole_trait() {
        let e = LoopbackEngine::new();
        assert_eq!(e.set_microphone(false).await, Err(MediaError::NotJoined));
        let (tx, mut rx) = mpsc::unbounded_channel();
        e.join(join(CallMedia::Video), tx).await.unwrap();
        assert_eq!(e.room().as_deref(), Some("c1"));
        e.set_microphone(false).await.unwrap();
        e.set_camera(false).await.unwrap();
        e.switch_device(DeviceKind::AudioInput, "mic-2".into())
            .await
            .unwrap();
        assert!(e
            .switch_device(DeviceKind::VideoInput, String::new())
            .await
            .is_err());
        e.simulate_reconnect();
        e.leave().await;
        e.leave().await; // idempotent
        assert_eq!(e.room(), None);
        let mut seen = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            seen.push(ev);
        }
        assert_eq!(
            seen,
            vec![
                MediaEvent::Connected,
                MediaEvent::ParticipantJoined {
                    identity: LOOPBACK_PEER.into()
                },
                MediaEvent::TrackSubscribed {
                    identity: LOOPBACK_PEER.into(),
                    track: TrackKind::Audio
                },
                MediaEvent::TrackSubscribed {
                    identity: LOOPBACK_PEER.into(),
                    track: TrackKind::Video
                },
                MediaEvent::Reconnecting,
                MediaEvent::Reconnected,
                MediaEvent::Disconnected {
                    reason: "left".into()
                },
            ]
        );
        assert_eq!(
            e.ops(),
            vec![
                LoopbackOp::Join {
                    call_id: "c1".into(),
                    url: "ws://127.0.0.1:7880".into(),
                    camera: true
                },
                LoopbackOp::Microphone(false),
                LoopbackOp::Camera(false),
                LoopbackOp::Switch(DeviceKind::AudioInput, "mic-2".into()),
                LoopbackOp::Leave {
                    call_id: "c1".into()
                },
            ]
        );
    }

    #[tokio::test]
    async fn a_failed_join_leaves_no_room() {
        let e = LoopbackEngine::new();
        e.fail_next_join("no route");
        let (tx, _rx) = mpsc::unbounded_channel();
        assert_eq!(
            e.join(join(CallMedia::Audio), tx).await,
            Err(MediaError::Join("no route".into()))
        );
        assert_eq!(e.room(), None);
    }
}
