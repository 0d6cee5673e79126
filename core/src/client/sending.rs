//! Sending a command: to the service that claims it, else encoded by the dialect and carried
//! over the socket (emit or ack) or the REST client, its direct answer decoded and published.

use super::*;

impl Client {
    /// Sends a command, for the server ([`Command`]) or for the client itself
    /// ([`LocalCommand`]): an attached service may perform it (the outbox sends messages, the
    /// consultation service lists consultations); otherwise a `Command` is encoded by the
    /// dialect for the server, and a `LocalCommand` is unsupported.
    /// Returns the events of the direct answer (ack or REST body), which are also published;
    /// events the server sends later arrive on the streams only.
    ///
    /// A `LocalCommand` is answered by the services from what they keep, offline too; a
    /// client without them has no answer:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use parlor_core::{DialectId, DomainEvent, Error, LocalCommand, ServerProfile, Session};
    /// use parlor_core::{Client, StaticToken};
    /// use std::sync::Arc;
    /// let profile = ServerProfile::new(DialectId::BillingChat, "http://127.0.0.1:9");
    /// let session = Session::builder(profile.clone(), Arc::new(StaticToken::new("jwt"))).build()?;
    /// let answer = session.client.send(LocalCommand::ListConsultations).await?;
    /// assert!(matches!(
    ///     answer.as_slice(),
    ///     [DomainEvent::ConsultationList { consultations }] if consultations.is_empty()
    /// ));
    /// let bare = Client::connect(profile, Arc::new(StaticToken::new("jwt")))?;
    /// let refused = bare.send(LocalCommand::ListConsultations).await;
    /// assert!(matches!(refused, Err(Error::Unsupported(_))));
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, cmd: impl Into<Request>) -> Result<Vec<DomainEvent>, Error> {
        let request = cmd.into();
        let services: Vec<Arc<dyn Service>> = read(&self.inner.services).clone();
        for s in services {
            let offer = || match &request {
                Request::Server(cmd) => s.handle(cmd),
                Request::Local(cmd) => s.handle_local(cmd),
            };
            let claimed = match catch_unwind(AssertUnwindSafe(offer)) {
                Ok(claimed) => claimed,
                Err(panic) => return Err(self.report_panic(s.name(), &request, &*panic)),
            };
            if let Some(work) = claimed {
                return match AssertUnwindSafe(work).catch_unwind().await {
                    Ok(result) => result,
                    Err(panic) => Err(self.report_panic(s.name(), &request, &*panic)),
                };
            }
        }
        match request {
            Request::Server(cmd) => self.send_to_server(cmd).await,
            // Only a service answers for the client; none attached here does.
            Request::Local(cmd) => Err(Error::Unsupported(format!(
                "`{}` is not available on this client (no service for it is attached)",
                cmd.name()
            ))),
        }
    }

    /// Publishes the internal error of a panic in `service` while it handled `cmd`, and
    /// returns the error for the caller.
    fn report_panic(&self, service: &str, cmd: &Request, panic: &(dyn Any + Send)) -> Error {
        let event = internal_error(service, "handle", cmd, panic);
        let message = match &event {
            DomainEvent::ServerError { message, .. } => message.clone(),
            _ => String::new(),
        };
        self.inner.publish(&event);
        Error::Protocol(format!("internal error: {message}"))
    }

    /// Sends a command straight to the server through the dialect, bypassing services (the
    /// services themselves use this to deliver).
    pub async fn send_to_server(&self, cmd: Command) -> Result<Vec<DomainEvent>, Error> {
        check_raw(&cmd)?;
        let outbound = self.inner.dialect.encode(&cmd)?;
        let mut answers = Vec::new();
        for out in &outbound {
            let (events, published) = match out {
                Outbound::Request { event, .. } => self.request(out, event).await?,
                _ => (self.perform(out).await?, false),
            };
            if !published {
                for e in &events {
                    self.inner.publish(e);
                }
            }
            answers.extend(events);
        }
        Ok(answers)
    }

    /// A request: its answer is the ack, or, where the dialect says the server may answer by
    /// an event instead (a NestJS gateway returning `{event, data}` emits it and never acks),
    /// that event, whichever comes first. Returns the answer's events and whether they were
    /// already published (an event answer went through the pump like any event).
    async fn request(
        &self,
        out: &Outbound,
        event: &str,
    ) -> Result<(Vec<DomainEvent>, bool), Error> {
        let answer_events = self.inner.dialect.answer_events(event);
        if answer_events.is_empty() {
            return Ok((self.perform(out).await?, false));
        }
        let mut raw = self.subscribe_raw();
        let by_event = async {
            while let Some(item) = raw.recv().await {
                if let RawTraffic::Event { name, args } = item {
                    if answer_events.contains(&name.as_str()) {
                        return (name, args);
                    }
                }
            }
            std::future::pending().await
        };
        tokio::select! {
            acked = self.perform(out) => Ok((acked?, false)),
            // Dropping the request frees the ack slot; a late ack finds its receiver gone.
            (name, args) = by_event => {
                let envelope = serde_json::json!([{
                    "event": name,
                    "data": args.into_iter().next().unwrap_or(Value::Null),
                }]);
                Ok((self.inner.dialect.decode_reply(out, &envelope)?, true))
            }
        }
    }

    async fn perform(&self, out: &Outbound) -> Result<Vec<DomainEvent>, Error> {
        match out {
            Outbound::Emit { event, arg } => {
                self.inner.socket.emit(event, args_of(arg)).await?;
                Ok(vec![])
            }
            Outbound::EmitOwnView {
                event,
                arg,
                own_view,
            } => {
                self.inner.socket.emit(event, args_of(arg)).await?;
                Ok(own_view.clone())
            }
            Outbound::Request { event, arg, .. } => {
                let answer = self.inner.socket.request(event, args_of(arg), None).await?;
                self.inner.tap(|| RawTraffic::Answer {
                    sent: out.clone(),
                    answer: raw_of_args(&answer),
                });
                Ok(self
                    .inner
                    .dialect
                    .decode_reply(out, &raw_of_args(&answer))?)
            }
            Outbound::Rest { request, .. } => {
                let rest = self.inner.rest.as_ref().ok_or(RestError::NoBaseUrl)?;
                let body = rest.send(request).await?;
                self.inner.tap(|| RawTraffic::Answer {
                    sent: out.clone(),
                    answer: body.clone(),
                });
                Ok(self.inner.dialect.decode_reply(out, &body)?)
            }
        }
    }
}

/// A socket argument list from one JSON argument (`null` means none).
fn args_of(arg: &Value) -> Vec<Value> {
    match arg {
        Value::Null => vec![],
        other => vec![other.clone()],
    }
}
