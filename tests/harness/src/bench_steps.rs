//! Where a chat send's time goes: a `tracing` layer that times the core's send steps
//! ([`parlor_core::send_steps`]) while a benchmark has armed it, and nothing otherwise.
//! The benchmark sends one message at a time and makes no other request meanwhile, so the
//! steps that come in order after arming belong to that message.

use parlor_core::send_steps::{STEPS, TARGET};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer};

static ARMED: AtomicBool = AtomicBool::new(false);

/// When the clock was armed and when each step (by its index in [`STEPS`]) first came since.
static CLOCK: Mutex<(Option<Instant>, [Option<Instant>; STEPS.len()])> =
    Mutex::new((None, [None; STEPS.len()]));

/// The layer, filtered to the step events (add it to the process's subscriber once).
pub fn layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    StepClock.with_filter(Targets::new().with_target(TARGET, tracing::Level::TRACE))
}

/// Starts timing a send: the steps from now on are kept.
pub fn arm() {
    let mut clock = CLOCK.lock().unwrap_or_else(|p| p.into_inner());
    *clock = (Some(Instant::now()), [None; STEPS.len()]);
    ARMED.store(true, Ordering::SeqCst);
}

/// One send's steps: each step's time since [`arm`] (`None` for a step that did not come),
/// and the time since [`arm`] when the caller took them (it saw the message settled).
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    /// By index in [`STEPS`].
    pub steps: [Option<Duration>; STEPS.len()],
    /// When [`take`] was called.
    pub settled: Duration,
}

/// Stops timing and returns what was timed since [`arm`].
pub fn take() -> Taken {
    ARMED.store(false, Ordering::SeqCst);
    let now = Instant::now();
    let clock = CLOCK.lock().unwrap_or_else(|p| p.into_inner());
    let start = clock.0.unwrap_or(now);
    Taken {
        steps: clock
            .1
            .map(|at| at.map(|t| t.saturating_duration_since(start))),
        settled: now.saturating_duration_since(start),
    }
}

struct StepClock;

struct StepName(Option<usize>);

impl Visit for StepName {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "step" {
            self.0 = STEPS.iter().position(|s| *s == value);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for StepClock {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if !ARMED.load(Ordering::Relaxed) {
            return;
        }
        let now = Instant::now();
        let mut step = StepName(None);
        event.record(&mut step);
        if let Some(i) = step.0 {
            let mut clock = CLOCK.lock().unwrap_or_else(|p| p.into_inner());
            // From `picked` on, only in order: a late step of the message before (its answer
            // applied after the caller saw it settled by the server's echo) comes before this
            // message is picked, and is not this message's. `queued` may come after `picked`
            // (a busy outbox can pick the row as soon as it is committed).
            let in_order = clock.1[1.min(i)..i].iter().all(Option::is_some);
            if in_order && clock.1[i].is_none() {
                clock.1[i] = Some(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    fn step(name: &str) {
        tracing::trace!(target: "parlor::send_steps", step = name);
    }

    #[test]
    fn steps_are_timed_in_order_only_while_armed() {
        let subscriber = tracing_subscriber::registry().with(layer());
        tracing::subscriber::with_default(subscriber, || {
            // Not armed: nothing is kept.
            step("queued");
            arm();
            // A late step of an earlier send, before this one's first: not this send's.
            step("applied");
            step("queued");
            step("picked");
            // Another target's event is not a step.
            tracing::trace!(target: "parlor::other", step = "marked");
            step("queued");
            let taken = take();
            assert!(taken.steps[0].is_some() && taken.steps[1].is_some());
            assert!(taken.steps[0] <= taken.steps[1]);
            assert!(taken.steps[2..].iter().all(Option::is_none), "{taken:?}");
            assert!(taken.steps[1] <= Some(taken.settled));
            // Disarmed again.
            step("marked");
            assert!(take().steps[2].is_none());
            // `queued` may follow `picked` (the outbox took the committed row first).
            arm();
            step("picked");
            step("queued");
            step("marked");
            let taken = take();
            assert!(taken.steps[..3].iter().all(Option::is_some), "{taken:?}");
            assert!(taken.steps[1] <= taken.steps[0]);
        });
    }
}
