//! How a consultation ends: for want of balance (a wallet error ends the one being billed and
//! stops its meter) or by the server's word (which also makes the bill, and completes an end
//! the wallet error came to first).

use super::*;

/// Applies a wallet error or a server's end (other events are not this module's): the
/// consultations it changes go to `changed`, what it derives on the way to `extra`.
pub(super) fn apply_end(
    t: &mut Tracker,
    event: &DomainEvent,
    now: u64,
    changed: &mut Vec<String>,
    extra: &mut Vec<DomainEvent>,
) {
    match event {
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
            if let Some((id, r)) = current.and_then(|id| t.records.get_mut(&id).map(|r| (id, r))) {
                if move_to(
                    r,
                    ConsultationState::Ended {
                        by: Some(EndedBy::System),
                        reason: EndReason::InsufficientBalance,
                    },
                    extra,
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
            let found = resolve(t, consultation_id.as_deref())
                .and_then(|id| t.records.get_mut(&id).map(|r| (id, r)));
            if let Some((id, r)) = found {
                let by = ended_by.as_deref().and_then(EndedBy::parse);
                let why = reason
                    .as_deref()
                    .map(EndReason::parse)
                    .unwrap_or(EndReason::Ended);
                let already_ended = matches!(r.view.state, ConsultationState::Ended { .. });
                if already_ended || move_to(r, ConsultationState::Ended { by, reason: why }, extra)
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
}
