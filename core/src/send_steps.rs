//! The steps of a request on its way out, as `tracing` events (level TRACE, target
//! [`TARGET`], field `step`), so that a benchmark can show where a send's time goes
//! (`parlor bench` prints them for the chat round trip). With no subscriber enabling the
//! target, each costs one relaxed atomic load. The transport's two steps (`written`,
//! `answered`) come for every request it makes, not only a message's: a reader that times a
//! message makes no other request meanwhile.

/// The `tracing` target of the step events.
pub const TARGET: &str = "parlor::send_steps";

/// The steps of a chat message, in the order they happen:
/// - `queued`: the message is on disk in the outbox (`Messenger::send` may return);
/// - `picked`: the outbox task took it as the next message to send;
/// - `marked`: its `sending` state is on disk (a crash from here on leaves it in doubt,
///   never resent blindly);
/// - `written`: the transport wrote the request to the socket;
/// - `answered`: the server's answer (the ack) arrived;
/// - `applied`: the answer was decoded and published, so the services applied it (the
///   messenger writes what it says about the message) before the outbox settles the rest.
pub const STEPS: [&str; 6] = [
    "queued", "picked", "marked", "written", "answered", "applied",
];

/// Marks one step (a literal of [`STEPS`]).
macro_rules! send_step {
    ($step:literal) => {
        ::tracing::trace!(target: $crate::send_steps::TARGET, step = $step)
    };
}
pub(crate) use send_step;
