/** History and earnings: past consultations and calls, with duration, amount and totals. */

import { t, type MessageKey } from "../i18n/index.svelte";
import { sum } from "../decimal";
import type { CallRecord, ConsultationView, Money } from "../types";

/** One row of the history table. */
export interface HistoryRow {
  id: string;
  kind: "consultation" | "call";
  /** Chat / Voice call / Video call, or the call's media. */
  label: "text" | "audio" | "video" | null;
  peer: string;
  /** State or outcome as the core spells it (`ended`, `rejected`, `missed`, …). */
  state: string;
  /** Epoch ms, for sorting and the date column. */
  at: number;
  durationMs: number | null;
  /** Billed minutes, when billed. */
  minutes: string | null;
  amount: Money | null;
}

/** Totals per unit (a server pays in one unit, but never add rupees to coins). */
export interface EarningsTotal {
  unit: string | null;
  amount: string;
  count: number;
}

/** Totals over the paid rows. */
export interface Earnings {
  totals: EarningsTotal[];
  /** Paid consultations and calls. */
  count: number;
  /** Billed minutes of consultations. */
  minutes: string;
}

/** The expert's history rows, newest first. */
export function historyRows(
  consultations: readonly ConsultationView[],
  calls: readonly CallRecord[],
): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const c of consultations) {
    if (c.side !== "expert") continue;
    const s = c.state.state;
    if (s === "requested" || s === "accepted" || s === "active" || s === "paused") continue;
    rows.push({
      id: c.id,
      kind: "consultation",
      label: c.kind ?? null,
      peer: c.counterpart?.name?.trim() || c.counterpart?.id || t("party.unknown"),
      state: s,
      at: time(c.ended_at) ?? time(c.started_at) ?? time(c.requested_at) ?? 0,
      durationMs: s === "ended" ? c.meter.elapsed_ms : null,
      minutes: c.bill?.minutes ?? null,
      amount: c.bill?.total ?? null,
    });
  }
  for (const k of calls) {
    if (k.role !== "callee") continue;
    if (k.outcome === "ringing" || k.outcome === "accepted") continue;
    rows.push({
      id: k.call_id,
      kind: "call",
      label: k.media ?? "audio",
      peer: k.peer_name?.trim() || k.peer_id || t("party.unknownCaller"),
      state: k.outcome,
      at: k.started_at,
      durationMs: k.duration_secs != null ? k.duration_secs * 1000 : null,
      minutes: null,
      amount: k.coins ?? null,
    });
  }
  return rows.sort((a, b) => b.at - a.at);
}

/** Earnings over `rows` (those with an amount). */
export function earnings(rows: readonly HistoryRow[]): Earnings {
  const byUnit = new Map<string | null, { amounts: string[]; count: number }>();
  const minutes: string[] = [];
  let count = 0;
  for (const r of rows) {
    if (!r.amount) continue;
    count += 1;
    const unit = r.amount.unit ?? null;
    const entry = byUnit.get(unit) ?? { amounts: [], count: 0 };
    entry.amounts.push(r.amount.amount);
    entry.count += 1;
    byUnit.set(unit, entry);
    if (r.minutes) minutes.push(r.minutes);
  }
  const totals = [...byUnit.entries()].map(([unit, e]) => ({
    unit,
    amount: sum(e.amounts),
    count: e.count,
  }));
  return { totals, count, minutes: sum(minutes) };
}

/** The rows of the local day containing `now`. */
export function rowsOfDay(rows: readonly HistoryRow[], now: number): HistoryRow[] {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  const from = start.getTime();
  const to = from + 24 * 3600 * 1000;
  return rows.filter((r) => r.at >= from && r.at < to);
}

/** The outcome in words. */
export function outcomeText(state: string): string {
  const words: Record<string, MessageKey> = {
    ended: "outcome.ended",
    rejected: "state.rejected",
    expired: "state.expired",
    cancelled: "state.cancelled",
    missed: "outcome.missed",
    failed: "outcome.failed",
  };
  const key = words[state];
  return key ? t(key) : state.charAt(0).toUpperCase() + state.slice(1);
}

function time(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** What the expert knows of one client: their earlier consultations (newest first) and totals. */
export interface ClientContext {
  rows: HistoryRow[];
  earnings: Earnings;
  /** Epoch ms of the first consultation with them, null when none. */
  since: number | null;
}

/** The client `clientId`'s earlier consultations in the local cache, except `currentId`. */
export function clientContext(
  consultations: readonly ConsultationView[],
  clientId: string | null | undefined,
  currentId: string | null,
): ClientContext {
  if (!clientId) return { rows: [], earnings: earnings([]), since: null };
  const theirs = consultations.filter((c) => c.counterpart?.id === clientId && c.id !== currentId);
  const rows = historyRows(theirs, []);
  return {
    rows,
    earnings: earnings(rows),
    since: rows.length ? Math.min(...rows.map((r) => r.at)) : null,
  };
}
