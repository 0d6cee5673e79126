//! [`ParlorClient`]'s voice notes: recording from the microphone, sending (with a
//! [`VoiceUpload`] handle to cancel or resend), and playback.

use super::ParlorClient;
use crate::error::ParlorError;
use crate::events::Event;
use crate::runtime::run;
use crate::types::to_ms;
use parlor_core::{Client, Command, DomainEvent, LocalCommand};
use std::sync::Arc;
use std::time::Duration;

#[uniffi::export(async_runtime = "tokio")]
impl ParlorClient {
    /// The input devices by name (for `start_recording`).
    pub async fn list_input_devices(&self) -> Result<Vec<String>, ParlorError> {
        let voice = self.session.voice.as_ref().ok_or_else(|| {
            ParlorError::from(parlor_core::Error::Unsupported(
                "this server takes no voice notes".into(),
            ))
        })?;
        Ok(voice.input_devices().await?)
    }

    /// Starts recording (the default input, or one by name), stopping by itself after
    /// `max_length` (default a minute). Levels every 50 ms arrive as `VoiceLevel` events.
    pub async fn start_recording(
        &self,
        device: Option<String>,
        max_length: Option<Duration>,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::StartRecording {
            device,
            max_secs: max_length.map(|d| d.as_secs_f64()),
        })
        .await
    }

    /// Pauses the recording.
    pub async fn pause_recording(&self) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::PauseRecording).await
    }

    /// Resumes the recording.
    pub async fn resume_recording(&self) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::ResumeRecording).await
    }

    /// Discards the recording.
    pub async fn cancel_recording(&self) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::CancelRecording).await
    }

    /// Stops the recording and sends it to `conversation_id` as a voice note (Ogg/Opus, with
    /// its waveform); the returned upload can be cancelled until the server has it.
    pub async fn stop_recording(
        &self,
        conversation_id: String,
    ) -> Result<Arc<VoiceUpload>, ParlorError> {
        let events = self
            .send_raw(LocalCommand::StopRecording {
                conversation_id: Some(conversation_id),
            })
            .await?;
        self.upload_handle(&events)
    }

    /// Sends an audio file as a voice note (a WAV is encoded to Ogg/Opus first): stored in
    /// the outbox at once, uploaded with `voice_note_changed` progress events (`sent` /
    /// `total` bytes), retried until the server has it.
    pub async fn send_voice_note(
        &self,
        conversation_id: String,
        path: String,
    ) -> Result<Arc<VoiceUpload>, ParlorError> {
        let events = self
            .send_raw(Command::SendVoiceNote {
                conversation_id,
                path,
            })
            .await?;
        self.upload_handle(&events)
    }

    /// Plays a voice note by its `file_url` (downloaded once into the cache), stopping any
    /// other; `voice_playback` events report the position.
    pub async fn play_voice_note(&self, url: String) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::PlayVoiceNote { url }).await
    }

    /// Pauses playback.
    pub async fn pause_voice_note(&self) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::PauseVoiceNote).await
    }

    /// Resumes playback.
    pub async fn resume_voice_note(&self) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::ResumeVoiceNote).await
    }

    /// Seeks within the playing note.
    pub async fn seek_voice_note(&self, position: Duration) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::SeekVoiceNote {
            position_ms: to_ms(position),
        })
        .await
    }

    /// Stops playback.
    pub async fn stop_voice_note(&self) -> Result<Vec<Event>, ParlorError> {
        self.send(LocalCommand::StopVoiceNote).await
    }
}

impl ParlorClient {
    fn upload_handle(&self, answer: &[DomainEvent]) -> Result<Arc<VoiceUpload>, ParlorError> {
        answer
            .iter()
            .find_map(|e| match e {
                DomainEvent::VoiceNoteChanged { client_id, .. } => Some(Arc::new(VoiceUpload {
                    client: self.client.clone(),
                    client_id: client_id.clone(),
                })),
                _ => None,
            })
            .ok_or_else(|| ParlorError::Internal {
                detail: "no voice note was queued".into(),
            })
    }
}

/// A voice note on its way to the server: cancellable until the server has it.
#[derive(uniffi::Object)]
pub struct VoiceUpload {
    client: Client,
    client_id: String,
}

#[uniffi::export(async_runtime = "tokio")]
impl VoiceUpload {
    /// The note's client id (as in `voice_note_changed` and the cached message).
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// Cancels the upload and drops the note (an error once the server has it).
    pub async fn cancel(&self) -> Result<(), ParlorError> {
        let c = self.client.clone();
        let client_id = self.client_id.clone();
        run(async move {
            c.send(LocalCommand::CancelVoiceNote { client_id }).await?;
            Ok(())
        })
        .await
    }

    /// Sends the note again after it ended `unconfirmed` (its upload went out and the answer
    /// was lost, on a server that cannot drop a repeat): the user's choice, as the server may
    /// then hold it twice. An error when it is not unconfirmed.
    pub async fn resend(&self) -> Result<(), ParlorError> {
        let c = self.client.clone();
        let client_id = self.client_id.clone();
        run(async move {
            c.send(LocalCommand::ResendVoiceNote { client_id }).await?;
            Ok(())
        })
        .await
    }
}
