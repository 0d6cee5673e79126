//! Agora join info for the platform SDKs, on servers that hand out Agora tokens
//! (`Capability::Agora`). There is no Rust Agora SDK: when an audio or video session is
//! accepted, the core asks the server for an RTC token (the dialect encodes the request for the
//! session's channel) and publishes an `agora_join_ready` event with `{app_id, channel, token,
//! uid}`; the desktop and mobile apps join with it.

use crate::client::{Client, Service, WeakClient};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{ConsultationKind, RequestOutcome};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tracing::warn;

#[derive(Default)]
struct State {
    /// Kinds of known sessions.
    kinds: HashMap<String, ConsultationKind>,
    /// Sessions whose token was already fetched.
    fetched: HashSet<String>,
}

/// Fetches the Agora token of every accepted audio or video session and publishes the join
/// info. Attach it with [`AgoraService::attach`].
#[derive(Clone)]
pub struct AgoraService {
    client: WeakClient,
    uid: Option<String>,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Handle>,
}

impl AgoraService {
    /// Attaches the service to `client`; the uid asked for is the profile's account id.
    pub fn attach(client: &Client) -> AgoraService {
        let service = AgoraService {
            client: client.downgrade(),
            uid: client.profile().account_id.clone(),
            state: Arc::default(),
            runtime: tokio::runtime::Handle::try_current().ok(),
        };
        client.attach(Arc::new(service.clone()));
        service
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fetch(&self, session: String, channel: String) {
        let client = self.client.clone();
        let uid = self.uid.clone();
        let Some(rt) = self
            .runtime
            .clone()
            .or_else(|| tokio::runtime::Handle::try_current().ok())
        else {
            warn!(session, "no tokio runtime: no Agora token fetched");
            return;
        };
        rt.spawn(async move {
            let Some(client) = client.upgrade() else {
                return;
            };
            // The answer (agora_join_ready) is published by send_to_server itself.
            if let Err(e) = client
                .send_to_server(Command::RequestAgoraToken {
                    channel: channel.clone(),
                    uid,
                })
                .await
            {
                warn!(session, channel, error = %e, "no Agora token");
                client.publish(DomainEvent::CallError {
                    code: None,
                    message: format!("Agora token for session {session}: {e}"),
                });
            }
        });
    }
}

impl Service for AgoraService {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        match event {
            // The kind comes with the events (the user's start answer, the expert's
            // request), so the order in which services are attached does not matter.
            DomainEvent::ConsultationRequestSent {
                consultation_id,
                kind: Some(kind),
                ..
            } => {
                self.lock().kinds.insert(consultation_id.clone(), *kind);
            }
            DomainEvent::ConsultationRequested {
                consultation_id,
                kind,
                ..
            } => {
                self.lock().kinds.insert(consultation_id.clone(), *kind);
            }
            DomainEvent::ConsultationAnswered {
                consultation_id,
                outcome: RequestOutcome::Accepted,
                channel: Some(channel),
                ..
            } => {
                let go = {
                    let mut s = self.lock();
                    let media = matches!(
                        s.kinds.get(consultation_id),
                        Some(ConsultationKind::Audio | ConsultationKind::Video)
                    );
                    media && s.fetched.insert(consultation_id.clone())
                };
                if go {
                    self.fetch(consultation_id.clone(), channel.clone());
                }
            }
            _ => {}
        }
        vec![]
    }
}
