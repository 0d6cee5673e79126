//! The high-rate streams: the page passes a Tauri Channel, the event task feeds it.

use crate::events::{MeterUpdate, PlaybackUpdate, Streams, UploadProgress, VoiceLevel};
use tauri::ipc::Channel;
use tauri::State;

/// Live meter readings of running consultations (every second).
#[tauri::command]
#[specta::specta]
pub fn subscribe_meter(streams: State<'_, Streams>, channel: Channel<MeterUpdate>) {
    streams.meter(channel)
}

/// Recording levels (every 50 ms while recording).
#[tauri::command]
#[specta::specta]
pub fn subscribe_voice_levels(streams: State<'_, Streams>, channel: Channel<VoiceLevel>) {
    streams.levels(channel)
}

/// Upload progress of voice notes being sent.
#[tauri::command]
#[specta::specta]
pub fn subscribe_upload_progress(streams: State<'_, Streams>, channel: Channel<UploadProgress>) {
    streams.uploads(channel)
}

/// Voice-note playback states and positions.
#[tauri::command]
#[specta::specta]
pub fn subscribe_playback(streams: State<'_, Streams>, channel: Channel<PlaybackUpdate>) {
    streams.playback(channel)
}
