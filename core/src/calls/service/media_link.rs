//! The call's media: joining and leaving the engine's room as the call's phase says, and the
//! media commands (mute, camera, devices) passed to the engine.

use super::*;

impl Inner {
    pub(super) fn join_media(self: &Arc<Self>, call: &CallSnapshot) {
        let (Some(engine), Some(call_id), Some(grant)) = (
            self.engine.clone(),
            call.call_id.clone(),
            call.livekit.clone(),
        ) else {
            return;
        };
        {
            let mut s = self.lock();
            if s.media_call.as_deref() == Some(call_id.as_str()) {
                return;
            }
            s.media_call = Some(call_id.clone());
        }
        let join = MediaJoin {
            call_id: call_id.clone(),
            media: call.media.unwrap_or(crate::model::CallMedia::Audio),
            grant,
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<MediaEvent>();
        let client = self.client.clone();
        let id = call_id.clone();
        // Media events become `call_media` domain events, in order.
        self.spawn(async move {
            while let Some(media) = rx.recv().await {
                let Some(c) = client.upgrade() else { break };
                c.publish(DomainEvent::CallMedia {
                    call_id: id.clone(),
                    media,
                });
            }
        });
        let me = Arc::downgrade(self);
        self.spawn(async move {
            if let Err(e) = engine.join(join, tx.clone()).await {
                warn!(error = %e, "media join failed");
                let _ = tx.send(MediaEvent::Disconnected {
                    reason: e.to_string(),
                });
                if let Some(me) = me.upgrade() {
                    let mut s = me.lock();
                    if s.media_call.as_deref() == Some(call_id.as_str()) {
                        s.media_call = None;
                    }
                }
                return;
            }
            // The call may have ended while we joined: then leave at once.
            if let Some(me) = me.upgrade() {
                let over = {
                    let s = me.lock();
                    let snap = s.machine.snapshot();
                    snap.call_id.as_deref() != Some(call_id.as_str()) || snap.phase.is_over()
                };
                if over {
                    // The end's own leave may have run before the join finished: leave here.
                    {
                        let mut s = me.lock();
                        if s.media_call.as_deref() == Some(call_id.as_str()) {
                            s.media_call = None;
                        }
                    }
                    engine.leave().await;
                }
            }
        });
    }

    pub(super) fn leave_media(&self, call_id: &str) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        {
            let mut s = self.lock();
            if s.media_call.as_deref() != Some(call_id) {
                return;
            }
            s.media_call = None;
        }
        self.spawn(async move { engine.leave().await });
    }
}

impl Inner {
    pub(super) fn media_command(
        &self,
        cmd: &LocalCommand,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        let Some(engine) = self.engine.clone() else {
            return async { Err(Error::Unsupported("no media engine is attached".into())) }.boxed();
        };
        {
            let s = self.lock();
            if *s.machine.phase() != CallPhase::Accepted || s.media_call.is_none() {
                return refused(CallRefusal::NotActive);
            }
        }
        let work = match cmd.clone() {
            LocalCommand::SetMicrophone { enabled } => engine.set_microphone(enabled),
            LocalCommand::SetCamera { enabled } => engine.set_camera(enabled),
            LocalCommand::SwitchMediaDevice { kind, device_id } => {
                engine.switch_device(kind, device_id)
            }
            _ => return async { Ok(vec![]) }.boxed(),
        };
        async move {
            work.await?;
            Ok(vec![])
        }
        .boxed()
    }
}
