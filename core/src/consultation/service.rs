//! The consultation service: follows every consultation from the dialects' events through
//! the state machine, runs the meter (a reading every second while billing runs, frozen while
//! paused or disconnected, re-anchored to the server's ticks), warns a minute before the
//! wallet runs out, keeps consultations in the cache, and checks and confirms commands.
//!
//! A server that answers commands only with events (no acks, no request ids) has them
//! confirmed by waiting for the event that proves each one, or the error event that refutes
//! it, as its dialect names them (`Dialect::event_proof`).

use super::records;
use super::{Bill, ConsultationView, Meter, Side};
use crate::client::{Client, Service, WeakClient};
use crate::command::{Command, LocalCommand};
use crate::dialect::{Capability, EventProof, Refusal};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::Money;
use crate::model::{ConsultationState, EndReason, EndedBy};
use crate::observe::{ListChange, ObservedList};
use crate::ranges;
use crate::store::Store;
use crate::transport::ConnectionState;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

mod apply;
mod check;
#[cfg(test)]
mod tests;

use apply::{meter_update, view_now};

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

/// Follows consultations for one client. Attach with [`ConsultationService::attach`] (a
/// [`Session`](crate::Session) attaches one). The consultation commands sent through the
/// client are checked against the state machine and confirmed by the event that proves them;
/// the records, with their live meter and bill, are read with [`get`](Self::get),
/// [`list`](Self::list) and [`observe`](Self::observe) (`core/examples/consultation.rs` runs
/// the whole story against a reference server; the [module](super) shows the loop).
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
    /// Held by the ticker from computing its readings until they are published, and by a
    /// change of the link before it freezes or restarts the meters: a running reading is never
    /// published after the frozen one of a link that dropped. Taken before `tracker`.
    tick_gate: Mutex<()>,
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
            tick_gate: Mutex::new(()),
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

    /// Every consultation as a list: the snapshot ([`list`](Self::list)), then each one that
    /// appears or changes (keyed by id). `Error::Closed` once the client is gone.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use parlor_core::{DialectId, ServerProfile, Session, StaticToken};
    /// use std::sync::Arc;
    /// let profile = ServerProfile::new(DialectId::BillingChat, "http://127.0.0.1:9");
    /// let session = Session::builder(profile, Arc::new(StaticToken::new("jwt"))).build()?;
    /// // A new session without a cache knows no consultation yet.
    /// let list = session.consultations.observe()?;
    /// assert!(list.snapshot().is_empty());
    /// assert!(session.consultations.get("room-1").is_none());
    /// # Ok(()) }
    /// ```
    pub fn observe(self: &Arc<Self>) -> Result<ObservedList<ConsultationView>, Error> {
        let client = self.client.upgrade().ok_or(Error::Closed)?;
        let events = client.subscribe();
        let for_lag = self.clone();
        Ok(ObservedList::new(
            events,
            self.list(),
            move || Some(for_lag.list()),
            |event| match event {
                DomainEvent::ConsultationUpdated { consultation } => {
                    Some(ListChange::Set(consultation))
                }
                DomainEvent::ConsultationList { consultations } => {
                    Some(ListChange::Reset(consultations))
                }
                _ => None,
            },
        ))
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
        // Released after publishing (nothing awaits meanwhile).
        let _gate = s.tick_gate.lock().unwrap_or_else(PoisonError::into_inner);
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
            // Published outside the lock (publishing reaches this service again), so the link
            // may have dropped or the consultation paused since: a meter frozen meanwhile has
            // published its frozen reading, and a running one after it would undo that.
            if let DomainEvent::MeterUpdate {
                consultation_id, ..
            }
            | DomainEvent::LowBalanceWarning {
                consultation_id, ..
            } = &e
            {
                let still_running = s
                    .tracker()
                    .records
                    .get(consultation_id)
                    .is_some_and(|r| r.meter.is_running());
                if !still_running {
                    continue;
                }
            }
            client.publish(e);
        }
    }
}

impl Service for ConsultationService {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        self.apply(event)
    }

    fn handle_local(
        &self,
        cmd: &LocalCommand,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        match cmd {
            LocalCommand::ListConsultations => {
                let list = self.list();
                Some(
                    async move {
                        Ok(vec![DomainEvent::ConsultationList {
                            consultations: list,
                        }])
                    }
                    .boxed(),
                )
            }
            _ => None,
        }
    }

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        match cmd {
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
