//! The live meter: elapsed active time and cost every second between the server's ticks.
//! The server is authoritative: the meter never shows less than the server has billed, never
//! runs more than one tick ahead of it, and is re-anchored to every tick. Pure: the caller
//! passes the time in milliseconds, so it is tested without clocks.
//!
//! Every figure here may come from a hostile server, so every computation is checked: the
//! service screens values first ([`crate::ranges`]), and should one slip through anyway the
//! meter saturates or falls back to the server's own figure — it never panics.

use crate::model::{MeterReading, Money};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// One consultation's meter.
#[derive(Debug, Clone)]
pub struct Meter {
    minute_ms: u64,
    rate: Option<Decimal>,
    unit: Option<String>,
    /// True when the server sends per-minute ticks (then local estimates are capped at one
    /// tick beyond the server's figure).
    server_ticks: bool,
    active_before_ms: u64,
    running_since: Option<u64>,
    server_minutes: Decimal,
    server_cost: Decimal,
    balance: Option<Decimal>,
    balance_at_minutes: Decimal,
    warned: bool,
}

impl Meter {
    /// A stopped meter for a billed minute of `minute_ms` at `rate` per minute.
    pub fn new(
        minute_ms: u64,
        rate: Option<Decimal>,
        unit: Option<String>,
        server_ticks: bool,
    ) -> Self {
        Meter {
            minute_ms: minute_ms.max(1),
            rate,
            unit,
            server_ticks,
            active_before_ms: 0,
            running_since: None,
            server_minutes: Decimal::ZERO,
            server_cost: Decimal::ZERO,
            balance: None,
            balance_at_minutes: Decimal::ZERO,
            warned: false,
        }
    }

    /// Sets the rate once it is known.
    pub fn set_rate(&mut self, rate: Decimal, unit: Option<String>) {
        self.rate = Some(rate);
        if unit.is_some() {
            self.unit = unit;
        }
    }

    /// The rate, when known.
    pub fn rate(&self) -> Option<Decimal> {
        self.rate
    }

    /// Starts or resumes the clock at `now`.
    pub fn run(&mut self, now: u64) {
        if self.running_since.is_none() {
            self.running_since = Some(now);
        }
    }

    /// Stops the clock at `now` (pause, disconnect, end).
    pub fn freeze(&mut self, now: u64) {
        if let Some(since) = self.running_since.take() {
            self.active_before_ms = self
                .active_before_ms
                .saturating_add(now.saturating_sub(since));
        }
    }

    /// True while the clock runs.
    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    /// Active time at `now`.
    pub fn elapsed_ms(&self, now: u64) -> u64 {
        self.active_before_ms.saturating_add(
            self.running_since
                .map(|s| now.saturating_sub(s))
                .unwrap_or(0),
        )
    }

    /// A server tick: `minutes` billed for `cost` in total. Re-anchors the clock into that
    /// minute (the server's clock wins) and takes the balance when given.
    pub fn server_tick(
        &mut self,
        minutes: Decimal,
        cost: Decimal,
        balance: Option<Decimal>,
        now: u64,
    ) {
        self.server_ticks = true;
        self.server_minutes = minutes;
        self.server_cost = cost;
        let whole = minutes.trunc().to_u64().unwrap_or(0);
        // Saturating both ends keeps lo <= hi, so the clamp cannot panic.
        let lo = whole.saturating_mul(self.minute_ms);
        let hi = lo.saturating_add(self.minute_ms - 1);
        let clamped = self.elapsed_ms(now).clamp(lo, hi);
        self.active_before_ms = clamped;
        if self.running_since.is_some() {
            self.running_since = Some(now);
        }
        if let Some(b) = balance {
            self.set_balance(b);
        }
    }

    /// The wallet's balance, observed when `billed_minutes` were billed.
    pub fn set_balance(&mut self, balance: Decimal) {
        self.balance = Some(balance);
        self.balance_at_minutes = self.server_minutes;
    }

    /// The server's final figures.
    pub fn finish(&mut self, minutes: Option<Decimal>, total: Option<Decimal>, now: u64) {
        self.freeze(now);
        if let Some(m) = minutes {
            self.server_minutes = m;
        }
        if let Some(t) = total {
            self.server_cost = t;
        }
    }

    /// What to show at `now`.
    pub fn reading(&self, now: u64) -> MeterReading {
        let elapsed = self.elapsed_ms(now);
        MeterReading {
            elapsed_ms: elapsed,
            billed_minutes: self.server_minutes,
            cost: Money {
                amount: self.cost_at(elapsed),
                unit: self.unit.clone(),
            },
            balance: self.balance.map(|b| Money {
                amount: b,
                unit: self.unit.clone(),
            }),
            runs_out_in_ms: self.runs_out_in(elapsed),
            running: self.is_running(),
        }
    }

    /// The cost shown for `elapsed` active milliseconds.
    fn cost_at(&self, elapsed: u64) -> Decimal {
        let Some(rate) = self.rate else {
            return self.server_cost;
        };
        // An estimate that does not fit a Decimal is no estimate: show the server's figure.
        let Some(local) = rate
            .checked_mul(Decimal::from(elapsed))
            .and_then(|x| x.checked_div(Decimal::from(self.minute_ms)))
            .map(|x| x.round_dp_with_strategy(2, RoundingStrategy::ToZero))
        else {
            return self.server_cost;
        };
        let capped = match self.server_cost.checked_add(rate) {
            Some(cap) if self.server_ticks => local.min(cap),
            _ => local,
        };
        capped.max(self.server_cost)
    }

    /// Time until the wallet cannot pay for the next minute. Billing is per minute, checked
    /// at each boundary: a balance B seen after n billed minutes lasts until boundary
    /// n + floor(B / rate).
    fn runs_out_in(&self, elapsed: u64) -> Option<u64> {
        let rate = self.rate.filter(|r| *r > Decimal::ZERO)?;
        let balance = self.balance?;
        let affordable = balance.checked_div(rate)?.floor();
        let end_minute = self
            .balance_at_minutes
            .trunc()
            .checked_add(affordable)?
            .to_u64()?;
        Some(
            end_minute
                .saturating_mul(self.minute_ms)
                .saturating_sub(elapsed),
        )
    }

    /// `Some(reading)` exactly once, when the wallet has at most one minute left.
    pub fn low_balance_due(&mut self, now: u64) -> Option<MeterReading> {
        if self.warned || !self.is_running() {
            return None;
        }
        let reading = self.reading(now);
        match reading.runs_out_in_ms {
            Some(left) if left <= self.minute_ms => {
                self.warned = true;
                Some(reading)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn meter() -> Meter {
        Meter::new(60_000, Some(d("10.00")), Some("INR".into()), true)
    }

    #[test]
    fn counts_active_time_only() {
        let mut m = meter();
        m.run(1_000);
        assert_eq!(m.elapsed_ms(31_000), 30_000);
        m.freeze(31_000);
        assert_eq!(m.elapsed_ms(90_000), 30_000, "frozen while paused");
        m.run(90_000);
        assert_eq!(m.elapsed_ms(100_000), 40_000);
    }

    #[test]
    fn cost_interpolates_but_never_below_the_server_nor_a_tick_above_it() {
        let mut m = meter();
        m.run(0);
        assert_eq!(m.reading(30_000).cost.amount, d("5.00"));
        assert_eq!(m.reading(59_999).cost.amount, d("9.99"));
        // The server is late with its first tick: the meter stops one tick ahead.
        assert_eq!(m.reading(150_000).cost.amount, d("10.00"));
        m.server_tick(d("1"), d("10.00"), None, 150_000);
        // Re-anchored into minute 2: at most one tick ahead of the server.
        assert!(m.reading(150_000).cost.amount <= d("20.00"));
        assert!(m.reading(150_000).cost.amount >= d("10.00"));
        // A server that billed more than our estimate wins at once.
        m.server_tick(d("5"), d("50.00"), None, 151_000);
        assert_eq!(m.reading(151_000).cost.amount, d("50.00"));
        assert_eq!(m.reading(151_000).elapsed_ms, 300_000);
    }

    #[test]
    fn without_server_ticks_the_estimate_is_uncapped() {
        let mut m = Meter::new(60_000, Some(d("12.50")), None, false);
        m.run(0);
        assert_eq!(m.reading(180_000).cost.amount, d("37.50"));
    }

    #[test]
    fn predicts_when_the_wallet_runs_out_and_warns_once_a_minute_ahead() {
        // 25.00 at 10.00/min: billed at minute 1 (15.00 left) and 2 (5.00 left), then over.
        let mut m = meter();
        m.set_balance(d("25.00"));
        m.run(0);
        assert_eq!(m.reading(0).runs_out_in_ms, Some(120_000));
        assert!(m.low_balance_due(30_000).is_none());
        m.server_tick(d("1"), d("10.00"), Some(d("15.00")), 60_000);
        assert_eq!(m.reading(60_000).runs_out_in_ms, Some(60_000));
        let warn = m.low_balance_due(60_000).expect("warned a minute ahead");
        assert_eq!(warn.balance.unwrap().amount, d("15.00"));
        assert!(m.low_balance_due(61_000).is_none(), "only once");
    }

    #[test]
    fn hostile_figures_never_panic_and_never_show_less_than_the_server() {
        // The chat-timer: a duration of 10^18 minutes, then absurd rates and balances.
        let mut m = meter();
        m.run(0);
        m.server_tick(d("1000000000000000000"), d("10"), None, 1_000);
        let r = m.reading(2_000);
        assert!(r.cost.amount >= d("10"));
        m.set_rate(d("9999999999999999999999999999"), None);
        m.set_balance(d("79228162514264337593543950335"));
        let r = m.reading(u64::MAX);
        assert!(
            r.cost.amount >= d("10"),
            "falls back to the server's figure"
        );
        m.set_rate(d("0.0000000000000000000000000001"), None);
        let _ = m.reading(u64::MAX);
        let _ = m.low_balance_due(u64::MAX);
        m.finish(Some(d("79228162514264337593543950335")), None, u64::MAX);
        let _ = m.reading(u64::MAX);
        let mut huge_minute = Meter::new(u64::MAX, Some(d("10")), None, true);
        huge_minute.run(0);
        huge_minute.server_tick(d("3"), d("30"), Some(d("-5")), u64::MAX);
        assert!(huge_minute.reading(u64::MAX).cost.amount >= d("30"));
    }

    #[test]
    fn finish_takes_the_servers_bill() {
        let mut m = meter();
        m.run(0);
        m.finish(Some(d("3")), Some(d("30.00")), 125_000);
        assert!(!m.is_running());
        let r = m.reading(200_000);
        assert_eq!(r.billed_minutes, d("3"));
        assert!(r.cost.amount >= d("30.00"));
    }
}
