//! The expert's own presence, kept across reconnections. Servers hold presence in memory (or
//! drop it with the socket), so after a restart or a dropped link the expert would silently be
//! offline. This service remembers the last presence the server accepted and, on every
//! reconnection after the first connection, tells the server again that the expert is online.
//! Every front end (desktop, mobile, harness) attaches it, so none of them re-implements it.

use crate::client::{Client, Service, WeakClient};
use crate::command::Command;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::transport::ConnectionState;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::sync::{Arc, Mutex};

/// Remembers the expert's last accepted presence command and repeats it after reconnecting.
pub struct PresenceKeeper {
    client: WeakClient,
    state: Arc<Mutex<KeeperState>>,
}

#[derive(Default)]
struct KeeperState {
    /// The last presence command the server accepted, if it set the expert online.
    online_command: Option<Command>,
    /// A connection has been seen (the first one needs no restoring).
    was_connected: bool,
}

impl PresenceKeeper {
    /// Attaches a keeper to `client`.
    pub fn attach(client: &Client) -> Arc<PresenceKeeper> {
        let keeper = Arc::new(PresenceKeeper {
            client: client.downgrade(),
            state: Arc::default(),
        });
        client.attach(keeper.clone());
        keeper
    }

    /// True when the expert's last accepted presence was online (what is restored).
    pub fn is_online(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .online_command
            .is_some()
    }
}

/// Whether `cmd` sets the expert's own presence, and to online.
fn presence_of(cmd: &Command) -> Option<bool> {
    match cmd {
        Command::SetPresence { online } => Some(*online),
        _ => None,
    }
}

impl Service for PresenceKeeper {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        let DomainEvent::Connection { state } = event else {
            return Vec::new();
        };
        let connected = matches!(state, ConnectionState::Connected);
        let resend = {
            let mut s = self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let reconnected = connected && s.was_connected;
            s.was_connected |= connected;
            reconnected.then(|| s.online_command.clone()).flatten()
        };
        if let (Some(cmd), Some(client)) = (resend, self.client.upgrade()) {
            // observe() must not block: the command goes out on its own task.
            tokio::spawn(async move {
                if let Err(e) = client.send_to_server(cmd).await {
                    tracing::warn!(
                        code = e.code(),
                        "could not restore presence after reconnecting"
                    );
                }
            });
        }
        Vec::new()
    }

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let online = presence_of(cmd)?;
        let cmd = cmd.clone();
        let client = self.client.clone();
        let state = self.state.clone();
        Some(
            async move {
                let client = client
                    .upgrade()
                    .ok_or_else(|| Error::NotConnected("the client was closed".into()))?;
                let answer = client.send_to_server(cmd.clone()).await?;
                // Only what the server accepted is remembered.
                state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .online_command = online.then_some(cmd);
                Ok(answer)
            }
            .boxed(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ServerProfile;
    use crate::token::StaticToken;
    use crate::DialectId;

    fn offline_client() -> Client {
        let p = ServerProfile::new(DialectId::Telecaller, "http://127.0.0.1:9");
        Client::connect(p, Arc::new(StaticToken::new("t"))).unwrap()
    }

    #[test]
    fn only_presence_commands_are_claimed() {
        assert_eq!(
            presence_of(&Command::SetPresence { online: true }),
            Some(true)
        );
        assert_eq!(
            presence_of(&Command::SetPresence { online: false }),
            Some(false)
        );
        assert_eq!(presence_of(&Command::ListOnlineExperts), None);
    }

    #[tokio::test]
    async fn a_refused_change_is_not_remembered() {
        let client = offline_client();
        let keeper = PresenceKeeper::attach(&client);
        let err = client.send(Command::SetPresence { online: true }).await;
        assert!(err.is_err(), "no server: the change is refused");
        assert!(!keeper.is_online());
    }
}
