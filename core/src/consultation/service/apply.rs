//! How the service follows events: each event (screened for absurd figures first) moves its
//! consultation through the state machine, re-anchors the meter and derives what the apps
//! need (meter readings, the bill, protocol errors for impossible moves).

use super::*;

impl ConsultationService {
    /// Applies one event; returns what it derives. Server figures out of the sane ranges are
    /// refused first ([`ranges::screen_consultation`]): the refusal is derived as a
    /// `protocol_error` and nothing absurd reaches the meter or the cache.
    pub(super) fn apply(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        let screened = ranges::screen_consultation(event);
        let mut derived: Vec<DomainEvent> = screened.refusal.into_iter().collect();
        if let DomainEvent::Connection {
            state: ConnectionState::Connected,
        } = event
        {
            derived.append(
                &mut self
                    .load_reports
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner),
            );
        }
        if let Some(event) = screened.event {
            // A change of the link waits for a tick being published (see `tick_gate`); only
            // it, as the ticker's own readings come back through here while it holds the gate.
            let _gate = matches!(&*event, DomainEvent::Connection { .. }).then(|| {
                self.tick_gate
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            });
            derived.extend(self.apply_sane(&event));
        }
        derived
    }

    /// Applies one screened event.
    pub(super) fn apply_sane(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        let now = self.now_ms();
        let mut t = self.tracker();
        let mut changed: Vec<String> = Vec::new();
        let mut extra: Vec<DomainEvent> = Vec::new();
        match event {
            DomainEvent::Connection { state } => {
                let up = matches!(state, ConnectionState::Connected);
                t.link_up = up;
                for (id, r) in t.records.iter_mut() {
                    if !up && r.meter.is_running() {
                        r.meter.freeze(now);
                        r.suspended_by_link = true;
                        extra.push(meter_update(id, r, now));
                    } else if up && r.suspended_by_link && r.view.state == ConsultationState::Active
                    {
                        r.meter.run(now);
                        r.suspended_by_link = false;
                        extra.push(meter_update(id, r, now));
                    }
                }
            }
            DomainEvent::ConsultationRequestSent {
                consultation_id,
                kind,
                expert_id,
                rate_per_minute,
                ..
            } => {
                let r = self.record(&mut t, consultation_id, Side::User);
                r.view.expert_id = expert_id.clone().or(r.view.expert_id.take());
                if kind.is_some() {
                    r.view.kind = *kind;
                }
                if let Some(rate) = rate_per_minute {
                    set_rate(r, rate);
                }
                r.view.requested_at.get_or_insert_with(now_iso);
                changed.push(consultation_id.clone());
            }
            DomainEvent::ConsultationRequested {
                consultation_id,
                user,
                kind,
                rate_per_minute,
                ..
            } => {
                let r = self.record(&mut t, consultation_id, Side::Expert);
                r.view.counterpart = Some(user.clone());
                r.view.kind = Some(*kind);
                if let Some(rate) = rate_per_minute {
                    set_rate(r, rate);
                }
                r.view.requested_at.get_or_insert_with(now_iso);
                changed.push(consultation_id.clone());
            }
            DomainEvent::ConsultationAnswered {
                consultation_id,
                outcome,
                ..
            } => {
                let to = ConsultationState::from(*outcome);
                let r = self.record(&mut t, consultation_id, Side::User);
                if move_to(r, to, &mut extra) {
                    changed.push(consultation_id.clone());
                }
            }
            DomainEvent::ConsultationStarted {
                consultation_id,
                started_at,
                rate_per_minute,
                balance,
            } => {
                if let Some(id) = resolve(&t, consultation_id.as_deref()) {
                    let link_up = t.link_up;
                    let r = t.records.get_mut(&id).expect("resolved");
                    if let Some(rate) = rate_per_minute {
                        set_rate(r, rate);
                    }
                    if let Some(b) = balance {
                        r.meter.set_balance(b.amount);
                    }
                    if r.view.state != ConsultationState::Active
                        && move_to(r, ConsultationState::Active, &mut extra)
                    {
                        r.view.started_at = started_at.clone().or_else(|| Some(now_iso()));
                        if link_up {
                            r.meter.run(now);
                        } else {
                            r.suspended_by_link = true;
                        }
                    }
                    changed.push(id);
                }
            }
            DomainEvent::ConsultationPaused {
                consultation_id, ..
            } => {
                if let Some(id) = resolve(&t, consultation_id.as_deref()) {
                    let r = t.records.get_mut(&id).expect("resolved");
                    if move_to(r, ConsultationState::Paused, &mut extra) {
                        r.meter.freeze(now);
                        r.suspended_by_link = false;
                        changed.push(id);
                    }
                }
            }
            DomainEvent::ConsultationResumed {
                consultation_id, ..
            } => {
                if let Some(id) = resolve(&t, consultation_id.as_deref()) {
                    let link_up = t.link_up;
                    let r = t.records.get_mut(&id).expect("resolved");
                    if move_to(r, ConsultationState::Active, &mut extra) {
                        if link_up {
                            r.meter.run(now);
                        }
                        changed.push(id);
                    }
                }
            }
            DomainEvent::MeterTick {
                consultation_id,
                minutes,
                cost,
                balance,
                state,
            } => {
                let link_up = t.link_up;
                let r = self.record(&mut t, consultation_id, Side::User);
                if matches!(
                    r.view.state,
                    ConsultationState::Requested | ConsultationState::Accepted
                ) && move_to(r, ConsultationState::Active, &mut extra)
                {
                    changed.push(consultation_id.clone());
                }
                if cost.unit.is_some() {
                    r.view.meter.cost.unit = cost.unit.clone();
                }
                r.meter.server_tick(
                    *minutes,
                    cost.amount,
                    balance.as_ref().map(|b| b.amount),
                    now,
                );
                match state.as_deref() {
                    Some("suspended") | Some("paused") => r.meter.freeze(now),
                    _ if r.view.state == ConsultationState::Active && link_up => {
                        r.meter.run(now);
                        r.suspended_by_link = false;
                    }
                    _ => {}
                }
                extra.push(meter_update(consultation_id, r, now));
                if let Some(reading) = r.meter.low_balance_due(now) {
                    extra.push(DomainEvent::LowBalanceWarning {
                        consultation_id: consultation_id.clone(),
                        reading,
                    });
                }
            }
            DomainEvent::WalletError {
                required_balance, ..
            } => {
                let current = t
                    .order
                    .iter()
                    .rev()
                    .find(|id| {
                        t.records.get(*id).is_some_and(|r| {
                            matches!(
                                r.view.state,
                                ConsultationState::Active | ConsultationState::Paused
                            )
                        })
                    })
                    .cloned();
                if let Some(id) = current {
                    let r = t.records.get_mut(&id).expect("found");
                    if move_to(
                        r,
                        ConsultationState::Ended {
                            by: Some(EndedBy::System),
                            reason: EndReason::InsufficientBalance,
                        },
                        &mut extra,
                    ) {
                        r.meter.freeze(now);
                        r.view.ended_at = Some(now_iso());
                        extra.push(DomainEvent::MeterStopped {
                            consultation_id: id.clone(),
                            reason: EndReason::InsufficientBalance,
                            required_balance: required_balance.clone(),
                        });
                        changed.push(id);
                    }
                }
            }
            DomainEvent::ConsultationEnded {
                consultation_id,
                minutes,
                total,
                ended_by,
                reason,
                balance,
            } => {
                if let Some(id) = resolve(&t, consultation_id.as_deref()) {
                    let r = t.records.get_mut(&id).expect("resolved");
                    let by = ended_by.as_deref().and_then(EndedBy::parse);
                    let why = reason
                        .as_deref()
                        .map(EndReason::parse)
                        .unwrap_or(EndReason::Ended);
                    let already_ended = matches!(r.view.state, ConsultationState::Ended { .. });
                    if already_ended
                        || move_to(r, ConsultationState::Ended { by, reason: why }, &mut extra)
                    {
                        if already_ended {
                            // A wallet error ended it first; the server's words now complete it.
                            r.view.state = ConsultationState::Ended {
                                by: by.or(Some(EndedBy::System)),
                                reason: why,
                            };
                        }
                        r.meter
                            .finish(*minutes, total.as_ref().map(|m| m.amount), now);
                        if let Some(b) = balance {
                            r.meter.set_balance(b.amount);
                        }
                        let reading = r.meter.reading(now);
                        let unit = total
                            .as_ref()
                            .and_then(|m| m.unit.clone())
                            .or(reading.cost.unit.clone());
                        r.view.bill = Some(Bill {
                            minutes: minutes.unwrap_or(reading.billed_minutes),
                            rate_per_minute: r.view.rate_per_minute.clone(),
                            total: Money {
                                amount: total
                                    .as_ref()
                                    .map(|m| m.amount)
                                    .unwrap_or(reading.cost.amount),
                                unit,
                            },
                            ended_by: by,
                            reason: why,
                        });
                        r.view.ended_at.get_or_insert_with(now_iso);
                        changed.push(id);
                    }
                }
            }
            _ => {}
        }
        let mut derived = Vec::new();
        for id in changed {
            if let Some(r) = t.records.get(&id) {
                let view = view_now(r, now);
                self.persist(&view);
                if view.side == Side::Expert {
                    derived.push(DomainEvent::ExpertBusy {
                        busy: t
                            .records
                            .values()
                            .any(|r| r.view.side == Side::Expert && r.view.state.occupies_expert()),
                    });
                }
                derived.push(DomainEvent::ConsultationUpdated { consultation: view });
            }
        }
        derived.extend(extra);
        derived
    }

    /// The record of `id`, created on first sight.
    pub(super) fn record<'a>(&self, t: &'a mut Tracker, id: &str, side: Side) -> &'a mut Record {
        if !t.records.contains_key(id) {
            t.order.push(id.to_owned());
            t.records.insert(
                id.to_owned(),
                Record {
                    view: ConsultationView {
                        id: id.to_owned(),
                        side,
                        counterpart: None,
                        expert_id: None,
                        kind: None,
                        state: ConsultationState::Requested,
                        rate_per_minute: None,
                        meter: Meter::new(self.minute_ms, None, None, self.server_ticks).reading(0),
                        bill: None,
                        requested_at: None,
                        started_at: None,
                        ended_at: None,
                    },
                    meter: Meter::new(self.minute_ms, None, None, self.server_ticks),
                    suspended_by_link: false,
                },
            );
        }
        t.records.get_mut(id).expect("just inserted")
    }
}

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

pub(super) fn view_now(r: &Record, now: u64) -> ConsultationView {
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

pub(super) fn meter_update(id: &str, r: &Record, now: u64) -> DomainEvent {
    DomainEvent::MeterUpdate {
        consultation_id: id.to_owned(),
        reading: view_now(r, now).meter,
    }
}

/// Local time in RFC 3339, for moments the server does not date.
pub(super) fn now_iso() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
