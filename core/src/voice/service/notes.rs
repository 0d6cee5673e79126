//! The notes on their way: announcing one as soon as it is queued, and turning the voice
//! outbox's reports into the domain's events.

use super::*;

fn note_event(note: &OutboxNote, state: &str) -> DomainEvent {
    DomainEvent::VoiceNoteChanged {
        client_id: note.client_id.clone(),
        conversation_id: note.session_id.clone(),
        state: state.into(),
        sent: None,
        total: None,
        duration_ms: note.duration_ms,
        waveform: note.waveform.clone(),
        message_id: None,
        file_url: None,
        error: None,
    }
}

impl Inner {
    /// Publishes the note just queued before its command returns, so the conversation's cache
    /// holds it when the caller looks (as a text message's does). The outbox's own `Queued`
    /// report arrives on another task: whichever comes first publishes, the other is skipped.
    pub(super) fn announce_queued(&self, n: OutboxNote) -> Vec<DomainEvent> {
        let e = note_event(&n, "queued");
        let first = {
            let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
            // Already sent, failed or cancelled (its report went out): nothing to announce.
            if !self.outbox.is_pending(&n.client_id) {
                return Vec::new();
            }
            let first = !notes.contains_key(&n.client_id);
            notes.entry(n.client_id.clone()).or_insert(n);
            first
        };
        if first {
            self.publish(e.clone());
        }
        vec![e]
    }

    /// The recording in progress, taken out (stop and cancel end it).
    pub(super) fn take_recorder(&self) -> Result<Recorder, Error> {
        self.recorder
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| Error::IllegalState("not recording".into()))
    }

    pub(super) fn publish(&self, event: DomainEvent) {
        if let Some(c) = self.client.upgrade() {
            c.publish(event);
        }
    }

    pub(super) fn outbox_event(&self, ev: VoiceOutboxEvent) -> Option<DomainEvent> {
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        Some(match ev {
            VoiceOutboxEvent::Queued(n) => {
                // The command that queued it has announced it already (see `announce_queued`);
                // notes an earlier process left behind are announced here.
                if notes.contains_key(&n.client_id) {
                    return None;
                }
                let e = note_event(&n, "queued");
                notes.insert(n.client_id.clone(), n);
                e
            }
            VoiceOutboxEvent::Progress {
                client_id,
                sent,
                total,
            } => {
                let n = notes.get(&client_id)?;
                let mut e = note_event(n, "sending");
                if let DomainEvent::VoiceNoteChanged {
                    sent: s, total: t, ..
                } = &mut e
                {
                    *s = Some(sent);
                    *t = Some(total);
                }
                e
            }
            VoiceOutboxEvent::Retrying {
                client_id, error, ..
            } => {
                let n = notes.get(&client_id)?;
                let mut e = note_event(n, "retrying");
                if let DomainEvent::VoiceNoteChanged { error: er, .. } = &mut e {
                    *er = Some(error.to_string());
                }
                e
            }
            VoiceOutboxEvent::Sent(n) => {
                notes.remove(&n.client_id);
                let mut e = note_event(&n, "sent");
                if let DomainEvent::VoiceNoteChanged {
                    message_id,
                    file_url,
                    ..
                } = &mut e
                {
                    // The server's answer, read by its dialect.
                    let note = match (n.message.as_ref(), self.client.upgrade()) {
                        (Some(answer), Some(client)) => client.rules().decode_upload_answer(answer),
                        _ => Default::default(),
                    };
                    *message_id = note.message_id;
                    *file_url = note.file_url;
                }
                e
            }
            VoiceOutboxEvent::Failed { client_id, error } => {
                let n = notes.remove(&client_id)?;
                let mut e = note_event(&n, "failed");
                if let DomainEvent::VoiceNoteChanged { error: er, .. } = &mut e {
                    *er = Some(error.to_string());
                }
                e
            }
            VoiceOutboxEvent::Unconfirmed { client_id, error } => {
                // Kept: the user may still resend it.
                let n = notes.get(&client_id)?;
                let mut e = note_event(n, "unconfirmed");
                if let DomainEvent::VoiceNoteChanged { error: er, .. } = &mut e {
                    *er = Some(format!(
                        "{error}; this server cannot tell whether it arrived: resend or discard"
                    ));
                }
                e
            }
            VoiceOutboxEvent::Resent { client_id } => {
                note_event(notes.get(&client_id)?, "retrying")
            }
            VoiceOutboxEvent::Cancelled { client_id } => {
                let n = notes.remove(&client_id)?;
                note_event(&n, "cancelled")
            }
        })
    }
}
