//! Core events to the page: one task per session forwards every `DomainEvent` as the typed
//! [`CoreEvent`], except the high-rate streams, which go to the Tauri Channels the page
//! passed to the `subscribe_*` commands. Every event also goes to [`crate::attention`] (ring,
//! notifications, the window's attention).

use crate::attention::Attention;
use parlor_core::consultation::MeterReading;
use parlor_core::{DomainEvent, EventStream};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

/// Every core event except the high-rate ones (see the module doc), as the core serializes
/// it (tag `event`).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct CoreEvent(pub DomainEvent);

/// The live meter of a running consultation (every second).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MeterUpdate {
    /// Which consultation.
    pub consultation_id: String,
    /// Elapsed time, cost and the user's remaining time.
    pub reading: MeterReading,
}

/// The recording level of the last 50 ms.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct VoiceLevel {
    /// Position in the recording.
    pub at_ms: u64,
    /// RMS, 0.0–1.0 of full scale.
    pub rms: f32,
}

/// Upload progress of a voice note being sent.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UploadProgress {
    /// The note's client id.
    pub client_id: String,
    /// Where it goes.
    pub conversation_id: String,
    /// Bytes sent.
    pub sent: u64,
    /// File size.
    pub total: u64,
}

/// Playback of a voice note: `started`, `position`, `paused`, `resumed`, `finished`,
/// `stopped`, `failed`.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PlaybackUpdate {
    /// The note's URL.
    pub url: String,
    /// The state.
    pub state: String,
    /// Position (with `position`).
    pub position_ms: Option<u64>,
    /// Length (with `started`).
    pub duration_ms: Option<u64>,
}

/// The channels the page subscribed. A channel whose page is gone fails to send and is dropped.
#[derive(Default)]
pub struct Streams {
    meter: Mutex<Vec<Channel<MeterUpdate>>>,
    levels: Mutex<Vec<Channel<VoiceLevel>>>,
    uploads: Mutex<Vec<Channel<UploadProgress>>>,
    playback: Mutex<Vec<Channel<PlaybackUpdate>>>,
}

fn push<T>(list: &Mutex<Vec<Channel<T>>>, channel: Channel<T>)
where
    T: tauri::ipc::IpcResponse + Clone,
{
    let mut list = list.lock().expect("streams lock");
    list.retain(|c| c.id() != channel.id());
    list.push(channel);
}

fn fan_out<T>(list: &Mutex<Vec<Channel<T>>>, item: T)
where
    T: tauri::ipc::IpcResponse + Clone,
{
    list.lock()
        .expect("streams lock")
        .retain(|c| c.send(item.clone()).is_ok());
}

impl Streams {
    /// Adds a meter channel.
    pub fn meter(&self, c: Channel<MeterUpdate>) {
        push(&self.meter, c)
    }
    /// Adds a recording-level channel.
    pub fn levels(&self, c: Channel<VoiceLevel>) {
        push(&self.levels, c)
    }
    /// Adds an upload-progress channel.
    pub fn uploads(&self, c: Channel<UploadProgress>) {
        push(&self.uploads, c)
    }
    /// Adds a playback channel.
    pub fn playback(&self, c: Channel<PlaybackUpdate>) {
        push(&self.playback, c)
    }

    /// Sends `event` to its stream, if it belongs to one; true when it goes ONLY there.
    fn route(&self, event: &DomainEvent) -> bool {
        match event {
            DomainEvent::MeterUpdate {
                consultation_id,
                reading,
            } => {
                fan_out(
                    &self.meter,
                    MeterUpdate {
                        consultation_id: consultation_id.clone(),
                        reading: reading.clone(),
                    },
                );
                true
            }
            DomainEvent::VoiceLevel { at_ms, rms } => {
                fan_out(
                    &self.levels,
                    VoiceLevel {
                        at_ms: *at_ms,
                        rms: *rms,
                    },
                );
                true
            }
            DomainEvent::VoiceNoteChanged {
                client_id,
                conversation_id,
                state,
                sent,
                total,
                ..
            } if state == "sending" => {
                fan_out(
                    &self.uploads,
                    UploadProgress {
                        client_id: client_id.clone(),
                        conversation_id: conversation_id.clone(),
                        sent: sent.unwrap_or(0),
                        total: total.unwrap_or(0),
                    },
                );
                true
            }
            DomainEvent::VoicePlayback {
                url,
                state,
                position_ms,
                duration_ms,
                ..
            } => {
                fan_out(
                    &self.playback,
                    PlaybackUpdate {
                        url: url.clone(),
                        state: state.clone(),
                        position_ms: *position_ms,
                        duration_ms: *duration_ms,
                    },
                );
                // Position ticks are high-rate; the other states are news for everyone.
                state == "position"
            }
            _ => false,
        }
    }
}

/// Forwards a session's `events` to the page until the client is gone (sign-out ends it).
pub fn spawn_forwarder<R: Runtime>(
    app: AppHandle<R>,
    mut events: EventStream,
) -> tauri::async_runtime::JoinHandle<()> {
    tauri::async_runtime::spawn(async move {
        while let Some(event) = events.recv().await {
            app.state::<Attention>().on_event(&app, &event);
            let streams = app.state::<Streams>();
            if streams.route(&event) {
                continue;
            }
            if let Err(e) = CoreEvent(event).emit(&app) {
                tracing::warn!(error = %e, "could not emit a core event to the page");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_rate_events_go_to_streams_only_and_news_to_the_page() {
        let streams = Streams::default();
        assert!(streams.route(&DomainEvent::VoiceLevel {
            at_ms: 50,
            rms: 0.2
        }));
        let playback = |state: &str| DomainEvent::VoicePlayback {
            url: "u".into(),
            state: state.into(),
            position_ms: None,
            duration_ms: None,
            waveform: Vec::new(),
        };
        assert!(streams.route(&playback("position")));
        assert!(!streams.route(&playback("finished")));
        assert!(!streams.route(&DomainEvent::ExpertBusy { busy: false }));
    }

    #[test]
    fn a_core_event_serializes_exactly_as_the_core_event() {
        let e = DomainEvent::ExpertBusy { busy: true };
        assert_eq!(
            serde_json::to_value(CoreEvent(e.clone())).unwrap(),
            serde_json::to_value(e).unwrap()
        );
    }
}
