//! The link to the server: a call survives a short drop and is reconciled after it.

use super::*;

impl Inner {
    /// The document's disconnect table, applied locally when our link drops: a ringing call
    /// is missed and an accepted one ended (the server does the same on its side); a call
    /// still initiating failed. Pending commands fail with `NotConnected`. After the
    /// reconnect, an accepted call we ended that way is ended on the server too (see
    /// [`Inner::reconcile`]).
    pub(super) fn on_connection(self: &Arc<Self>, state: &ConnectionState) -> Vec<DomainEvent> {
        let (before, now) = {
            let mut s = self.lock();
            let was = s.connected;
            s.connected = state.is_connected();
            if state.is_connected() {
                if !was {
                    // The server sends a fresh presence snapshot after every connect.
                    s.presence.clear();
                    let snap = s.machine.snapshot();
                    if snap.phase == CallPhase::Ended
                        && snap.ended_by.as_deref() == Some(DROPPED)
                        && snap.duration_secs.is_none()
                    {
                        if let Some(id) = snap.call_id.clone() {
                            self.reconcile(id);
                        }
                    }
                }
                return vec![];
            }
            if !was {
                return vec![];
            }
            if let Some(tx) = s.pending.take() {
                let _ = tx.send(Err(Error::NotConnected(
                    "the connection dropped before the server answered".into(),
                )));
            }
            let before = s.machine.phase().clone();
            let done = match before {
                CallPhase::Ringing => s.machine.finish(CallPhase::Missed, Some(DROPPED.into())),
                CallPhase::Accepted => s.machine.finish(CallPhase::Ended, Some(DROPPED.into())),
                CallPhase::Initiating => s.machine.finish(
                    CallPhase::Failed {
                        reason: "disconnected before the server answered".into(),
                    },
                    None,
                ),
                _ => false,
            };
            if !done {
                return vec![];
            }
            (before, s.machine.snapshot().clone())
        };
        vec![self.changed(&before, now)]
    }

    /// A server that kept the call across our drop (the reference server does across its own
    /// restart) would keep it open with nobody in it and refuse our next call: end it there
    /// too. Its answer (the ack's summary, or "Call is not active." when the server had
    /// already closed it as the document's table says) fills in or leaves the local record.
    pub(super) fn reconcile(self: &Arc<Self>, call_id: String) {
        let client = self.client.clone();
        self.spawn(async move {
            let Some(client) = client.upgrade() else {
                return;
            };
            match client
                .send_to_server(Command::EndCall {
                    call_id: call_id.clone(),
                })
                .await
            {
                Ok(_) => debug!(call_id, "call ended on the server after the reconnect"),
                Err(e) => debug!(call_id, error = %e, "nothing to reconcile"),
            }
        });
    }
}
