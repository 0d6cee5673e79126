//! The outbox's sending loop: one note at a time, oldest first, each try's outcome filed
//! (sent, retried after a backoff, set aside as unconfirmed, or failed).

use super::{write_durable, VoiceOutbox, VoiceOutboxEvent};
use crate::voice::VoiceError;
use std::collections::HashMap;
use std::time::Duration;

/// Runs until the outbox is dropped.
pub(super) async fn run(weak: std::sync::Weak<VoiceOutbox>) {
    let mut attempts: HashMap<String, u32> = HashMap::new();
    loop {
        let Some(outbox) = weak.upgrade() else {
            return;
        };
        let Some(note) = outbox.pending().into_iter().next() else {
            let wake = outbox.wake.clone();
            drop(outbox);
            let _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
            continue;
        };
        let result = outbox.try_send(&note).await;
        if result.is_err() && outbox.is_cancelled(&note.client_id) {
            // Cancelled while in flight: its files are gone and `Cancelled` was reported.
            attempts.remove(&note.client_id);
            continue;
        }
        match result {
            Ok(message) => {
                attempts.remove(&note.client_id);
                if outbox.is_cancelled(&note.client_id) {
                    // Too late to cancel: the server has it. Report it sent anyway.
                    tracing::info!(id = %note.client_id, "voice note sent before its cancel");
                }
                let mut done = note.clone();
                done.message = Some(message);
                if let Ok(json) = serde_json::to_vec_pretty(&done) {
                    let path = outbox
                        .dir
                        .join("sent")
                        .join(format!("{}.json", note.client_id));
                    if let Err(e) = write_durable(&path, &json) {
                        tracing::warn!(error = %e, "cannot record a sent voice note");
                    }
                }
                outbox.remove_pending(&note);
                let _ = outbox.events.send(VoiceOutboxEvent::Sent(done));
            }
            Err(VoiceError::Cancelled) => {
                attempts.remove(&note.client_id);
            }
            Err(e)
                if e.may_have_arrived()
                    && e.is_transient()
                    && !outbox.config.server_deduplicates =>
            {
                // Another try might store it twice: the user decides (at most once).
                attempts.remove(&note.client_id);
                if let Err(io) = outbox.move_note(&note, "pending", "unconfirmed") {
                    // Cannot set it aside: at least this process does not try it again.
                    tracing::warn!(error = %io, id = %note.client_id, "cannot keep an unconfirmed voice note");
                    outbox
                        .cancelled
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(note.client_id.clone());
                }
                let _ = outbox.events.send(VoiceOutboxEvent::Unconfirmed {
                    client_id: note.client_id.clone(),
                    error: e,
                });
            }
            Err(e) if e.is_transient() => {
                let n = attempts.entry(note.client_id.clone()).or_insert(0);
                *n += 1;
                let delay = match &e {
                    VoiceError::TooMany { retry_after_ms } => {
                        Duration::from_millis(*retry_after_ms)
                    }
                    _ => outbox
                        .config
                        .retry_base
                        .saturating_mul(1 << (*n - 1).min(16))
                        .min(outbox.config.retry_max),
                };
                let _ = outbox.events.send(VoiceOutboxEvent::Retrying {
                    client_id: note.client_id.clone(),
                    error: e,
                    attempt: *n,
                });
                let wake = outbox.wake.clone();
                drop(outbox);
                let _ = tokio::time::timeout(delay, wake.notified()).await;
            }
            Err(e) => {
                attempts.remove(&note.client_id);
                let mut failed = note.clone();
                failed.error = Some(e.to_string());
                let failed_dir = outbox.dir.join("failed");
                let _ = std::fs::rename(
                    outbox.audio_path("pending", &note),
                    outbox.audio_path("failed", &note),
                );
                if let Ok(json) = serde_json::to_vec_pretty(&failed) {
                    let _ =
                        write_durable(&failed_dir.join(format!("{}.json", note.client_id)), &json);
                }
                let _ = std::fs::remove_file(
                    outbox
                        .dir
                        .join("pending")
                        .join(format!("{}.json", note.client_id)),
                );
                let _ = outbox.events.send(VoiceOutboxEvent::Failed {
                    client_id: note.client_id.clone(),
                    error: e,
                });
            }
        }
    }
}
