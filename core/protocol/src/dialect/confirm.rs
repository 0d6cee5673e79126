//! Rules a dialect states for the services, beyond encoding and decoding: which event proves a
//! command that its server answers by an event rather than by its ack, and what to ask the
//! server to fill the cache for a page of a conversation. The services apply them; they never
//! name a dialect.

use crate::event::DomainEvent;
use std::time::Duration;

/// The server's refusal of a command, in its own words and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The server's code, when it gives one.
    pub code: Option<String>,
    /// The server's words.
    pub message: String,
}

/// What one event says about a command that was sent: `Some(Ok)` proves it, `Some(Err)`
/// refutes it, `None` is about something else.
pub type Verdict = Option<Result<(), Refusal>>;

/// How to recognise the event that proves a command, or the one that refutes it.
pub struct EventProof {
    /// Judges each event seen after the command went out.
    pub judge: Box<dyn Fn(&DomainEvent) -> Verdict + Send + Sync>,
    /// After the proof, how long a refutation may still follow (another device answered the
    /// same request first, and the server cannot say which answer an event is about); zero
    /// for none.
    pub settle: Duration,
    /// The refutations that still count during `settle`.
    pub late_refusal: fn(&DomainEvent) -> Option<Refusal>,
}

impl EventProof {
    /// A proof judged by `judge`, with no settling time.
    pub fn new(judge: impl Fn(&DomainEvent) -> Verdict + Send + Sync + 'static) -> Self {
        EventProof {
            judge: Box::new(judge),
            settle: Duration::ZERO,
            late_refusal: |_| None,
        }
    }
}

/// A page of a conversation that the cache is asked for, and what the cache could give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillRequest<'a> {
    /// The conversation.
    pub conversation_id: &'a str,
    /// The page asked for is the newest one.
    pub newest: bool,
    /// The cache holds nothing older than this message (its server id): the page reached the
    /// cache's oldest message. `None` while the cache has more, or knows no server id.
    pub older_than: Option<&'a str>,
    /// How many messages the page holds.
    pub limit: u32,
}
