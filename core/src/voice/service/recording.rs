//! Recording: starting the recorder with its level events, and sending what it recorded as a
//! note.

use super::*;

/// Starts a recording and forwards its events.
pub(super) fn start_recording(
    inner: &Arc<Inner>,
    device: Option<String>,
    max_secs: Option<f64>,
) -> Result<Vec<DomainEvent>, Error> {
    let mut slot = inner.recorder.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_some() {
        return Err(Error::IllegalState("already recording".into()));
    }
    let config = RecorderConfig {
        device,
        max_duration: max_secs
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(60)),
    };
    let (rec, mut rx) = Recorder::start(&config).map_err(to_error)?;
    *slot = Some(rec);
    let weak = Arc::downgrade(inner);
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            let Some(inner) = weak.upgrade() else { return };
            let e = match ev {
                RecorderEvent::Level { at_ms, rms } => DomainEvent::VoiceLevel { at_ms, rms },
                RecorderEvent::MaxLengthReached { duration_ms } => DomainEvent::RecordingEnded {
                    reason: "max_length".into(),
                    duration_ms,
                },
                RecorderEvent::Failed(m) => {
                    tracing::warn!(error = %m, "recording failed");
                    DomainEvent::RecordingEnded {
                        reason: "failed".into(),
                        duration_ms: 0,
                    }
                }
            };
            inner.publish(e);
        }
    });
    let started = DomainEvent::RecordingStarted {
        max_ms: config.max_duration.as_millis() as u64,
    };
    inner.publish(started.clone());
    Ok(vec![started])
}

/// Encodes mono 48 kHz samples and queues them.
pub(super) async fn send_samples(
    inner: Arc<Inner>,
    conversation_id: String,
    samples: Vec<i16>,
) -> Result<Vec<DomainEvent>, Error> {
    let note = tokio::task::spawn_blocking(move || encode_ogg_opus(&samples))
        .await
        .map_err(|e| Error::Protocol(e.to_string()))?
        .map_err(to_error)?;
    let queued = inner
        .outbox
        .queue(
            &conversation_id,
            VoiceFile::ogg("voice-note.ogg", note.bytes),
            note.duration_ms,
            note.waveform.clone(),
        )
        .map_err(to_error)?;
    Ok(inner.announce_queued(queued))
}
