//! The call state machine, one for both sides of a call: pure data, no I/O.
//!
//! `idle → initiating → ringing → accepted → ended`, with the other endings `rejected`,
//! `cancelled`, `missed` and `failed{reason}`. [`CallMachine::check`] refuses a command that
//! is illegal in the current phase before anything is sent; [`CallMachine::apply`] moves the
//! machine on a server event (events of other calls, or that make no sense now, are ignored).

use crate::command::Command;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{CallMedia, CallPhase, CallRole, CallSnapshot, Money, Party};

#[cfg(test)]
mod tests;

/// A call command refused before anything was sent. Each maps to [`Error::Rejected`] with a
/// stable `code`; where the server has words for the same refusal, these are its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallRefusal {
    /// A call is already initiating, ringing or accepted.
    #[error("You already have an active call.")]
    AlreadyActive,
    /// Cancel, accept or reject outside `ringing` (or by the wrong side).
    #[error("Call is not ringing.")]
    NotRinging,
    /// End outside `accepted`.
    #[error("Call is not active.")]
    NotActive,
    /// The command names a call that is not the current one.
    #[error("Call not found.")]
    NotFound,
    /// Over the client-side initiation limit (mirrors the server's 5 per minute).
    #[error("Too many call attempts. Please wait a moment.")]
    RateLimited,
}

impl CallRefusal {
    /// The stable machine code (`call_active`, `call_not_ringing`, …).
    pub fn code(&self) -> &'static str {
        match self {
            CallRefusal::AlreadyActive => "call_active",
            CallRefusal::NotRinging => "call_not_ringing",
            CallRefusal::NotActive => "call_not_active",
            CallRefusal::NotFound => "call_not_found",
            CallRefusal::RateLimited => "call_rate_limited",
        }
    }
}

impl From<CallRefusal> for Error {
    fn from(r: CallRefusal) -> Self {
        Error::Rejected {
            code: Some(r.code().into()),
            status: None,
            message: r.to_string(),
        }
    }
}

/// The code of an [`Error::Rejected`] that carries a server's `call:error` message verbatim.
pub const SERVER_CALL_ERROR: &str = "call_error";

/// `call:error` messages that answer `call:cancel`, `call:end`, `call:accept` or
/// `call:reject`, never `call:initiate` (whose messages the document lists): a `call:error`
/// carries no call id, so these must not fail a call that is initiating at the same time.
const NOT_INITIATE_ERRORS: &[&str] = &[
    "Call is not ringing.",
    "Call is not active.",
    "Call not found.",
    "Too many requests. Please wait a moment.",
];

/// Whether a `call:error` with `message` may be the answer to a pending `call:initiate`.
pub fn may_answer_initiate(message: &str) -> bool {
    !NOT_INITIATE_ERRORS.contains(&message)
}

/// The state machine of one client's call (a client has at most one call at a time, as the
/// server enforces for both sides).
#[derive(Debug, Clone, Default)]
pub struct CallMachine {
    now: CallSnapshot,
}

impl CallMachine {
    /// An idle machine.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current (or last) call.
    pub fn snapshot(&self) -> &CallSnapshot {
        &self.now
    }

    /// The current phase.
    pub fn phase(&self) -> &CallPhase {
        &self.now.phase
    }

    /// Whether `cmd` is legal now. Commands that are not call commands are always legal.
    pub fn check(&self, cmd: &Command) -> Result<(), CallRefusal> {
        let now = &self.now;
        let this_call = |id: &str| now.call_id.as_deref() == Some(id);
        match cmd {
            Command::InitiateCall { .. } if now.phase.is_active() => {
                Err(CallRefusal::AlreadyActive)
            }
            Command::CancelCall { call_id } => {
                if !this_call(call_id) {
                    Err(CallRefusal::NotFound)
                } else if now.phase != CallPhase::Ringing || now.role != Some(CallRole::Caller) {
                    Err(CallRefusal::NotRinging)
                } else {
                    Ok(())
                }
            }
            Command::AcceptCall { call_id } | Command::RejectCall { call_id } => {
                if !this_call(call_id) {
                    Err(CallRefusal::NotFound)
                } else if now.phase != CallPhase::Ringing || now.role != Some(CallRole::Callee) {
                    Err(CallRefusal::NotRinging)
                } else {
                    Ok(())
                }
            }
            Command::EndCall { call_id } => {
                if !this_call(call_id) {
                    Err(CallRefusal::NotFound)
                } else if now.phase != CallPhase::Accepted {
                    Err(CallRefusal::NotActive)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// Starts a new outgoing call (after [`check`](Self::check) passed): `initiating`.
    pub fn initiate(&mut self, callee_id: &str, media: CallMedia) {
        self.now = CallSnapshot {
            phase: CallPhase::Initiating,
            role: Some(CallRole::Caller),
            media: Some(media),
            peer: Some(Party {
                id: callee_id.into(),
                ..Party::default()
            }),
            ..CallSnapshot::default()
        };
    }

    /// Ends the current call locally with `phase` (our own cancel, a timeout, a disconnect).
    /// Returns false when there is no active call to end.
    pub fn finish(&mut self, phase: CallPhase, ended_by: Option<String>) -> bool {
        if !self.now.phase.is_active() {
            return false;
        }
        self.now.phase = phase;
        if self.now.ended_by.is_none() {
            self.now.ended_by = ended_by;
        }
        true
    }

    /// Fills in the end summary (duration, coins, who) of the ended call `call_id`, from an
    /// ack or a late `call:ended`. Returns true when something was new.
    pub fn summarize(
        &mut self,
        call_id: &str,
        duration_secs: Option<u64>,
        coins: Option<Money>,
        ended_by: Option<String>,
    ) -> bool {
        if self.now.call_id.as_deref() != Some(call_id) || self.now.phase != CallPhase::Ended {
            return false;
        }
        let mut changed = false;
        if duration_secs.is_some() && self.now.duration_secs != duration_secs {
            self.now.duration_secs = duration_secs;
            changed = true;
        }
        if coins.is_some() && self.now.coins != coins {
            self.now.coins = coins;
            changed = true;
        }
        if let Some(by) = ended_by {
            if self.now.ended_by.as_deref() != Some(by.as_str()) {
                self.now.ended_by = Some(by);
                changed = true;
            }
        }
        changed
    }

    /// Applies a server event. Returns true when the snapshot changed.
    pub fn apply(&mut self, event: &DomainEvent) -> bool {
        let now = &mut self.now;
        let is_current = |now: &CallSnapshot, id: &str| now.call_id.as_deref() == Some(id);
        match event {
            DomainEvent::CallRinging { call_id, callee } => {
                if now.phase != CallPhase::Initiating {
                    return false;
                }
                now.call_id = Some(call_id.clone());
                now.phase = CallPhase::Ringing;
                if let Some(c) = callee {
                    now.peer = Some(c.clone());
                }
                true
            }
            DomainEvent::CallIncoming {
                call_id,
                media,
                caller,
            } => {
                if now.phase.is_active() {
                    return false;
                }
                *now = CallSnapshot {
                    call_id: Some(call_id.clone()),
                    phase: CallPhase::Ringing,
                    role: Some(CallRole::Callee),
                    media: Some(*media),
                    peer: Some(caller.clone()),
                    ..CallSnapshot::default()
                };
                true
            }
            DomainEvent::CallAccepted {
                call_id,
                livekit,
                media,
                caller,
            } => {
                if !is_current(now, call_id) || now.phase != CallPhase::Ringing {
                    return false;
                }
                now.phase = CallPhase::Accepted;
                now.livekit = Some(livekit.clone());
                if media.is_some() {
                    now.media = *media;
                }
                if let (Some(c), Some(CallRole::Callee)) = (caller, now.role) {
                    now.peer = Some(c.clone());
                }
                true
            }
            DomainEvent::CallRejected { call_id } => self.end_ringing(call_id, CallPhase::Rejected),
            DomainEvent::CallCancelled { call_id } => {
                self.end_ringing(call_id, CallPhase::Cancelled)
            }
            DomainEvent::CallMissed { call_id } => self.end_ringing(call_id, CallPhase::Missed),
            DomainEvent::CallEnded {
                call_id,
                duration_secs,
                coins,
                ended_by,
            } => {
                if !is_current(now, call_id) {
                    return false;
                }
                match now.phase {
                    CallPhase::Accepted => {
                        now.phase = CallPhase::Ended;
                        now.duration_secs = *duration_secs;
                        now.coins = coins.clone();
                        now.ended_by = ended_by.clone();
                        true
                    }
                    CallPhase::Ended => {
                        self.summarize(call_id, *duration_secs, coins.clone(), ended_by.clone())
                    }
                    _ => false,
                }
            }
            DomainEvent::CallError { message, .. }
                if now.phase == CallPhase::Initiating && may_answer_initiate(message) =>
            {
                now.phase = CallPhase::Failed {
                    reason: message.clone(),
                };
                true
            }
            _ => false,
        }
    }

    fn end_ringing(&mut self, call_id: &str, phase: CallPhase) -> bool {
        if self.now.call_id.as_deref() != Some(call_id) || self.now.phase != CallPhase::Ringing {
            return false;
        }
        self.now.phase = phase;
        true
    }
}
