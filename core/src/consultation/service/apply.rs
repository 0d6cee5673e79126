//! How the service follows events: each event (screened for absurd figures first) moves its
//! consultation through the state machine, re-anchors the meter and derives what the apps
//! need (meter readings, the bill, protocol errors for impossible moves).

use super::*;

mod ending;
mod steps;

pub(super) use steps::{meter_update, view_now};
use steps::{move_to, now_iso, resolve, set_rate};

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
            DomainEvent::WalletError { .. } | DomainEvent::ConsultationEnded { .. } => {
                ending::apply_end(&mut t, event, now, &mut changed, &mut extra);
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
