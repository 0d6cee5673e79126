/** Consultations as the expert follows them: the records, the open one, its meter and bill. */

import { compare, wholeQuotient } from "../decimal";
import type { ConsultationView, UiEvent, EndReason, MeterReading, Money } from "../types";

/** The consultations slice. */
export interface ConsultationsState {
  byId: Readonly<Record<string, ConsultationView>>;
  /** The consultation the consultation screen shows (the running one, or the one just ended). */
  currentId: string | null;
  /** A consultation whose bill is waiting to be seen. */
  billFor: string | null;
  /** Low-balance warnings by consultation. */
  lowBalance: Readonly<Record<string, MeterReading>>;
  /** Why a meter stopped, by consultation. */
  stopped: Readonly<Record<string, { reason: EndReason; required: Money | null }>>;
  /** When the meter was last read, epoch ms, by consultation (to tick between readings). */
  meterAt: Readonly<Record<string, number>>;
}

export const emptyConsultations: ConsultationsState = {
  byId: {},
  currentId: null,
  billFor: null,
  lowBalance: {},
  stopped: {},
  meterAt: {},
};

/** True while the consultation occupies the expert. */
export function isLive(c: ConsultationView): boolean {
  const s = c.state.state;
  return s === "accepted" || s === "active" || s === "paused";
}

/** The slice after `e` (received at `now`). */
export function reduceConsultations(
  s: ConsultationsState,
  e: UiEvent,
  now: number,
): ConsultationsState {
  switch (e.event) {
    case "consultations_changed": {
      const change = e.change;
      switch (change.kind) {
        case "set":
          return upsert(s, change.item, now, true);
        case "reset": {
          // The core's whole list: not news (it opens no screen or bill), and what it no
          // longer holds goes.
          const kept = new Set(change.items.map((c) => c.id));
          const pruned = Object.keys(s.byId).reduce((acc, id) => (kept.has(id) ? acc : without(acc, id)), s);
          return change.items.reduce((acc, c) => upsert(acc, c, now, false), pruned);
        }
        case "remove":
          return without(s, change.id);
        default:
          return s;
      }
    }
    case "meter_update": {
      const c = s.byId[e.consultation_id];
      if (!c) return s;
      return {
        ...s,
        byId: { ...s.byId, [c.id]: { ...c, meter: e.reading } },
        meterAt: { ...s.meterAt, [c.id]: now },
      };
    }
    case "low_balance_warning":
      return { ...s, lowBalance: { ...s.lowBalance, [e.consultation_id]: e.reading } };
    case "meter_stopped":
      return {
        ...s,
        stopped: {
          ...s.stopped,
          [e.consultation_id]: { reason: e.reason, required: e.required_balance ?? null },
        },
      };
    default:
      return s;
  }
}

function upsert(
  s: ConsultationsState,
  c: ConsultationView,
  now: number,
  live: boolean,
): ConsultationsState {
  const before = s.byId[c.id];
  const byId = { ...s.byId, [c.id]: c };
  let { currentId, billFor } = s;
  if (c.side === "expert" && isLive(c) && (live || currentId === null)) {
    // Open the consultation the expert is in (accepted now, or found running at start).
    if (currentId === null || currentId === c.id || !isLiveId(s, currentId)) currentId = c.id;
  }
  if (live && c.state.state === "ended" && before && before.state.state !== "ended") {
    billFor = c.id;
  }
  const lowBalance =
    c.state.state === "ended" && s.lowBalance[c.id] ? omit(s.lowBalance, c.id) : s.lowBalance;
  return { ...s, byId, currentId, billFor, lowBalance, meterAt: { ...s.meterAt, [c.id]: now } };
}

/** The slice without consultation `id`. */
function without(s: ConsultationsState, id: string): ConsultationsState {
  if (!(id in s.byId)) return s;
  return {
    ...s,
    byId: omit(s.byId, id),
    currentId: s.currentId === id ? null : s.currentId,
    billFor: s.billFor === id ? null : s.billFor,
    lowBalance: omit(s.lowBalance, id),
    stopped: omit(s.stopped, id),
    meterAt: omit(s.meterAt, id),
  };
}

function isLiveId(s: ConsultationsState, id: string): boolean {
  const c = s.byId[id];
  return c !== undefined && isLive(c);
}

function omit<T>(r: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const out = { ...r };
  delete out[key];
  return out;
}

/** Closes the bill; the consultation screen stays until another opens. */
export function dismissBill(s: ConsultationsState): ConsultationsState {
  if (s.billFor === null) return s;
  const c = s.currentId ? s.byId[s.currentId] : undefined;
  return {
    ...s,
    billFor: null,
    currentId: c && isLive(c) ? s.currentId : null,
  };
}

/** The meter as shown at `now`: elapsed time runs on locally between readings while running. */
export function liveElapsedMs(reading: MeterReading, readAt: number | undefined, now: number): number {
  if (!reading.running || readAt === undefined) return reading.elapsed_ms;
  // The core sends a reading every second; never run more than 2 s ahead of the last one.
  return reading.elapsed_ms + Math.min(2_000, Math.max(0, now - readAt));
}

/** The user's remaining whole minutes at `rate`, from the wallet the meter last saw. */
export function remainingMinutes(reading: MeterReading, rate: Money | null | undefined): number | null {
  if (!reading.balance || !rate) return null;
  if (compare(rate.amount, "0") <= 0) return null;
  const q = wholeQuotient(reading.balance.amount, rate.amount);
  return q === null ? null : Number(q < 0n ? 0n : q);
}

/** Live consultations first, then the rest newest first. */
export function sortedConsultations(byId: Readonly<Record<string, ConsultationView>>): ConsultationView[] {
  const stamp = (c: ConsultationView) =>
    Date.parse(c.ended_at ?? c.started_at ?? c.requested_at ?? "") || 0;
  return Object.values(byId).sort((a, b) => {
    const live = Number(isLive(b)) - Number(isLive(a));
    return live !== 0 ? live : stamp(b) - stamp(a);
  });
}
