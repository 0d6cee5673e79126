//! Typing notifications, throttled: the UI may report every keystroke; the server hears one
//! "started" per throttle interval and one "stopped" after the user goes idle (or says so).

use crate::client::WeakClient;
use crate::command::Command;
use crate::error::Error;
use crate::event::DomainEvent;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug)]
struct State {
    last_start: Instant,
    idle_at: Instant,
}

/// Per-conversation typing state.
pub(super) struct Typing {
    throttle: Duration,
    idle: Duration,
    active: Mutex<HashMap<String, State>>,
}

/// What to tell the server now.
#[derive(Debug, PartialEq)]
enum Action {
    Start { spawn_idle_timer: bool },
    Stop,
    Nothing,
}

impl Typing {
    pub(super) fn new(throttle: Duration, idle: Duration) -> Typing {
        Typing {
            throttle,
            idle,
            active: Mutex::new(HashMap::new()),
        }
    }

    fn decide(&self, conversation_id: &str, typing: bool, now: Instant) -> Action {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if !typing {
            return match active.remove(conversation_id) {
                Some(_) => Action::Stop,
                None => Action::Nothing,
            };
        }
        match active.get_mut(conversation_id) {
            Some(st) => {
                st.idle_at = now + self.idle;
                if now.duration_since(st.last_start) >= self.throttle {
                    st.last_start = now;
                    Action::Start {
                        spawn_idle_timer: false,
                    }
                } else {
                    Action::Nothing
                }
            }
            None => {
                active.insert(
                    conversation_id.to_owned(),
                    State {
                        last_start: now,
                        idle_at: now + self.idle,
                    },
                );
                Action::Start {
                    spawn_idle_timer: true,
                }
            }
        }
    }

    /// When the conversation's idle deadline is, or `None` once it stopped.
    fn idle_at(&self, conversation_id: &str) -> Option<Instant> {
        let active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        active.get(conversation_id).map(|s| s.idle_at)
    }

    /// Ends typing if the deadline has passed; true when it did.
    fn expire(&self, conversation_id: &str, now: Instant) -> bool {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if active
            .get(conversation_id)
            .is_some_and(|s| s.idle_at <= now)
        {
            active.remove(conversation_id);
            return true;
        }
        false
    }
}

async fn tell(
    client: &WeakClient,
    conversation_id: &str,
    typing: bool,
) -> Result<Vec<DomainEvent>, Error> {
    let client = client.upgrade().ok_or(Error::Closed)?;
    client
        .send_to_server(Command::SetTyping {
            conversation_id: conversation_id.to_owned(),
            typing,
        })
        .await
}

/// `set_typing` through the throttle `state`, told to the server through `client`.
pub(super) async fn set(
    state: Arc<Typing>,
    client: WeakClient,
    conversation_id: String,
    typing: bool,
) -> Result<Vec<DomainEvent>, Error> {
    match state.decide(&conversation_id, typing, Instant::now()) {
        Action::Nothing => Ok(vec![]),
        Action::Stop => tell(&client, &conversation_id, false).await,
        Action::Start { spawn_idle_timer } => {
            if spawn_idle_timer {
                let (state, client) = (state.clone(), client.clone());
                let conv = conversation_id.clone();
                tokio::spawn(async move {
                    while let Some(at) = state.idle_at(&conv) {
                        tokio::time::sleep_until(at).await;
                        if state.expire(&conv, Instant::now()) {
                            let _ = tell(&client, &conv, false).await;
                            return;
                        }
                    }
                });
            }
            tell(&client, &conversation_id, true).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_start_per_interval_and_stop_only_after_a_start() {
        let t = Typing::new(Duration::from_secs(3), Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(
            t.decide("c", true, t0),
            Action::Start {
                spawn_idle_timer: true
            }
        );
        for ms in [100, 1000, 2900] {
            assert_eq!(
                t.decide("c", true, t0 + Duration::from_millis(ms)),
                Action::Nothing
            );
        }
        assert_eq!(
            t.decide("c", true, t0 + Duration::from_millis(3000)),
            Action::Start {
                spawn_idle_timer: false
            }
        );
        // Other conversations are independent.
        assert!(matches!(t.decide("d", true, t0), Action::Start { .. }));
        // Idle: the deadline moved with the last keystroke.
        assert!(!t.expire("c", t0 + Duration::from_millis(7000)));
        assert!(t.expire("c", t0 + Duration::from_millis(8000)));
        assert_eq!(t.decide("c", false, t0), Action::Nothing);
        assert_eq!(t.decide("d", false, t0), Action::Stop);
        assert_eq!(t.idle_at("d"), None);
    }
}
