//! The supervisor task: one connection at a time, reconnecting with socket.io-client's backoff,
//! and renewing the token after the server refused it.
//!
//! **Token renewal.** When the server refuses a token (a handshake `connect_error`, or a
//! dialect's refusing login event), the supervisor tells the source
//! ([`TokenSource::refused`](crate::token::TokenSource::refused)), reports `AuthFailed` with the
//! server's words, and asks the source again: at once, then after the renewal backoff (by
//! default 1 s, 2 s, 4 s … at most 30 s, ±50 %) for as long as no token works. A token the server refused is never sent again: while the source
//! returns it unchanged, the supervisor only waits and asks again (reading a file or a variable;
//! the server sees nothing). A different token is tried at once. The state stays `AuthFailed`
//! until a token works (`Connected`), so every command fails fast with `auth_failed`. With
//! `renewal.max_attempts` set, the supervisor gives up after that many asks in a row without a
//! working token (`Disconnected`); by default it keeps asking until the client is closed.

use super::callbacks::{raw_builder, Phase};
use super::shared::{Control, Live, Shared};
use crate::model::ConnectionState;
use crate::sync::lock;
use crate::token::SharedTokenSource;
use rust_socketio::asynchronous::Client as RawClient;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tracing::{debug, warn};

/// How a connection (or an attempt) ended.
enum Ended {
    /// Try again (after the backoff, or at once).
    Retry { reason: String, immediately: bool },
    /// The server refused the token; its message.
    Refused(String),
    /// Stop for good in this state.
    Stop(ConnectionState),
}

type ControlRx = mpsc::UnboundedReceiver<Control>;

pub(super) async fn supervise(
    shared: Arc<Shared>,
    tokens: SharedTokenSource,
    mut control_rx: ControlRx,
) {
    let mut generation: u64 = 0;
    // Network failures in a row, and asks for a token in a row that brought none that works.
    let mut failures: u32 = 0;
    let mut renewals: u32 = 0;
    // The last token the server refused: never sent again.
    let mut refused: Option<String> = None;
    set_state(&shared, ConnectionState::Connecting { attempt: 1 });
    loop {
        let token = match tokens.token().await {
            Ok(t) if refused.as_deref() != Some(t.as_str()) => t,
            Ok(_) => {
                if !renewal_wait(&shared, &mut control_rx, &mut renewals).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                set_state(
                    &shared,
                    ConnectionState::AuthFailed {
                        message: e.to_string(),
                    },
                );
                if !renewal_wait(&shared, &mut control_rx, &mut renewals).await {
                    return;
                }
                continue;
            }
        };
        generation += 1;
        // Boxed: connecting (rust_socketio's handshake) needs several KB of state for a moment,
        // and a future is as large as its largest state for as long as it lives; unboxed, every
        // idle connection kept that room (a heap profile: ~9 KB of its ~43 KB).
        let connecting = Box::pin(connect_once(
            &shared,
            generation,
            token.clone(),
            &mut control_rx,
        ));
        let ended = match connecting.await {
            Ok(client) => {
                failures = 0;
                renewals = 0;
                refused = None;
                *lock(&shared.live) = Some(Live {
                    client: client.clone(),
                    generation,
                });
                set_state(&shared, ConnectionState::Connected);
                let ended = serve(generation, &mut control_rx).await;
                lock(&shared.live).take();
                tokio::spawn(async move {
                    let _ = client.disconnect().await;
                });
                ended
            }
            Err(ended) => ended,
        };
        match ended {
            Ended::Stop(state) => {
                set_state(&shared, state);
                return;
            }
            Ended::Refused(message) => {
                debug!(%message, "token refused; asking the token source for another");
                tokens.refused(&token);
                refused = Some(token);
                failures = 0;
                set_state(&shared, ConnectionState::AuthFailed { message });
                if !renewal_wait(&shared, &mut control_rx, &mut renewals).await {
                    return;
                }
            }
            Ended::Retry {
                reason,
                immediately,
            } => {
                failures += 1;
                if shared.config.backoff.exhausted(failures) {
                    set_state(
                        &shared,
                        ConnectionState::Disconnected {
                            reason: format!("gave up after {failures} tries: {reason}"),
                        },
                    );
                    return;
                }
                let delay = if immediately {
                    Duration::ZERO
                } else {
                    shared.config.backoff.delay(failures - 1)
                };
                debug!(%reason, ?delay, failures, "reconnecting");
                set_state(
                    &shared,
                    ConnectionState::Reconnecting {
                        attempt: failures,
                        delay_ms: delay.as_millis() as u64,
                        reason,
                    },
                );
                if !pause(&shared, &mut control_rx, delay).await {
                    return;
                }
            }
        }
    }
}

/// Waits out the next renewal delay (the state stays `AuthFailed`). False when the supervisor
/// must stop: closed by the client, or the renewal policy is exhausted.
async fn renewal_wait(shared: &Shared, control_rx: &mut ControlRx, renewals: &mut u32) -> bool {
    *renewals = renewals.saturating_add(1);
    let policy = &shared.config.renewal;
    if policy.exhausted(*renewals) {
        let why = match &*shared.state_tx.borrow() {
            ConnectionState::AuthFailed { message } => message.clone(),
            other => format!("{other:?}"),
        };
        set_state(
            shared,
            ConnectionState::Disconnected {
                reason: format!("no working token after {renewals} tries: {why}"),
            },
        );
        return false;
    }
    // The first ask is at once: a source that renews on `refused` has its new token now.
    let delay = match *renewals {
        1 => Duration::ZERO,
        n => policy.delay(n - 2),
    };
    pause(shared, control_rx, delay).await
}

/// Sleeps `delay`, still obeying a shutdown. False when closed by the client.
async fn pause(shared: &Shared, control_rx: &mut ControlRx, delay: Duration) -> bool {
    let sleep = tokio::time::sleep(delay);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return true,
            ctl = control_rx.recv() => match ctl {
                None | Some(Control::Shutdown) => {
                    set_state(shared, closed_by_client());
                    return false;
                }
                Some(Control::RetryNow) => return true,
                // Stale news about a connection already gone.
                Some(other) => debug!(?other, "stale control message ignored"),
            }
        }
    }
}

fn closed_by_client() -> ConnectionState {
    ConnectionState::Disconnected {
        reason: "closed by the client".into(),
    }
}

/// Waits while connected; returns why the connected period ended.
async fn serve(generation: u64, control_rx: &mut ControlRx) -> Ended {
    loop {
        match control_rx.recv().await {
            None | Some(Control::Shutdown) => return Ended::Stop(closed_by_client()),
            Some(Control::AuthRejected {
                generation: g,
                message,
            }) if g == generation => return Ended::Refused(message),
            Some(Control::Dropped {
                generation: g,
                reason,
            }) if g == generation => {
                return Ended::Retry {
                    reason,
                    immediately: false,
                }
            }
            Some(Control::Recycle {
                generation: g,
                reason,
            }) if g == generation => {
                return Ended::Retry {
                    reason,
                    immediately: true,
                }
            }
            Some(other) => debug!(?other, "stale control message ignored"),
        }
    }
}

/// One connection attempt: build the client, wait for the namespace CONNECT (and, where the
/// server confirms logins by an event, for that confirmation) or a refusal.
async fn connect_once(
    shared: &Arc<Shared>,
    generation: u64,
    token: String,
    control_rx: &mut ControlRx,
) -> Result<RawClient, Ended> {
    let (phase_tx, mut phase_rx) = mpsc::unbounded_channel::<Phase>();
    let builder = raw_builder(shared, generation, token, phase_tx);
    let timeout = shared.config.connect_timeout;
    let client = match tokio::time::timeout(timeout, builder.connect()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(retry(format!("cannot connect: {e}"))),
        Err(_) => {
            return Err(retry(format!(
                "no answer within {} ms",
                timeout.as_millis()
            )))
        }
    };
    let confirm_grace = shared
        .config
        .login
        .as_ref()
        .filter(|l| l.confirms)
        .map(|l| l.grace);
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    // Armed once the namespace accepted us, for servers that confirm the login by an event.
    let login_timer = tokio::time::sleep(Duration::from_secs(86_400));
    tokio::pin!(login_timer);
    let mut joined = false;
    let outcome = loop {
        tokio::select! {
            phase = phase_rx.recv() => match (phase, confirm_grace) {
                (Some(Phase::Connected), None) => break Ok(()),
                (Some(Phase::Connected), Some(grace)) => {
                    joined = true;
                    login_timer.as_mut().reset(tokio::time::Instant::now() + grace);
                }
                (Some(Phase::LoginAccepted), Some(_)) if joined => break Ok(()),
                (Some(Phase::LoginAccepted), _) => {}
                (None, _) => break Err(retry("connection closed during the handshake".into())),
            },
            ctl = control_rx.recv() => match ctl {
                None | Some(Control::Shutdown) => break Err(Ended::Stop(closed_by_client())),
                Some(Control::AuthRejected { generation: g, message }) if g == generation => break Err(Ended::Refused(message)),
                Some(Control::Dropped { generation: g, reason }) if g == generation => break Err(retry(reason)),
                Some(_) => {}
            },
            _ = &mut deadline, if !joined => break Err(retry(format!("namespace not joined within {} ms", timeout.as_millis()))),
            _ = &mut login_timer, if joined => {
                warn!("the server did not confirm the login in time; taking it as accepted");
                break Ok(());
            }
        }
    };
    match outcome {
        Ok(()) => Ok(client),
        Err(ended) => {
            // Ends rust_socketio's receive loop for good (its disconnect reason becomes Manual).
            let _ = client.disconnect().await;
            Err(ended)
        }
    }
}

fn retry(reason: String) -> Ended {
    Ended::Retry {
        reason,
        immediately: false,
    }
}

/// Publishes `state` if it differs from the current one.
pub(super) fn set_state(shared: &Shared, state: ConnectionState) {
    let changed = shared.state_tx.send_if_modified(|current| {
        if *current == state {
            false
        } else {
            *current = state.clone();
            true
        }
    });
    if changed {
        shared.inbound.state(state);
    }
}
