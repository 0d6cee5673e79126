//! The steps the arms share on one record: moving its state (an impossible move is a protocol
//! error), setting its rate, finding the consultation an id-less event is about, and its view
//! with a fresh meter reading.

use super::*;

/// Moves `r` to `to` if the state machine allows; otherwise reports a protocol error (the
/// server said something impossible) and keeps the state.
pub(super) fn move_to(r: &mut Record, to: ConsultationState, extra: &mut Vec<DomainEvent>) -> bool {
    match r.view.state.transition(to) {
        Ok(s) => {
            r.view.state = s;
            true
        }
        // Already there (a repeated event): nothing to do.
        Err(_) if r.view.state == to => false,
        Err(e) => {
            extra.push(DomainEvent::ProtocolError {
                wire_event: "consultation".into(),
                reason: format!("{} ({})", e, r.view.id),
                raw: serde_json::Value::Null,
            });
            false
        }
    }
}

pub(super) fn set_rate(r: &mut Record, rate: &Money) {
    r.view.rate_per_minute = Some(rate.clone());
    r.meter.set_rate(rate.amount, rate.unit.clone());
}

/// The consultation an id-less event (some documents print several) is about: the named one, else
/// the most recent one still open.
pub(super) fn resolve(t: &Tracker, id: Option<&str>) -> Option<String> {
    match id {
        Some(id) if t.records.contains_key(id) => Some(id.to_owned()),
        Some(_) => None,
        None => t
            .order
            .iter()
            .rev()
            .find(|id| {
                t.records
                    .get(*id)
                    .is_some_and(|r| !r.view.state.is_terminal())
            })
            .cloned(),
    }
}

pub(in crate::consultation::service) fn view_now(r: &Record, now: u64) -> ConsultationView {
    let mut v = r.view.clone();
    let mut reading = r.meter.reading(now);
    if reading.cost.unit.is_none() {
        reading.cost.unit = v.rate_per_minute.as_ref().and_then(|m| m.unit.clone()).or(v
            .meter
            .cost
            .unit
            .clone());
    }
    v.meter = reading;
    v
}

pub(in crate::consultation::service) fn meter_update(
    id: &str,
    r: &Record,
    now: u64,
) -> DomainEvent {
    DomainEvent::MeterUpdate {
        consultation_id: id.to_owned(),
        reading: view_now(r, now).meter,
    }
}

/// Local time in RFC 3339, for moments the server does not date.
pub(super) fn now_iso() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
