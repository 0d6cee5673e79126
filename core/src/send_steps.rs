//! The steps of a request on its way out, as `tracing` events (level TRACE, target
//! [`TARGET`], field `step`), so that a benchmark can show where a send's time goes
//! (`parlor bench` prints them for the chat round trip). With no subscriber enabling the
//! target, each costs one relaxed atomic load.

/// The `tracing` target of the step events.
pub const TARGET: &str = "parlor::send_steps";

/// The steps of a chat message, in the order they happen:
/// - `queued`: the message is on disk in the outbox (`Messenger::send` may return);
/// - `picked`: the outbox task took it as the next message to send;
/// - `marked`: its `sending` state is on disk (a crash from here on leaves it in doubt,
///   never resent blindly);
/// - `written`: the transport wrote the request to the socket;
/// - `answered`: the server's answer (the ack) arrived;
/// - `applied`: the answer was decoded and applied to the cache.
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
