//! Sane ranges for the numbers servers send: what a service accepts before it computes with a
//! server's money, durations and counts. Server data is hostile; a value outside these ranges
//! is refused at the service with a `protocol_error` event that carries the whole event as
//! received (`raw`), and never reaches the meter, the call history or the cache.
//!
//! | what | accepted | why |
//! |---|---|---|
//! | billed minutes (`chat-timer`, `chat-ended`, 001 `duration`) | 0 ‥ 10 080 (7 days) | no consultation runs for a week |
//! | call seconds (004 `duration`) | 0 ‥ 604 800 (7 days) | the same, in seconds |
//! | prices, costs, totals, coins | 0 ‥ 10¹² | a trillion units covers any wallet in any currency |
//! | balances | −10¹² ‥ 10¹² | a postpaid wallet may go below zero |
//! | decimal places of any amount | at most 8 (after trailing zeros are dropped) | a 28-place "price" is a division bomb |
//!
//! Within these bounds every product and quotient the services compute (rate × minutes,
//! balance ÷ rate, minutes × minute length in ms) fits in `Decimal` and `u64`; the services still
//! use checked arithmetic, so a bug here degrades a figure, never a process.
//!
//! Screening keeps the tolerant reader's promise: an absurd *optional* field is dropped (the
//! event goes on without it); only an event whose *required* figure is absurd (a `chat-timer`
//! with a billion-year duration) is refused as a whole.

use crate::event::DomainEvent;
use crate::model::Money;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// The most billed minutes a consultation may report: 7 days.
pub const MAX_BILLED_MINUTES: u32 = 7 * 24 * 60;
/// The longest call the history records, in seconds: 7 days.
pub const MAX_CALL_SECONDS: u64 = 7 * 24 * 3600;
/// The largest amount of money (price, cost, total, coins, balance magnitude): 10¹².
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
/// The most decimal places an amount may carry (after trailing zeros are dropped).
pub const MAX_SCALE: u32 = 8;

/// One refused value: which field, what it was, what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange {
    /// The field as the domain names it (`minutes`, `cost`, `duration_secs`, …).
    pub field: &'static str,
    /// The value received.
    pub value: String,
    /// What would have been accepted.
    pub allowed: &'static str,
}

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} is out of range ({})",
            self.field, self.value, self.allowed
        )
    }
}

const MINUTES_ALLOWED: &str = "0 to 10080 minutes, at most 8 decimal places";
const AMOUNT_ALLOWED: &str = "0 to 10^12, at most 8 decimal places";
const BALANCE_ALLOWED: &str = "-10^12 to 10^12, at most 8 decimal places";
const SECONDS_ALLOWED: &str = "0 to 604800 seconds";

fn places_ok(d: Decimal) -> bool {
    d.normalize().scale() <= MAX_SCALE
}

/// Billed minutes: 0 ‥ [`MAX_BILLED_MINUTES`].
pub fn check_minutes(field: &'static str, d: Decimal) -> Result<Decimal, OutOfRange> {
    if d >= Decimal::ZERO && d <= Decimal::from(MAX_BILLED_MINUTES) && places_ok(d) {
        Ok(d)
    } else {
        Err(OutOfRange {
            field,
            value: d.to_string(),
            allowed: MINUTES_ALLOWED,
        })
    }
}

/// A price, cost, total or coin amount: 0 ‥ [`MAX_AMOUNT`].
pub fn check_amount(field: &'static str, m: &Money) -> Result<(), OutOfRange> {
    let a = m.amount;
    if a >= Decimal::ZERO && a <= MAX_AMOUNT && places_ok(a) {
        Ok(())
    } else {
        Err(OutOfRange {
            field,
            value: a.to_string(),
            allowed: AMOUNT_ALLOWED,
        })
    }
}

/// A wallet balance: −[`MAX_AMOUNT`] ‥ [`MAX_AMOUNT`].
pub fn check_balance(field: &'static str, m: &Money) -> Result<(), OutOfRange> {
    let a = m.amount;
    if a.abs() <= MAX_AMOUNT && places_ok(a) {
        Ok(())
    } else {
        Err(OutOfRange {
            field,
            value: a.to_string(),
            allowed: BALANCE_ALLOWED,
        })
    }
}

/// A call's length: 0 ‥ [`MAX_CALL_SECONDS`].
pub fn check_call_seconds(field: &'static str, s: u64) -> Result<u64, OutOfRange> {
    if s <= MAX_CALL_SECONDS {
        Ok(s)
    } else {
        Err(OutOfRange {
            field,
            value: s.to_string(),
            allowed: SECONDS_ALLOWED,
        })
    }
}

/// What screening made of an event.
#[derive(Debug)]
pub struct Screened<'a> {
    /// The event to act on: as received, with absurd optional fields dropped, or `None` when a
    /// required figure is absurd (the event is refused).
    pub event: Option<Cow<'a, DomainEvent>>,
    /// The `protocol_error` reporting what was refused, if anything was.
    pub refusal: Option<DomainEvent>,
}

impl<'a> Screened<'a> {
    fn fine(e: &'a DomainEvent) -> Self {
        Screened {
            event: Some(Cow::Borrowed(e)),
            refusal: None,
        }
    }
}

/// The `protocol_error` for `refused` values of `event`: the event's name as `wire_event`, the
/// reasons, and the event as received as `raw`.
pub fn refusal(event: &DomainEvent, refused: &[OutOfRange]) -> DomainEvent {
    let reasons: Vec<String> = refused.iter().map(ToString::to_string).collect();
    DomainEvent::ProtocolError {
        wire_event: event.name(),
        reason: format!("refused by the service: {}", reasons.join("; ")),
        raw: serde_json::to_value(event).unwrap_or(serde_json::Value::Null),
    }
}

/// Drops `slot` when `check` refuses it, noting why.
fn drop_if<T>(
    slot: &mut Option<T>,
    refused: &mut Vec<OutOfRange>,
    check: impl FnOnce(&T) -> Result<(), OutOfRange>,
) {
    if let Some(v) = slot.as_ref() {
        if let Err(e) = check(v) {
            refused.push(e);
            *slot = None;
        }
    }
}

fn finish<'a>(
    original: &'a DomainEvent,
    trimmed: DomainEvent,
    refused: Vec<OutOfRange>,
) -> Screened<'a> {
    if refused.is_empty() {
        Screened::fine(original)
    } else {
        Screened {
            refusal: Some(refusal(original, &refused)),
            event: Some(Cow::Owned(trimmed)),
        }
    }
}

/// Screens the consultation events (request, start, tick, end, wallet) the consultation
/// service computes with. Other events pass untouched.
pub fn screen_consultation(event: &DomainEvent) -> Screened<'_> {
    let mut refused = Vec::new();
    let mut e = match event {
        DomainEvent::ConsultationRequestSent { .. }
        | DomainEvent::ConsultationRequested { .. }
        | DomainEvent::ConsultationStarted { .. }
        | DomainEvent::ConsultationEnded { .. }
        | DomainEvent::MeterTick { .. }
        | DomainEvent::WalletError { .. } => event.clone(),
        _ => return Screened::fine(event),
    };
    match &mut e {
        DomainEvent::ConsultationRequestSent {
            rate_per_minute, ..
        }
        | DomainEvent::ConsultationRequested {
            rate_per_minute, ..
        } => drop_if(rate_per_minute, &mut refused, |m| {
            check_amount("rate_per_minute", m)
        }),
        DomainEvent::ConsultationStarted {
            rate_per_minute,
            balance,
            ..
        } => {
            drop_if(rate_per_minute, &mut refused, |m| {
                check_amount("rate_per_minute", m)
            });
            drop_if(balance, &mut refused, |m| check_balance("balance", m));
        }
        DomainEvent::ConsultationEnded {
            minutes,
            total,
            balance,
            ..
        } => {
            drop_if(minutes, &mut refused, |d| {
                check_minutes("minutes", *d).map(|_| ())
            });
            drop_if(total, &mut refused, |m| check_amount("total", m));
            drop_if(balance, &mut refused, |m| check_balance("balance", m));
        }
        DomainEvent::MeterTick {
            minutes,
            cost,
            balance,
            ..
        } => {
            // A tick is its minutes and cost: without them there is nothing to act on.
            let required: Vec<OutOfRange> = [
                check_minutes("minutes", *minutes).err(),
                check_amount("cost", cost).err(),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !required.is_empty() {
                let mut all = required;
                if let Some(Err(b)) = balance.as_ref().map(|m| check_balance("balance", m)) {
                    all.push(b);
                }
                return Screened {
                    event: None,
                    refusal: Some(refusal(event, &all)),
                };
            }
            drop_if(balance, &mut refused, |m| check_balance("balance", m));
        }
        DomainEvent::WalletError {
            required_balance, ..
        } => drop_if(required_balance, &mut refused, |m| {
            check_amount("required_balance", m)
        }),
        _ => {}
    }
    finish(event, e, refused)
}

/// Screens the call events the call service computes with or records (`call_ended`'s
/// duration and coins). Other events pass untouched.
pub fn screen_call(event: &DomainEvent) -> Screened<'_> {
    let DomainEvent::CallEnded {
        call_id,
        duration_secs,
        coins,
        ended_by,
    } = event
    else {
        return Screened::fine(event);
    };
    let mut refused = Vec::new();
    let mut duration_secs = *duration_secs;
    let mut coins = coins.clone();
    drop_if(&mut duration_secs, &mut refused, |s| {
        check_call_seconds("duration_secs", *s).map(|_| ())
    });
    drop_if(&mut coins, &mut refused, |m| check_amount("coins", m));
    let trimmed = DomainEvent::CallEnded {
        call_id: call_id.clone(),
        duration_secs,
        coins,
        ended_by: ended_by.clone(),
    };
    finish(event, trimmed, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_bounds_are_what_the_table_says() {
        assert_eq!(MAX_AMOUNT, d("1000000000000"));
        assert!(check_minutes("m", d("10080")).is_ok());
        assert!(check_minutes("m", d("10080.5")).is_err());
        assert!(check_minutes("m", d("-1")).is_err());
        assert!(check_minutes("m", d("1000000000000000000")).is_err());
        assert!(check_amount("a", &Money::new(d("1000000000000"))).is_ok());
        assert!(check_amount("a", &Money::new(d("1000000000000.01"))).is_err());
        assert!(
            check_amount("a", &Money::new(d("12.50000000000"))).is_ok(),
            "trailing zeros"
        );
        assert!(
            check_amount("a", &Money::new(d("0.000000001"))).is_err(),
            "9 places"
        );
        assert!(check_amount("a", &Money::new(d("-0.01"))).is_err());
        assert!(check_balance("b", &Money::new(d("-25.00"))).is_ok());
        assert!(check_call_seconds("s", MAX_CALL_SECONDS).is_ok());
        assert!(check_call_seconds("s", u64::MAX).is_err());
    }

    #[test]
    fn a_tick_with_an_absurd_duration_is_refused_with_the_event_as_received() {
        let tick = DomainEvent::MeterTick {
            consultation_id: "r1".into(),
            minutes: d("1000000000000000000"),
            cost: Money::new(d("10")),
            balance: None,
            state: None,
        };
        let s = screen_consultation(&tick);
        assert!(s.event.is_none());
        match s.refusal {
            Some(DomainEvent::ProtocolError {
                wire_event,
                reason,
                raw,
            }) => {
                assert_eq!(wire_event, "meter_tick");
                assert!(reason.contains("minutes 1000000000000000000"), "{reason}");
                assert_eq!(raw["minutes"], "1000000000000000000");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn absurd_optional_figures_are_dropped_and_the_event_goes_on() {
        let ended = DomainEvent::ConsultationEnded {
            consultation_id: Some("s1".into()),
            minutes: Some(d("99999999999")),
            total: Some(Money::new(d("30.00"))),
            ended_by: None,
            reason: None,
            balance: Some(Money::new(d("-79228162514264337593543950335"))),
        };
        let s = screen_consultation(&ended);
        match s.event.as_deref() {
            Some(DomainEvent::ConsultationEnded {
                minutes: None,
                total: Some(t),
                balance: None,
                ..
            }) => assert_eq!(t.amount, d("30.00")),
            other => panic!("{other:?}"),
        }
        assert!(s.refusal.is_some());
        let fine = DomainEvent::CallEnded {
            call_id: "c".into(),
            duration_secs: Some(65),
            coins: None,
            ended_by: None,
        };
        let s = screen_call(&fine);
        assert!(matches!(s.event, Some(Cow::Borrowed(_))) && s.refusal.is_none());
        let absurd = DomainEvent::CallEnded {
            call_id: "c".into(),
            duration_secs: Some(u64::MAX),
            coins: Some(Money::new(d("100000000000000000000"))),
            ended_by: None,
        };
        let s = screen_call(&absurd);
        assert!(matches!(
            s.event.as_deref(),
            Some(DomainEvent::CallEnded {
                duration_secs: None,
                coins: None,
                ..
            })
        ));
        assert!(s.refusal.is_some());
    }
}
