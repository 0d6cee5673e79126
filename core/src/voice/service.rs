//! Voice notes as a client service: claims the voice-note commands of [`Command`] and publishes
//! [`DomainEvent`]s for the recorder's levels, each note's progress (through the persistent
//! [`VoiceOutbox`]) and playback. Attach it next to the Messenger on a client whose server takes
//! voice notes (its dialect states a `voice_upload`).

use super::capture::{input_devices, Recorder, RecorderConfig, RecorderEvent};
use super::encode::{encode_ogg_opus, wav_to_mono_48k};
use super::outbox::{OutboxNote, VoiceOutbox, VoiceOutboxConfig, VoiceOutboxEvent};
use super::playback::{PlaybackEvent, VoicePlayer};
use super::upload::{mime_of, VoiceFile};
use super::VoiceError;
use crate::client::{Client, Service, WeakClient};
use crate::command::{Command, LocalCommand};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::VoiceUploadSpec;
use crate::transport::rest::RestClient;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod notes;
mod recording;

use recording::{send_samples, start_recording};

/// Where the service keeps its files, and its outbox timing.
#[derive(Debug, Clone)]
pub struct VoiceNotesConfig {
    /// Its directory: `outbox/` (notes until the server has them) and `cache/` (downloads).
    pub dir: PathBuf,
    /// Retry timing of the outbox.
    pub outbox: VoiceOutboxConfig,
}

struct Inner {
    client: WeakClient,
    rest: RestClient,
    /// How the server takes notes (its dialect's).
    spec: &'static VoiceUploadSpec,
    outbox: Arc<VoiceOutbox>,
    player: VoicePlayer,
    recorder: Mutex<Option<Recorder>>,
    notes: Mutex<HashMap<String, OutboxNote>>,
}

/// The voice-note service of one client.
#[derive(Clone)]
pub struct VoiceNotes {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for VoiceNotes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VoiceNotes")
    }
}

/// A voice error as the core's error (server codes verbatim, device troubles by name).
pub fn to_error(e: VoiceError) -> Error {
    let device = |code: &str, message: String| Error::Device {
        code: code.into(),
        message,
    };
    let rejected = |code: &str, status: Option<u16>, message: String| Error::Rejected {
        code: Some(code.into()),
        status,
        message,
    };
    match e {
        VoiceError::UnsupportedType(_) | VoiceError::TooLarge { .. } => {
            Error::InvalidInput(e.to_string())
        }
        VoiceError::TooMany { .. } => rejected("RATE_LIMIT_EXCEEDED", Some(429), e.to_string()),
        VoiceError::NoDevice(m) => device("no_input_device", m),
        VoiceError::PermissionDenied(m) => device("permission_denied", m),
        VoiceError::Device(m) => device("device_error", m),
        VoiceError::Codec(m) => device("codec_error", m),
        VoiceError::Io(m) => device("io_error", m),
        VoiceError::Cancelled => rejected("cancelled", None, "cancelled".into()),
        VoiceError::AuthenticationRequired(m) => Error::AuthFailed(m),
        VoiceError::ChatAccessDenied(m) => rejected("CHAT_ACCESS_DENIED", Some(403), m),
        VoiceError::SessionNotFound(m) => rejected("SESSION_NOT_FOUND", Some(404), m),
        VoiceError::Validation(m) => rejected("VALIDATION_ERROR", Some(400), m),
        VoiceError::FileTooLarge(m) => rejected("FILE_TOO_LARGE", Some(413), m),
        VoiceError::UnsupportedFileType(m) => rejected("UNSUPPORTED_FILE_TYPE", Some(415), m),
        VoiceError::RateLimitExceeded(m) => rejected("RATE_LIMIT_EXCEEDED", Some(429), m),
        VoiceError::SessionInactive(m) => rejected("SESSION_INACTIVE", Some(409), m),
        VoiceError::Server { status, message } => Error::Rejected {
            code: None,
            status: Some(status),
            message,
        },
        VoiceError::Network(m) => Error::Network(m),
        VoiceError::NoAnswer(m) => Error::Timeout(format!("no answer from the server: {m}")),
    }
}

impl VoiceNotes {
    /// Attaches the service to `client` (which needs a REST base URL and a dialect that takes voice notes). Call within a
    /// tokio runtime. Notes left in the outbox by an earlier process are sent.
    pub fn attach(client: &Client, config: VoiceNotesConfig) -> Result<VoiceNotes, VoiceError> {
        let rest = client
            .rest()
            .cloned()
            .ok_or_else(|| VoiceError::Network("this server profile has no REST URL".into()))?;
        let spec = client.rules().voice_upload().ok_or_else(|| {
            VoiceError::UnsupportedType("this server takes no voice notes".into())
        })?;
        // Whether a lost answer may be retried is the profile's word on this server.
        let outbox_config = VoiceOutboxConfig {
            server_deduplicates: client.profile().delivery.server_deduplicates,
            ..config.outbox
        };
        let (outbox, mut orx) =
            VoiceOutbox::start(config.dir.join("outbox"), rest.clone(), spec, outbox_config)?;
        let (player, mut prx) = VoicePlayer::new(config.dir.join("cache"))?;
        let player = player.with_max_download(spec.max_bytes);
        let notes = outbox
            .pending()
            .into_iter()
            .map(|n| (n.client_id.clone(), n))
            .collect();
        let inner = Arc::new(Inner {
            client: client.downgrade(),
            rest,
            spec,
            outbox,
            player,
            recorder: Mutex::new(None),
            notes: Mutex::new(notes),
        });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(ev) = orx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                if let Some(e) = inner.outbox_event(ev) {
                    inner.publish(e);
                }
            }
        });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(ev) = prx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                let mut waveform = Vec::new();
                let (url, state, position_ms, duration_ms) = match ev {
                    PlaybackEvent::Started {
                        key,
                        duration_ms,
                        waveform: peaks,
                    } => {
                        waveform = peaks;
                        (key, "started", None, Some(duration_ms))
                    }
                    PlaybackEvent::Position { key, position_ms } => {
                        (key, "position", Some(position_ms), None)
                    }
                    PlaybackEvent::Paused { key } => (key, "paused", None, None),
                    PlaybackEvent::Resumed { key } => (key, "resumed", None, None),
                    PlaybackEvent::Finished { key } => (key, "finished", None, None),
                    PlaybackEvent::Stopped { key } => (key, "stopped", None, None),
                    PlaybackEvent::Failed(m) => (m, "failed", None, None),
                };
                inner.publish(DomainEvent::VoicePlayback {
                    url,
                    state: state.into(),
                    position_ms,
                    duration_ms,
                    waveform,
                });
            }
        });
        let service = VoiceNotes { inner };
        client.attach(Arc::new(service.clone()));
        Ok(service)
    }

    /// The outbox (notes waiting, sent notes with their waveform).
    pub fn outbox(&self) -> &Arc<VoiceOutbox> {
        &self.inner.outbox
    }

    /// The input devices by name (for `StartRecording`).
    pub async fn input_devices(&self) -> Result<Vec<String>, Error> {
        list_input_devices().await
    }
}

/// The input devices by name, asked off the async threads (ALSA may block).
async fn list_input_devices() -> Result<Vec<String>, Error> {
    tokio::task::spawn_blocking(input_devices)
        .await
        .map_err(|e| Error::Protocol(e.to_string()))?
        .map_err(to_error)
}

impl Service for VoiceNotes {
    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        match cmd.clone() {
            Command::SendVoiceNote {
                conversation_id,
                path,
            } => Some(send_file(self.inner.clone(), conversation_id, path).boxed()),
            _ => None,
        }
    }

    fn handle_local(
        &self,
        cmd: &LocalCommand,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let inner = self.inner.clone();
        let simple = |events: Vec<DomainEvent>| Some(async move { Ok(events) }.boxed());
        match cmd.clone() {
            LocalCommand::ListInputDevices => Some(
                async move {
                    let names = list_input_devices().await?;
                    let e = DomainEvent::InputDevices { names };
                    inner.publish(e.clone());
                    Ok(vec![e])
                }
                .boxed(),
            ),
            LocalCommand::StartRecording { device, max_secs } => {
                Some(async move { start_recording(&inner, device, max_secs) }.boxed())
            }
            LocalCommand::PauseRecording | LocalCommand::ResumeRecording => {
                let pause = matches!(cmd, LocalCommand::PauseRecording);
                Some(
                    async move {
                        let slot = inner.recorder.lock().unwrap_or_else(|p| p.into_inner());
                        let rec = slot
                            .as_ref()
                            .ok_or_else(|| Error::IllegalState("not recording".into()))?;
                        if pause {
                            rec.pause();
                        } else {
                            rec.resume();
                        }
                        Ok(vec![])
                    }
                    .boxed(),
                )
            }
            LocalCommand::CancelRecording => Some(
                async move {
                    let rec = inner.take_recorder()?;
                    rec.cancel();
                    let e = DomainEvent::RecordingEnded {
                        reason: "cancelled".into(),
                        duration_ms: 0,
                    };
                    inner.publish(e.clone());
                    Ok(vec![e])
                }
                .boxed(),
            ),
            LocalCommand::StopRecording { conversation_id } => Some(
                async move {
                    let rec = inner.take_recorder()?;
                    let was_capped = rec.is_done();
                    let recording = rec.stop();
                    let mut events = Vec::new();
                    if !was_capped {
                        let e = DomainEvent::RecordingEnded {
                            reason: "stopped".into(),
                            duration_ms: recording.duration_ms(),
                        };
                        inner.publish(e.clone());
                        events.push(e);
                    }
                    if let Some(conv) = conversation_id {
                        if recording.samples.is_empty() {
                            return Err(Error::InvalidInput("the recording is empty".into()));
                        }
                        events.extend(send_samples(inner, conv, recording.samples).await?);
                    }
                    Ok(events)
                }
                .boxed(),
            ),
            LocalCommand::CancelVoiceNote { client_id } => {
                Some(async move { discard(&inner, &client_id) }.boxed())
            }
            // The conversation's resend and discard, for a note of ours left unconfirmed.
            LocalCommand::RetryMessage { client_id, .. }
                if inner.outbox.unconfirmed(&client_id).is_some() =>
            {
                Some(async move { resend(&inner, &client_id) }.boxed())
            }
            LocalCommand::DiscardMessage { client_id, .. }
                if inner.outbox.unconfirmed(&client_id).is_some() =>
            {
                Some(async move { discard(&inner, &client_id) }.boxed())
            }
            LocalCommand::ResendVoiceNote { client_id } => {
                Some(async move { resend(&inner, &client_id) }.boxed())
            }
            LocalCommand::PlayVoiceNote { url } => Some(
                async move {
                    inner
                        .player
                        .play_url(&inner.rest, &url)
                        .await
                        .map_err(to_error)?;
                    Ok(vec![])
                }
                .boxed(),
            ),
            LocalCommand::PauseVoiceNote => {
                inner.player.pause();
                simple(vec![])
            }
            LocalCommand::ResumeVoiceNote => {
                inner.player.resume();
                simple(vec![])
            }
            LocalCommand::SeekVoiceNote { position_ms } => {
                inner.player.seek(Duration::from_millis(position_ms));
                simple(vec![])
            }
            LocalCommand::StopVoiceNote => {
                inner.player.stop();
                simple(vec![])
            }
            _ => None,
        }
    }
}

/// Sends an audio file as a voice note: a WAV is encoded to Ogg/Opus first, other types go
/// as they are.
async fn send_file(
    inner: Arc<Inner>,
    conversation_id: String,
    path: String,
) -> Result<Vec<DomainEvent>, Error> {
    let path = PathBuf::from(path);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.to_ascii_lowercase().ends_with(".wav") {
        let samples = tokio::task::spawn_blocking(move || wav_to_mono_48k(&bytes))
            .await
            .map_err(|e| Error::Protocol(e.to_string()))?
            .map_err(to_error)?;
        return send_samples(inner, conversation_id, samples).await;
    }
    let mime = mime_of(inner.spec, &name).unwrap_or("application/octet-stream");
    let file = VoiceFile {
        file_name: name,
        mime: mime.into(),
        bytes,
    };
    let queued = inner
        .outbox
        .queue(&conversation_id, file, 0, vec![0; 64])
        .map_err(to_error)?;
    Ok(inner.announce_queued(queued))
}

/// Sends an unconfirmed note again (the user's choice).
fn resend(inner: &Inner, client_id: &str) -> Result<Vec<DomainEvent>, Error> {
    if inner.outbox.resend(client_id).map_err(to_error)? {
        Ok(vec![])
    } else {
        Err(Error::IllegalState(format!(
            "voice note {client_id} is not unconfirmed"
        )))
    }
}

/// Cancels a waiting note, or discards an unconfirmed one.
fn discard(inner: &Inner, client_id: &str) -> Result<Vec<DomainEvent>, Error> {
    if inner.outbox.cancel(client_id) {
        Ok(vec![])
    } else {
        Err(Error::IllegalState(format!(
            "voice note {client_id} is not waiting"
        )))
    }
}
