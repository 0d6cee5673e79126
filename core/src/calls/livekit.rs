//! `LiveKitEngine` (feature `livekit`): the media engine of 004 calls. `Room::connect` with
//! the `url`/`token` of `call:accepted`; the microphone published through the platform's audio
//! device module (`PlatformAudio`); remote tracks subscribed automatically; for video calls a
//! camera track whose frames the platform's capture code pushes into
//! [`LiveKitEngine::camera_source`]; the room closed on `leave` (the call service calls it
//! whenever the signalling says the call is over, even if the room did not notice).
//!
//! The `livekit` crate downloads a prebuilt libwebrtc when it builds; where that is not
//! possible, `DOCS_RS=1 cargo check -p parlor-core --features livekit` type-checks this file.

use super::media::{MediaEngine, MediaError, MediaEvents, MediaJoin};
use crate::model::{CallMedia, DeviceKind, MediaEvent, TrackKind};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use livekit::options::TrackPublishOptions;
use livekit::prelude::{
    LocalAudioTrack, LocalTrack, LocalVideoTrack, PlatformAudio, PlayoutDeviceId,
    RecordingDeviceId, RemoteTrack, Room, RoomEvent, RoomOptions, TrackSource,
};
use livekit::webrtc::video_source::native::NativeVideoSource;
use livekit::webrtc::video_source::{RtcVideoSource, VideoResolution};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// The camera resolution published for video calls.
const CAMERA: VideoResolution = VideoResolution {
    width: 1280,
    height: 720,
};

struct Joined {
    room: Arc<Room>,
    audio: PlatformAudio,
    microphone: LocalAudioTrack,
    camera: Option<LocalVideoTrack>,
    camera_source: Option<NativeVideoSource>,
    events: MediaEvents,
    pump: JoinHandle<()>,
}

/// The LiveKit media engine. Cheap to clone; clones share the room.
#[derive(Clone, Default)]
pub struct LiveKitEngine {
    joined: Arc<Mutex<Option<Joined>>>,
}

impl LiveKitEngine {
    /// An engine in no room.
    pub fn new() -> Self {
        Self::default()
    }

    /// The source of the published camera track while in a video call: the platform's
    /// camera capture pushes its frames here (`capture_frame`).
    pub fn camera_source(&self) -> Option<NativeVideoSource> {
        self.lock().as_ref().and_then(|j| j.camera_source.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Joined>> {
        self.joined.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Room events as media events (the rest are of no interest to the call).
fn media_event(event: RoomEvent) -> Option<MediaEvent> {
    Some(match event {
        RoomEvent::Connected { .. } => MediaEvent::Connected,
        RoomEvent::ParticipantConnected(p) => MediaEvent::ParticipantJoined {
            identity: p.identity().to_string(),
        },
        RoomEvent::ParticipantDisconnected(p) => MediaEvent::ParticipantLeft {
            identity: p.identity().to_string(),
        },
        RoomEvent::TrackSubscribed {
            track, participant, ..
        } => MediaEvent::TrackSubscribed {
            identity: participant.identity().to_string(),
            track: match track {
                RemoteTrack::Audio(_) => TrackKind::Audio,
                RemoteTrack::Video(_) => TrackKind::Video,
            },
        },
        RoomEvent::Reconnecting => MediaEvent::Reconnecting,
        RoomEvent::Reconnected => MediaEvent::Reconnected,
        RoomEvent::Disconnected { reason } => MediaEvent::Disconnected {
            reason: format!("{reason:?}"),
        },
        _ => return None,
    })
}

async fn connect(join: MediaJoin, events: MediaEvents) -> Result<Joined, MediaError> {
    let audio = PlatformAudio::new().map_err(|e| MediaError::Device(e.to_string()))?;
    let (room, mut room_events) =
        Room::connect(&join.grant.url, &join.grant.token, RoomOptions::default())
            .await
            .map_err(|e| MediaError::Join(e.to_string()))?;
    let room = Arc::new(room);
    let participant = room.local_participant();
    let microphone = LocalAudioTrack::create_audio_track("microphone", audio.rtc_source());
    let publish = |source| TrackPublishOptions {
        source,
        ..TrackPublishOptions::default()
    };
    let published = participant
        .publish_track(
            LocalTrack::Audio(microphone.clone()),
            publish(TrackSource::Microphone),
        )
        .await;
    if let Err(e) = published {
        let _ = room.close().await;
        return Err(MediaError::Join(format!(
            "could not publish the microphone: {e}"
        )));
    }
    let (camera, camera_source) = if join.media == CallMedia::Video {
        let source = NativeVideoSource::new(CAMERA, false);
        let track =
            LocalVideoTrack::create_video_track("camera", RtcVideoSource::Native(source.clone()));
        if let Err(e) = participant
            .publish_track(
                LocalTrack::Video(track.clone()),
                publish(TrackSource::Camera),
            )
            .await
        {
            let _ = room.close().await;
            return Err(MediaError::Join(format!(
                "could not publish the camera: {e}"
            )));
        }
        (Some(track), Some(source))
    } else {
        (None, None)
    };
    let _ = events.send(MediaEvent::Connected);
    let tx = events.clone();
    let pump = tokio::spawn(async move {
        while let Some(event) = room_events.recv().await {
            if let Some(e) = media_event(event) {
                if tx.send(e).is_err() {
                    break;
                }
            }
        }
    });
    Ok(Joined {
        room,
        audio,
        microphone,
        camera,
        camera_source,
        events,
        pump,
    })
}

impl MediaEngine for LiveKitEngine {
    fn name(&self) -> &'static str {
        "livekit"
    }

    fn join(
        &self,
        join: MediaJoin,
        events: MediaEvents,
    ) -> BoxFuture<'static, Result<(), MediaError>> {
        let this = self.clone();
        async move {
            // One room at a time: a stale room is left first.
            this.leave().await;
            let joined = connect(join, events).await?;
            *this.lock() = Some(joined);
            Ok(())
        }
        .boxed()
    }

    fn leave(&self) -> BoxFuture<'static, ()> {
        let joined = self.lock().take();
        async move {
            if let Some(j) = joined {
                let _ = j.room.close().await;
                j.pump.abort();
                let _ = j.events.send(MediaEvent::Disconnected {
                    reason: "left".into(),
                });
                drop(j.audio);
            }
        }
        .boxed()
    }

    fn set_microphone(&self, enabled: bool) -> BoxFuture<'static, Result<(), MediaError>> {
        let r = match self.lock().as_ref() {
            None => Err(MediaError::NotJoined),
            Some(j) => {
                if enabled {
                    j.microphone.unmute();
                } else {
                    j.microphone.mute();
                }
                Ok(())
            }
        };
        async move { r }.boxed()
    }

    fn set_camera(&self, enabled: bool) -> BoxFuture<'static, Result<(), MediaError>> {
        let r = match self.lock().as_ref() {
            None => Err(MediaError::NotJoined),
            Some(Joined { camera: None, .. }) => Err(MediaError::Device(
                "this is an audio call: no camera track".into(),
            )),
            Some(Joined {
                camera: Some(c), ..
            }) => {
                if enabled {
                    c.unmute();
                } else {
                    c.mute();
                }
                Ok(())
            }
        };
        async move { r }.boxed()
    }

    fn switch_device(
        &self,
        kind: DeviceKind,
        device_id: String,
    ) -> BoxFuture<'static, Result<(), MediaError>> {
        let r = match (self.lock().as_ref(), kind) {
            (None, _) => Err(MediaError::NotJoined),
            (Some(j), DeviceKind::AudioInput) => j
                .audio
                .switch_recording_device(&RecordingDeviceId::from_unchecked_guid(&device_id))
                .map_err(|e| MediaError::Device(e.to_string())),
            (Some(j), DeviceKind::AudioOutput) => j
                .audio
                .switch_playout_device(&PlayoutDeviceId::from_unchecked_guid(&device_id))
                .map_err(|e| MediaError::Device(e.to_string())),
            // Cameras are captured by the platform, which pushes frames into camera_source.
            (Some(_), DeviceKind::VideoInput) => Err(MediaError::Device(
                "cameras are switched by the platform's capture code".into(),
            )),
        };
        async move { r }.boxed()
    }
}
