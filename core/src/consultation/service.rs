//! The consultation service: follows every consultation from the dialects' events through
//! the state machine, runs the meter (a reading every second while billing runs, frozen while
//! paused or disconnected, re-anchored to the server's ticks), warns a minute before the
//! wallet runs out, keeps consultations in the cache, and checks and confirms commands.
//!
//! Seed 000 answers commands only with events (no acks, no request ids), so its commands are
//! confirmed by waiting for the event that proves them, or the `chat-error` that refutes them.

use super::records;
use super::{Bill, ConsultationView, Meter, Side};
use crate::client::{Client, Service, WeakClient};
use crate::command::Command;
use crate::dialect::{Capability, EventProof, Refusal};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ConsultationState, EndReason, EndedBy};
use crate::model::{Money, RequestOutcome};
use crate::ranges;
use crate::store::Store;
use crate::transport::ConnectionState;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

/// How long a command waits for the event that its dialect says confirms it.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

struct Record {
    view: ConsultationView,
    meter: Meter,
    /// The meter was frozen because the link dropped, not by a pause.
    suspended_by_link: bool,
}

#[derive(Default)]
struct Tracker {
    records: HashMap<String, Record>,
    /// Ids in the order they were first seen (the last is the current consultation).
    order: Vec<String>,
    link_up: bool,
}

/// Follows consultations for one client. Attach with [`ConsultationService::attach`].
pub struct ConsultationService {
    client: WeakClient,
    server_ticks: bool,
    minute_ms: u64,
    store: Option<Store>,
    epoch: Instant,
    tracker: Mutex<Tracker>,
    /// Cache rows quarantined at load, reported once the link is first up (subscribers exist
    /// by then; at attach time there may be none).
    load_reports: Mutex<Vec<DomainEvent>>,
}

impl ConsultationService {
    /// Attaches a consultation service to `client`, keeping consultations in `store` when
    /// given (earlier ones are loaded from it). `minute_ms` is the length of a billed minute
    /// (60 000 outside tests).
    pub fn attach(
        client: &Client,
        store: Option<Store>,
        minute_ms: u64,
    ) -> Arc<ConsultationService> {
        let service = Arc::new(ConsultationService {
            client: client.downgrade(),
            server_ticks: client.capabilities().contains(&Capability::LiveBilling),
            minute_ms: minute_ms.max(1),
            store,
            epoch: Instant::now(),
            tracker: Mutex::new(Tracker {
                link_up: client.state().is_connected(),
                ..Tracker::default()
            }),
            load_reports: Mutex::new(Vec::new()),
        });
        service.load();
        client.attach(service.clone());
        // Already connected (the link came up before this attach): the first `connected`,
        // which reports the quarantined rows, has gone by; report them now.
        if client.state().is_connected() {
            let reports = std::mem::take(
                &mut *service
                    .load_reports
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner),
            );
            for report in reports {
                client.publish(report);
            }
        }
        tokio::spawn(tick_every_second(Arc::downgrade(&service)));
        service
    }

    /// Every known consultation, current ones first.
    pub fn list(&self) -> Vec<ConsultationView> {
        let now = self.now_ms();
        let t = self.tracker();
        let mut out: Vec<ConsultationView> = t
            .order
            .iter()
            .rev()
            .filter_map(|id| t.records.get(id))
            .map(|r| view_now(r, now))
            .collect();
        out.sort_by_key(|v| v.state.is_terminal());
        out
    }

    /// One consultation.
    pub fn get(&self, id: &str) -> Option<ConsultationView> {
        let now = self.now_ms();
        self.tracker().records.get(id).map(|r| view_now(r, now))
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The tracker, even after a panic elsewhere poisoned its lock: every change to it is a
    /// whole-record update, so what a panicking thread left is still a usable state.
    fn tracker(&self) -> MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn load(&self) {
        let Some(store) = &self.store else { return };
        match records::load_all(store) {
            Ok((views, quarantined)) => {
                self.load_reports
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(quarantined.iter().map(|q| q.event()));
                let mut t = self.tracker();
                for v in views.into_iter().rev() {
                    let mut meter = Meter::new(
                        self.minute_ms,
                        v.rate_per_minute.as_ref().map(|m| m.amount),
                        v.meter.cost.unit.clone(),
                        self.server_ticks,
                    );
                    meter.server_tick(
                        v.meter.billed_minutes,
                        v.meter.cost.amount,
                        v.meter.balance.as_ref().map(|b| b.amount),
                        0,
                    );
                    t.order.push(v.id.clone());
                    t.records.insert(
                        v.id.clone(),
                        Record {
                            view: v,
                            meter,
                            suspended_by_link: false,
                        },
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot load consultations from the cache"),
        }
    }

    fn persist(&self, view: &ConsultationView) {
        if let Some(store) = &self.store {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            if let Err(e) = records::save(store, view, now) {
                tracing::warn!(error = %e, id = %view.id, "cannot save consultation");
            }
        }
    }

    /// Applies one event; returns what it derives. Server figures out of the sane ranges are
    /// refused first ([`ranges::screen_consultation`]): the refusal is derived as a
    /// `protocol_error` and nothing absurd reaches the meter or the cache.
    fn apply(&self, event: &DomainEvent) -> Vec<DomainEvent> {
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
            derived.extend(self.apply_sane(&event));
        }
        derived
    }

    /// Applies one screened event.
    fn apply_sane(&self, event: &DomainEvent) -> Vec<DomainEvent> {
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
                let to = match outcome {
                    RequestOutcome::Accepted => ConsultationState::Accepted,
                    RequestOutcome::Rejected => ConsultationState::Rejected,
                    RequestOutcome::Expired => ConsultationState::Expired,
                    RequestOutcome::Cancelled => ConsultationState::Cancelled,
                };
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
    fn record<'a>(&self, t: &'a mut Tracker, id: &str, side: Side) -> &'a mut Record {
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

    /// Checks `cmd` against the state machine (nothing is sent when it is illegal).
    fn check(&self, cmd: &Command) -> Result<(), Error> {
        let (id, to) = match cmd {
            Command::AnswerConsultation {
                consultation_id,
                accept,
            } => (
                consultation_id,
                if *accept {
                    ConsultationState::Accepted
                } else {
                    ConsultationState::Rejected
                },
            ),
            Command::CancelConsultationRequest { consultation_id } => {
                (consultation_id, ConsultationState::Cancelled)
            }
            Command::StartConsultation { consultation_id } => {
                (consultation_id, ConsultationState::Active)
            }
            Command::PauseConsultation { consultation_id } => {
                (consultation_id, ConsultationState::Paused)
            }
            Command::ResumeConsultation { consultation_id } => {
                (consultation_id, ConsultationState::Active)
            }
            Command::EndConsultation {
                consultation_id, ..
            } => (
                consultation_id,
                ConsultationState::Ended {
                    by: None,
                    reason: EndReason::Ended,
                },
            ),
            _ => return Ok(()),
        };
        let t = self.tracker();
        let Some(r) = t.records.get(id) else {
            // Unknown here (another device, an earlier run): the server decides.
            return Ok(());
        };
        let from = r.view.state;
        // Starting an accepted consultation must come from Accepted (001 starts on accept).
        let start_ok = !matches!(cmd, Command::StartConsultation { .. })
            || from == ConsultationState::Accepted;
        match from.transition(to) {
            Ok(_) if start_ok => Ok(()),
            Ok(_) => Err(Error::IllegalState(format!(
                "consultation {id} is {}; only an accepted one can be started",
                from.name()
            ))),
            Err(e) => Err(Error::IllegalState(format!("consultation {id}: {e}"))),
        }
    }
}

/// Moves `r` to `to` if the state machine allows; otherwise reports a protocol error (the
/// server said something impossible) and keeps the state.
fn move_to(r: &mut Record, to: ConsultationState, extra: &mut Vec<DomainEvent>) -> bool {
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

fn set_rate(r: &mut Record, rate: &Money) {
    r.view.rate_per_minute = Some(rate.clone());
    r.meter.set_rate(rate.amount, rate.unit.clone());
}

/// The consultation an id-less event (000 documents several) is about: the named one, else
/// the most recent one still open.
fn resolve(t: &Tracker, id: Option<&str>) -> Option<String> {
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

fn view_now(r: &Record, now: u64) -> ConsultationView {
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

fn meter_update(id: &str, r: &Record, now: u64) -> DomainEvent {
    DomainEvent::MeterUpdate {
        consultation_id: id.to_owned(),
        reading: view_now(r, now).meter,
    }
}

/// Local time in RFC 3339, for moments the server does not date.
fn now_iso() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// Publishes a meter reading every second for every running consultation, and the
/// low-balance warning when it falls due.
async fn tick_every_second(service: Weak<ConsultationService>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let Some(s) = service.upgrade() else { return };
        let Some(client) = s.client.upgrade() else {
            return;
        };
        let now = s.now_ms();
        let mut out = Vec::new();
        {
            let mut t = s.tracker();
            for (id, r) in t.records.iter_mut() {
                if r.meter.is_running() {
                    out.push(meter_update(id, r, now));
                    if let Some(reading) = r.meter.low_balance_due(now) {
                        out.push(DomainEvent::LowBalanceWarning {
                            consultation_id: id.clone(),
                            reading,
                        });
                    }
                }
            }
        }
        for e in out {
            client.publish(e);
        }
    }
}

impl Service for ConsultationService {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        self.apply(event)
    }

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        match cmd {
            Command::ListConsultations => {
                let list = self.list();
                return Some(
                    async move {
                        Ok(vec![DomainEvent::ConsultationList {
                            consultations: list,
                        }])
                    }
                    .boxed(),
                );
            }
            Command::RequestConsultation { .. }
            | Command::AnswerConsultation { .. }
            | Command::CancelConsultationRequest { .. }
            | Command::StartConsultation { .. }
            | Command::PauseConsultation { .. }
            | Command::ResumeConsultation { .. }
            | Command::EndConsultation { .. } => {}
            _ => return None,
        }
        if let Err(e) = self.check(cmd) {
            return Some(async move { Err(e) }.boxed());
        }
        let client = self.client.clone();
        let cmd = cmd.clone();
        Some(
            async move {
                let client = client.upgrade().ok_or(Error::Closed)?;
                match client.rules().event_proof(&cmd) {
                    Some(proof) => confirmed(&client, cmd, proof).await,
                    None => client.send_to_server(cmd).await,
                }
            }
            .boxed(),
        )
    }
}

/// Sends `cmd` and waits, boundedly, for the event that its dialect says proves it (or the
/// one that refutes it, in the server's words).
async fn confirmed(
    client: &Client,
    cmd: Command,
    proof: EventProof,
) -> Result<Vec<DomainEvent>, Error> {
    let rejected = |r: Refusal| Error::Rejected {
        code: r.code,
        status: None,
        message: r.message,
    };
    let mut events = client.subscribe();
    client.send_to_server(cmd).await?;
    let deadline = tokio::time::Instant::now() + CONFIRM_TIMEOUT;
    loop {
        let event = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => return Err(Error::Closed),
            Err(_) => {
                return Err(Error::Timeout(format!(
                    "no confirmation within {} s",
                    CONFIRM_TIMEOUT.as_secs()
                )))
            }
        };
        match (proof.judge)(&event) {
            None => continue,
            Some(Err(r)) => return Err(rejected(r)),
            Some(Ok(())) => {
                // A refusal right behind the proof may still win (another device answered).
                let settle_until = tokio::time::Instant::now() + proof.settle;
                while let Ok(Some(next)) =
                    tokio::time::timeout_at(settle_until, events.recv()).await
                {
                    if let Some(r) = (proof.late_refusal)(&next) {
                        return Err(rejected(r));
                    }
                }
                return Ok(vec![event]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DialectId;
    use crate::model::{ConsultationKind, Party};
    use crate::token::StaticToken;
    use crate::ServerProfile;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn offline_client(d: DialectId) -> Client {
        Client::connect(
            ServerProfile::new(d, "http://127.0.0.1:9"),
            Arc::new(StaticToken::new("t")),
        )
        .unwrap()
    }

    /// A user-side service whose consultation "r" has been requested, accepted and started.
    fn running_user_consultation() -> (Client, Arc<ConsultationService>) {
        running_user_consultation_in(None)
    }

    fn running_user_consultation_in(store: Option<Store>) -> (Client, Arc<ConsultationService>) {
        let client = offline_client(DialectId::BillingChat);
        let s = ConsultationService::attach(&client, store, 60_000);
        s.apply(&DomainEvent::Connection {
            state: ConnectionState::Connected,
        });
        s.apply(&DomainEvent::ConsultationRequestSent {
            kind: None,
            consultation_id: "r".into(),
            expert_id: None,
            rate_per_minute: None,
            expires_at: None,
        });
        s.apply(&DomainEvent::ConsultationAnswered {
            consultation_id: "r".into(),
            outcome: RequestOutcome::Accepted,
            message: None,
            channel: None,
        });
        s.apply(&DomainEvent::ConsultationStarted {
            consultation_id: None,
            started_at: None,
            rate_per_minute: None,
            balance: None,
        });
        (client, s)
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[tokio::test]
    async fn follows_a_consultation_from_request_to_bill_and_keeps_it() {
        let dir = std::env::temp_dir().join(format!("parlor-consult-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir.join("c.sqlite3")).unwrap();
        let client = offline_client(DialectId::BillingChat);
        let s = ConsultationService::attach(&client, Some(store.clone()), 60_000);
        s.apply(&DomainEvent::Connection {
            state: ConnectionState::Connected,
        });
        let rate = Money::with_unit(dec("10.00"), "INR");
        s.apply(&DomainEvent::ConsultationRequested {
            consultation_id: "r1".into(),
            user: Party {
                id: "u".into(),
                name: Some("Asha".into()),
                ..Party::default()
            },
            kind: ConsultationKind::Text,
            rate_per_minute: Some(rate.clone()),
            expires_at: None,
        });
        let derived = s.apply(&DomainEvent::ConsultationAnswered {
            consultation_id: "r1".into(),
            outcome: RequestOutcome::Accepted,
            message: None,
            channel: None,
        });
        assert!(derived.contains(&DomainEvent::ExpertBusy { busy: true }));
        s.apply(&DomainEvent::ConsultationStarted {
            consultation_id: Some("r1".into()),
            started_at: None,
            rate_per_minute: None,
            balance: None,
        });
        assert_eq!(s.get("r1").unwrap().state, ConsultationState::Active);
        s.apply(&DomainEvent::ConsultationPaused {
            consultation_id: None,
            by: None,
        });
        assert_eq!(s.get("r1").unwrap().state, ConsultationState::Paused);
        assert!(!s.get("r1").unwrap().meter.running);
        s.apply(&DomainEvent::ConsultationResumed {
            consultation_id: None,
            by: None,
        });
        s.apply(&DomainEvent::MeterTick {
            consultation_id: "r1".into(),
            minutes: dec("2"),
            cost: Money::new(dec("20.00")),
            balance: None,
            state: None,
        });
        s.apply(&DomainEvent::ConsultationEnded {
            consultation_id: None,
            minutes: Some(dec("3")),
            total: Some(Money::new(dec("30.00"))),
            ended_by: Some("user".into()),
            reason: None,
            balance: None,
        });
        let v = s.get("r1").unwrap();
        assert_eq!(
            v.state,
            ConsultationState::Ended {
                by: Some(EndedBy::User),
                reason: EndReason::Ended
            }
        );
        let bill = v.bill.unwrap();
        assert_eq!(
            (
                bill.minutes,
                bill.total.amount,
                bill.rate_per_minute.unwrap().amount
            ),
            (dec("3"), dec("30.00"), dec("10.00"))
        );
        // Kept in the cache, and found again by a new service (a restarted app).
        let again = ConsultationService::attach(
            &offline_client(DialectId::BillingChat),
            Some(store),
            60_000,
        );
        assert_eq!(
            again.get("r1").unwrap().bill.unwrap().total.amount,
            dec("30.00")
        );
    }

    #[tokio::test]
    async fn illegal_commands_fail_before_anything_is_sent() {
        let client = offline_client(DialectId::BillingChat);
        let s = ConsultationService::attach(&client, None, 60_000);
        s.apply(&DomainEvent::ConsultationRequestSent {
            kind: None,
            consultation_id: "r".into(),
            expert_id: None,
            rate_per_minute: None,
            expires_at: None,
        });
        let err = client
            .send(Command::PauseConsultation {
                consultation_id: "r".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::IllegalState(
                "consultation r: a consultation cannot go from requested to paused".into()
            )
        );
        let err = client
            .send(Command::StartConsultation {
                consultation_id: "r".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), "illegal_state");
        // Legal, so it is sent — and fails only because this client is offline.
        let err = client
            .send(Command::CancelConsultationRequest {
                consultation_id: "r".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), "not_connected");
    }

    #[tokio::test]
    async fn a_wallet_error_ends_the_meter_with_the_required_balance() {
        let (_client, s) = running_user_consultation();
        let derived = s.apply(&DomainEvent::WalletError {
            message: "Insufficient wallet balance to continue the chat.".into(),
            required_balance: Some(Money::new(dec("10.00"))),
        });
        assert!(derived.iter().any(|e| matches!(e, DomainEvent::MeterStopped { reason: EndReason::InsufficientBalance, required_balance: Some(m), .. } if m.amount == dec("10.00"))));
        assert_eq!(
            s.get("r").unwrap().state,
            ConsultationState::Ended {
                by: Some(EndedBy::System),
                reason: EndReason::InsufficientBalance
            }
        );
        // The server's chat-ended that follows completes the bill without an illegal move.
        let derived = s.apply(&DomainEvent::ConsultationEnded {
            consultation_id: Some("r".into()),
            minutes: Some(dec("2")),
            total: Some(Money::new(dec("20.00"))),
            ended_by: Some("system".into()),
            reason: Some("insufficient_balance".into()),
            balance: None,
        });
        assert!(!derived
            .iter()
            .any(|e| matches!(e, DomainEvent::ProtocolError { .. })));
        assert_eq!(s.get("r").unwrap().bill.unwrap().total.amount, dec("20.00"));
    }

    #[tokio::test]
    async fn hostile_figures_are_refused_and_the_service_goes_on() {
        let (_client, s) = running_user_consultation();
        // The issue's chat-timer, and 001's session:ended with an absurd duration.
        let derived = s.apply(&DomainEvent::MeterTick {
            consultation_id: "r".into(),
            minutes: dec("1000000000000000000"),
            cost: Money::new(dec("10")),
            balance: None,
            state: None,
        });
        assert!(
            matches!(&derived[..], [DomainEvent::ProtocolError { wire_event, raw, .. }]
                if wire_event == "meter_tick" && raw["minutes"] == "1000000000000000000"),
            "{derived:?}"
        );
        assert_eq!(s.get("r").unwrap().meter.billed_minutes, Decimal::ZERO);
        s.apply(&DomainEvent::ConsultationStarted {
            consultation_id: Some("r".into()),
            started_at: None,
            rate_per_minute: Some(Money::new(dec("0.0000000000000000000000000001"))),
            balance: Some(Money::new(dec("79228162514264337593543950335"))),
        });
        let derived = s.apply(&DomainEvent::ConsultationEnded {
            consultation_id: Some("r".into()),
            minutes: Some(dec("79228162514264337593543950335")),
            total: Some(Money::new(dec("30.00"))),
            ended_by: Some("user".into()),
            reason: None,
            balance: None,
        });
        assert!(derived
            .iter()
            .any(|e| matches!(e, DomainEvent::ProtocolError { .. })));
        let v = s.get("r").unwrap();
        let bill = v.bill.expect("ended with the sane part of the bill");
        assert_eq!(bill.total.amount, dec("30.00"));
        assert!(
            v.rate_per_minute.is_none(),
            "the absurd rate was never taken"
        );
    }

    #[tokio::test]
    async fn a_panic_while_the_tracker_is_held_leaves_the_service_usable() {
        let (_client, s) = running_user_consultation();
        let s2 = s.clone();
        let _ = std::thread::spawn(move || {
            let _held = s2.tracker.lock();
            panic!("a bug while the tracker is held");
        })
        .join();
        assert!(s.tracker.is_poisoned());
        s.apply(&DomainEvent::MeterTick {
            consultation_id: "r".into(),
            minutes: dec("1"),
            cost: Money::new(dec("10")),
            balance: None,
            state: None,
        });
        assert_eq!(s.get("r").unwrap().meter.billed_minutes, dec("1"));
        assert_eq!(s.list().len(), 1);
    }

    #[tokio::test]
    async fn unloadable_rows_are_quarantined_and_the_rest_loads() {
        let dir = std::env::temp_dir().join(format!("parlor-consult-q-{}", uuid::Uuid::new_v4()));
        let path = dir.join("c.sqlite3");
        {
            // A good consultation through the real code path, then rows an older build (or a
            // damaged disk) left behind.
            let store = Store::open(&path).unwrap();
            let (client, s) = running_user_consultation_in(Some(store.clone()));
            s.apply(&DomainEvent::ConsultationEnded {
                consultation_id: Some("r".into()),
                minutes: Some(dec("2")),
                total: Some(Money::new(dec("20.00"))),
                ended_by: Some("user".into()),
                reason: None,
                balance: None,
            });
            store
                .write(|tx| {
                    tx.execute_batch(
                        r#"INSERT INTO consultations (id, role, state, billed_minutes, cost, bill, updated_at)
                           VALUES ('huge', 'user', '{"state":"ended","by":"user","reason":"ended"}',
                                   '1000000000000000000', '10', NULL, 1);
                           INSERT INTO consultations (id, role, state, updated_at)
                           VALUES ('garbled', 'user', 'not json', 2);
                           INSERT INTO consultations (id, role, state, cost, updated_at)
                           VALUES ('typed', 'user', '{"state":"active"}', X'00FF', 3);"#,
                    )?;
                    Ok(())
                })
                .unwrap();
            drop((client, s, store));
        }
        let store = Store::open(&path).unwrap();
        let client = offline_client(DialectId::BillingChat);
        let again = ConsultationService::attach(&client, Some(store.clone()), 60_000);
        let ids: Vec<String> = again.list().into_iter().map(|v| v.id).collect();
        assert_eq!(ids, vec!["r".to_string()]);
        let moved = crate::store::quarantine::list(&store).unwrap();
        let mut keys: Vec<&str> = moved.iter().filter_map(|q| q.row["id"].as_str()).collect();
        keys.sort();
        assert_eq!(keys, vec!["garbled", "huge", "typed"]);
        // Reported once the link is up.
        let reports = again.apply(&DomainEvent::Connection {
            state: ConnectionState::Connected,
        });
        assert_eq!(
            reports
                .iter()
                .filter(|e| matches!(e, DomainEvent::ProtocolError { wire_event, .. } if wire_event == "cache"))
                .count(),
            3
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_meter_freezes_while_the_link_is_down() {
        let (_client, s) = running_user_consultation();
        assert!(s.get("r").unwrap().meter.running);
        s.apply(&DomainEvent::Connection {
            state: ConnectionState::Reconnecting {
                attempt: 1,
                delay_ms: 1000,
                reason: "x".into(),
            },
        });
        assert!(!s.get("r").unwrap().meter.running);
        s.apply(&DomainEvent::Connection {
            state: ConnectionState::Connected,
        });
        assert!(s.get("r").unwrap().meter.running);
    }
}
