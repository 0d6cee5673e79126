//! Calls placed and answered: the commands that start a call, and their failures.

use super::*;

impl Inner {
    pub(super) fn initiate(
        self: &Arc<Self>,
        cmd: Command,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        let Command::InitiateCall { callee_id, media } = &cmd else {
            return async { Err(Error::InvalidInput("not an initiate command".into())) }.boxed();
        };
        let (rx, announce) = {
            let mut s = self.lock();
            if let Err(r) = s.machine.check(&cmd) {
                return refused(r);
            }
            let now = Instant::now();
            let window = self.config.rate_window;
            while s
                .initiations
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                s.initiations.pop_front();
            }
            if s.initiations.len() >= self.config.max_initiations {
                return refused(CallRefusal::RateLimited);
            }
            s.initiations.push_back(now);
            let before = s.machine.phase().clone();
            s.machine.initiate(callee_id, *media);
            let (tx, rx) = oneshot::channel();
            s.pending = Some(tx);
            (rx, (before, s.machine.snapshot().clone()))
        };
        let me = self.clone();
        async move {
            let Some(client) = me.client.upgrade() else {
                return Err(Error::Closed);
            };
            client.publish(me.changed(&announce.0, announce.1));
            if let Err(e) = client.send_to_server(cmd).await {
                me.fail_initiating(&client, e.to_string());
                return Err(e);
            }
            match tokio::time::timeout(me.config.answer_timeout, rx).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(Error::Closed),
                Err(_) => {
                    me.lock().pending = None;
                    me.fail_initiating(&client, "no answer from the server".into());
                    Err(Error::Timeout(format!(
                        "no call:ringing or call:error within {:?}",
                        me.config.answer_timeout
                    )))
                }
            }
        }
        .boxed()
    }

    pub(super) fn fail_initiating(self: &Arc<Self>, client: &Client, reason: String) {
        let now = {
            let mut s = self.lock();
            s.pending = None;
            if *s.machine.phase() != CallPhase::Initiating {
                return;
            }
            s.machine.finish(CallPhase::Failed { reason }, None);
            s.machine.snapshot().clone()
        };
        client.publish(self.changed(&CallPhase::Initiating, now));
    }

    /// Cancel, accept, reject, end: checked here, then sent (the dialect asks for the ack and
    /// turns it into the sender's event or the server's error verbatim).
    pub(super) fn answer(
        self: &Arc<Self>,
        cmd: Command,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        if let Err(r) = self.lock().machine.check(&cmd) {
            return refused(r);
        }
        let me = self.clone();
        async move {
            let Some(client) = me.client.upgrade() else {
                return Err(Error::Closed);
            };
            match client.send_to_server(cmd.clone()).await {
                // A server that does not ack got the emit all the same: finish locally.
                Err(Error::Timeout(_)) => {
                    let (id, from, to) = match &cmd {
                        Command::CancelCall { call_id } => {
                            (call_id, CallPhase::Ringing, CallPhase::Cancelled)
                        }
                        Command::EndCall { call_id } => {
                            (call_id, CallPhase::Accepted, CallPhase::Ended)
                        }
                        Command::RejectCall { call_id } => {
                            (call_id, CallPhase::Ringing, CallPhase::Rejected)
                        }
                        _ => {
                            return Err(Error::Timeout(
                                "the server did not acknowledge the call command".into(),
                            ))
                        }
                    };
                    me.settle(id, from, to, "local:unacknowledged");
                    Ok(vec![])
                }
                other => other,
            }
        }
        .boxed()
    }
}

impl Inner {
    pub(super) fn list_history(
        &self,
        limit: Option<u32>,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        let calls = self.history(limit);
        async move {
            Ok(vec![DomainEvent::CallHistory {
                calls: calls.await?,
            }])
        }
        .boxed()
    }

    /// Past calls from the cache, newest first (`limit`, default 50).
    pub(super) fn history(
        &self,
        limit: Option<u32>,
    ) -> BoxFuture<'static, Result<Vec<CallRecord>, Error>> {
        let Some(store) = self.store.clone() else {
            return async { Err(Error::Unsupported("no cache is attached".into())) }.boxed();
        };
        async move {
            tokio::task::spawn_blocking(move || history::list(&store, limit.unwrap_or(50)))
                .await
                .map_err(|e| Error::Protocol(format!("history task failed: {e}")))?
                .map_err(|e| Error::Protocol(e.to_string()))
        }
        .boxed()
    }
}
