//! Consultations in the local cache: one row per consultation, written on every change of
//! state (not on every meter second), read back at start-up and for history and earnings.

use super::{Bill, ConsultationState, ConsultationView, MeterReading, Side};
use crate::model::{Money, Party};
use crate::ranges;
use crate::store::quarantine::{self, Quarantined};
use crate::store::{Store, StoreError};
use rusqlite::{params, OptionalExtension, Row};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Writes (inserts or replaces) a consultation.
pub fn save(store: &Store, v: &ConsultationView, now_ms: i64) -> Result<(), StoreError> {
    store.write(|tx| {
        tx.execute(
            "INSERT INTO consultations (id, role, counterpart, expert_id, kind, state, rate, unit, billed_minutes, cost, balance, bill, requested_at, started_at, ended_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT(id) DO UPDATE SET role=excluded.role, counterpart=excluded.counterpart, expert_id=excluded.expert_id,
               kind=excluded.kind, state=excluded.state, rate=excluded.rate, unit=excluded.unit, billed_minutes=excluded.billed_minutes,
               cost=excluded.cost, balance=excluded.balance, bill=excluded.bill, requested_at=excluded.requested_at,
               started_at=excluded.started_at, ended_at=excluded.ended_at, updated_at=excluded.updated_at",
            params![
                v.id,
                side_name(v.side),
                v.counterpart.as_ref().map(json),
                v.expert_id,
                v.kind.map(|k| json(&k).trim_matches('"').to_owned()),
                json(&v.state),
                v.rate_per_minute.as_ref().map(|m| m.amount.to_string()),
                v.rate_per_minute.as_ref().and_then(|m| m.unit.clone()).or_else(|| v.meter.cost.unit.clone()),
                v.meter.billed_minutes.to_string(),
                v.meter.cost.amount.to_string(),
                v.meter.balance.as_ref().map(|b| b.amount.to_string()),
                v.bill.as_ref().map(json),
                v.requested_at,
                v.started_at,
                v.ended_at,
                now_ms,
            ],
        )?;
        Ok(())
    })
}

/// Every stored consultation, most recently changed first. A row that cannot be loaded (an
/// unreadable value, a figure out of [`crate::ranges`]) is quarantined and returned apart; the
/// rest loads.
pub fn load_all(store: &Store) -> Result<(Vec<ConsultationView>, Vec<Quarantined>), StoreError> {
    quarantine::load_tolerantly(
        store,
        "consultations",
        &format!("SELECT rowid, {COLUMNS} FROM consultations ORDER BY updated_at DESC"),
        |r| {
            let v = row_to_view(r, 1).map_err(|e| e.to_string())?;
            in_range(&v).map_err(|e| e.to_string())?;
            Ok(v)
        },
    )
}

/// Whether a stored consultation's figures are within the sane ranges (a cache written before
/// the services screened server values may hold anything).
fn in_range(v: &ConsultationView) -> Result<(), ranges::OutOfRange> {
    ranges::check_minutes("billed_minutes", v.meter.billed_minutes)?;
    ranges::check_amount("cost", &v.meter.cost)?;
    if let Some(b) = &v.meter.balance {
        ranges::check_balance("balance", b)?;
    }
    if let Some(r) = &v.rate_per_minute {
        ranges::check_amount("rate", r)?;
    }
    if let Some(b) = &v.bill {
        ranges::check_minutes("bill.minutes", b.minutes)?;
        ranges::check_amount("bill.total", &b.total)?;
    }
    Ok(())
}

const COLUMNS: &str = "id, role, counterpart, expert_id, kind, state, rate, unit, billed_minutes, cost, balance, bill, requested_at, started_at, ended_at";

/// One stored consultation.
pub fn load(store: &Store, id: &str) -> Result<Option<ConsultationView>, StoreError> {
    store.read(|c| {
        let v = c
            .query_row(
                &format!("SELECT {COLUMNS} FROM consultations WHERE id = ?1"),
                [id],
                |r| Ok(row_to_view(r, 0)),
            )
            .optional()?;
        v.transpose()
    })
}

fn side_name(s: Side) -> &'static str {
    s.as_str()
}

/// A row as a view; `base` is the index of the `id` column.
fn row_to_view(r: &Row<'_>, base: usize) -> Result<ConsultationView, StoreError> {
    let text = |i: usize| -> Result<Option<String>, StoreError> {
        Ok(r.get::<_, Option<String>>(base + i)?)
    };
    let dec = |s: Option<String>| -> Result<Option<Decimal>, StoreError> {
        s.map(|s| {
            Decimal::from_str(&s).map_err(|e| StoreError::Corrupt(format!("decimal {s:?}: {e}")))
        })
        .transpose()
    };
    let parse = |s: &str, what: &str| StoreError::Corrupt(format!("{what}: {s:?}"));
    let unit = text(7)?;
    let side = match text(1)?.as_deref() {
        Some("expert") => Side::Expert,
        _ => Side::User,
    };
    let state_text = text(5)?.unwrap_or_default();
    let state: ConsultationState =
        serde_json::from_str(&state_text).map_err(|_| parse(&state_text, "state"))?;
    let counterpart: Option<Party> = match text(2)? {
        Some(s) => Some(serde_json::from_str(&s).map_err(|_| parse(&s, "counterpart"))?),
        None => None,
    };
    let bill: Option<Bill> = match text(11)? {
        Some(s) => Some(serde_json::from_str(&s).map_err(|_| parse(&s, "bill"))?),
        None => None,
    };
    let kind = match text(4)? {
        Some(k) => Some(
            serde_json::from_value(serde_json::Value::String(k.clone()))
                .map_err(|_| parse(&k, "kind"))?,
        ),
        None => None,
    };
    let money = |d: Option<Decimal>| {
        d.map(|amount| Money {
            amount,
            unit: unit.clone(),
        })
    };
    Ok(ConsultationView {
        id: r.get(base)?,
        side,
        counterpart,
        expert_id: text(3)?,
        kind,
        state,
        rate_per_minute: money(dec(text(6)?)?),
        meter: MeterReading {
            elapsed_ms: 0,
            billed_minutes: dec(text(8)?)?.unwrap_or_default(),
            cost: Money {
                amount: dec(text(9)?)?.unwrap_or_default(),
                unit: unit.clone(),
            },
            balance: money(dec(text(10)?)?),
            runs_out_in_ms: None,
            running: false,
        },
        bill,
        requested_at: text(12)?,
        started_at: text(13)?,
        ended_at: text(14)?,
    })
}

/// A value as JSON text (our own types always serialize).
fn json<T: serde::Serialize>(x: &T) -> String {
    serde_json::to_string(x).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consultation::{EndReason, EndedBy};
    use crate::model::ConsultationKind;

    #[test]
    fn a_consultation_round_trips_through_the_cache() {
        let dir = std::env::temp_dir().join(format!("parlor-records-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir.join("c.sqlite3")).unwrap();
        let v = ConsultationView {
            id: "room-1".into(),
            side: Side::Expert,
            counterpart: Some(Party {
                id: "u-asha".into(),
                name: Some("Asha".into()),
                ..Party::default()
            }),
            expert_id: Some("a-sharma".into()),
            kind: Some(ConsultationKind::Audio),
            state: ConsultationState::Ended {
                by: Some(EndedBy::User),
                reason: EndReason::InsufficientBalance,
            },
            rate_per_minute: Some(Money::with_unit(Decimal::new(1250, 2), "INR")),
            meter: MeterReading {
                elapsed_ms: 0,
                billed_minutes: Decimal::from(3),
                cost: Money::with_unit(Decimal::new(3750, 2), "INR"),
                balance: Some(Money::with_unit(Decimal::new(1, 2), "INR")),
                runs_out_in_ms: None,
                running: false,
            },
            bill: Some(Bill {
                minutes: Decimal::from(3),
                rate_per_minute: Some(Money::with_unit(Decimal::new(1250, 2), "INR")),
                total: Money::with_unit(Decimal::new(3750, 2), "INR"),
                ended_by: Some(EndedBy::System),
                reason: EndReason::InsufficientBalance,
            }),
            requested_at: Some("2026-11-21T10:00:00Z".into()),
            started_at: Some("2026-11-21T10:01:00Z".into()),
            ended_at: Some("2026-11-21T10:04:00Z".into()),
        };
        save(&store, &v, 1).unwrap();
        assert_eq!(load(&store, "room-1").unwrap(), Some(v.clone()));
        let mut later = v.clone();
        later.id = "room-2".into();
        save(&store, &later, 2).unwrap();
        let (all, quarantined) = load_all(&store).unwrap();
        assert!(quarantined.is_empty());
        assert_eq!(
            all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            vec!["room-2", "room-1"]
        );
        assert_eq!(load(&store, "nope").unwrap(), None);
    }
}
