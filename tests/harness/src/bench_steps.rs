//! Where a chat send's time goes: a `tracing` layer that times the core's send steps
//! ([`parlor_core::send_steps`]) while a benchmark has armed it, and nothing otherwise.
//! The benchmark sends one message at a time, so the steps that come in order after arming
//! belong to that message.

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

/// Stops timing; each step's time since [`arm`], `None` for a step that did not come.
pub fn take() -> [Option<Duration>; STEPS.len()] {
    ARMED.store(false, Ordering::SeqCst);
    let clock = CLOCK.lock().unwrap_or_else(|p| p.into_inner());
    let Some(start) = clock.0 else {
        return [None; STEPS.len()];
    };
    clock
        .1
        .map(|at| at.map(|t| t.saturating_duration_since(start)))
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
            // Only in order: a late step of the message before (its answer applied after the
            // caller saw it settled by the server's echo) is not this message's.
            if clock.1[..i].iter().all(Option::is_some) && clock.1[i].is_none() {
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
            assert!(taken[0].is_some() && taken[1].is_some());
            assert!(taken[0] <= taken[1]);
            assert!(taken[2..].iter().all(Option::is_none), "{taken:?}");
            // Disarmed again.
            step("marked");
            assert!(take()[2].is_none());
        });
    }
}
