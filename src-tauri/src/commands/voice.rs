//! Voice notes: record (levels on a channel), send, play (position on a channel).

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use parlor_core::{Command, LocalCommand};
use tauri::State;

/// The input devices by name.
#[tauri::command]
#[specta::specta]
pub async fn list_input_devices(state: State<'_, AppState>) -> AppResult<Vec<String>> {
    let voice = state
        .core(|s| s.voice.clone())
        .await?
        .ok_or_else(|| AppError::new("unsupported", "This server takes no voice notes."))?;
    Ok(voice.input_devices().await?)
}

/// Starts recording (default device, 60 s at most unless told).
#[tauri::command]
#[specta::specta]
pub async fn start_recording(
    state: State<'_, AppState>,
    device: Option<String>,
    max_secs: Option<f64>,
) -> AppResult<()> {
    state
        .send(LocalCommand::StartRecording { device, max_secs })
        .await
        .map(drop)
}

/// Pauses the recording.
#[tauri::command]
#[specta::specta]
pub async fn pause_recording(state: State<'_, AppState>) -> AppResult<()> {
    state.send(LocalCommand::PauseRecording).await.map(drop)
}

/// Resumes the recording.
#[tauri::command]
#[specta::specta]
pub async fn resume_recording(state: State<'_, AppState>) -> AppResult<()> {
    state.send(LocalCommand::ResumeRecording).await.map(drop)
}

/// Discards the recording.
#[tauri::command]
#[specta::specta]
pub async fn cancel_recording(state: State<'_, AppState>) -> AppResult<()> {
    state.send(LocalCommand::CancelRecording).await.map(drop)
}

/// Stops recording; with a conversation, sends it as a voice note.
#[tauri::command]
#[specta::specta]
pub async fn stop_recording(
    state: State<'_, AppState>,
    conversation_id: Option<String>,
) -> AppResult<()> {
    state
        .send(LocalCommand::StopRecording { conversation_id })
        .await
        .map(drop)
}

/// Sends an audio file (WAV is encoded to Ogg/Opus; ogg, mp3, webm go as they are).
#[tauri::command]
#[specta::specta]
pub async fn send_voice_note_file(
    state: State<'_, AppState>,
    conversation_id: String,
    path: String,
) -> AppResult<()> {
    state
        .send(Command::SendVoiceNote {
            conversation_id,
            path,
        })
        .await
        .map(drop)
}

/// Cancels a voice note the server does not have yet.
#[tauri::command]
#[specta::specta]
pub async fn cancel_voice_note(state: State<'_, AppState>, client_id: String) -> AppResult<()> {
    state
        .send(LocalCommand::CancelVoiceNote { client_id })
        .await
        .map(drop)
}

/// Plays a voice note (downloaded once into the cache), stopping any other.
#[tauri::command]
#[specta::specta]
pub async fn play_voice_note(state: State<'_, AppState>, url: String) -> AppResult<()> {
    state
        .send(LocalCommand::PlayVoiceNote { url })
        .await
        .map(drop)
}

/// Pauses playback.
#[tauri::command]
#[specta::specta]
pub async fn pause_voice_note(state: State<'_, AppState>) -> AppResult<()> {
    state.send(LocalCommand::PauseVoiceNote).await.map(drop)
}

/// Resumes playback.
#[tauri::command]
#[specta::specta]
pub async fn resume_voice_note(state: State<'_, AppState>) -> AppResult<()> {
    state.send(LocalCommand::ResumeVoiceNote).await.map(drop)
}

/// Seeks within the playing note.
#[tauri::command]
#[specta::specta]
pub async fn seek_voice_note(state: State<'_, AppState>, position_ms: u32) -> AppResult<()> {
    state
        .send(LocalCommand::SeekVoiceNote {
            position_ms: u64::from(position_ms),
        })
        .await
        .map(drop)
}

/// Stops playback.
#[tauri::command]
#[specta::specta]
pub async fn stop_voice_note(state: State<'_, AppState>) -> AppResult<()> {
    state.send(LocalCommand::StopVoiceNote).await.map(drop)
}
