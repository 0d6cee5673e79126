//! The steps of a request on its way out, as `tracing` events (level TRACE, target
//! [`TARGET`], field `step`), so that a benchmark can show where a send's time goes
//! (`parlor bench` prints them for the chat round trip). With no subscriber enabling the
//! target, each costs one relaxed atomic load.

/// The `tracing` target of the step events.
pub const TARGET: &str = "parlor::send_steps";

/// The steps of a chat message, in the order they happen.
pub const STEPS: [&str; 6] = [
    // The message is on disk in the outbox (`Messenger::send` may return).
    "queued", // The outbox task took it as the next message to send.
    "picked",
    // Its `sending` state is on disk (a crash from here on leaves it in doubt, not resent).
    "marked", // The transport wrote the request to the socket.
    "written", // The server's answer (the ack) arrived.
    "answered", // The answer was decoded and applied to the cache.
    "applied",
];

/// Marks one step (a literal of [`STEPS`]).
macro_rules! send_step {
    ($step:literal) => {
        ::tracing::trace!(target: $crate::send_steps::TARGET, step = $step)
    };
}
pub(crate) use send_step;
