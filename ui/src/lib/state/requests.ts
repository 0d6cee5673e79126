/** Incoming consultation requests with their countdowns. */

import type { ConsultationKind, ConsultationView, UiEvent, Money, Party } from "../types";

/** One request waiting for the expert's answer. */
export interface RequestItem {
  id: string;
  user: Party;
  kind: ConsultationKind | null;
  rate: Money | null;
  /** Epoch ms when the server lets it expire; null when it did not say. */
  expiresAt: number | null;
  /** Epoch ms when it reached this app. */
  receivedAt: number;
}

/** How long a request whose expiry passed stays on screen before the server's verdict. */
const EXPIRED_GRACE_MS = 5_000;

/** The requests after `e` (received at `now`). */
export function reduceRequests(
  list: readonly RequestItem[],
  e: UiEvent,
  now: number,
): readonly RequestItem[] {
  switch (e.event) {
    case "consultation_requested":
      return upsert(list, {
        id: e.consultation_id,
        user: e.user,
        kind: e.kind,
        rate: e.rate_per_minute ?? null,
        expiresAt: parseTime(e.expires_at),
        receivedAt: now,
      });
    case "consultation_answered":
      return remove(list, e.consultation_id);
    case "consultations_changed": {
      const change = e.change;
      switch (change.kind) {
        case "set":
          return fromView(list, change.item, now);
        case "reset":
          return change.items.reduce((acc, c) => fromView(acc, c, now), list);
        case "remove":
          return remove(list, change.id);
        default:
          return list;
      }
    }
    default:
      return list;
  }
}

function fromView(
  list: readonly RequestItem[],
  c: ConsultationView,
  now: number,
): readonly RequestItem[] {
  if (c.state.state !== "requested") return remove(list, c.id);
  if (c.side !== "expert" || list.some((r) => r.id === c.id)) return list;
  return upsert(list, {
    id: c.id,
    user: c.counterpart ?? { id: "?" },
    kind: c.kind ?? null,
    rate: c.rate_per_minute ?? null,
    expiresAt: null,
    receivedAt: now,
  });
}

function upsert(list: readonly RequestItem[], item: RequestItem): readonly RequestItem[] {
  const old = list.find((r) => r.id === item.id);
  if (!old) return [...list, item];
  // A re-sent request (reconnect) keeps its place and first arrival.
  const merged: RequestItem = {
    ...item,
    receivedAt: old.receivedAt,
    expiresAt: item.expiresAt ?? old.expiresAt,
    user: item.user.name ? item.user : old.user,
  };
  return list.map((r) => (r.id === item.id ? merged : r));
}

function remove(list: readonly RequestItem[], id: string): readonly RequestItem[] {
  return list.some((r) => r.id === id) ? list.filter((r) => r.id !== id) : list;
}

/** Whole seconds left to answer (null when the server gave no expiry). */
export function secondsLeft(r: RequestItem, now: number): number | null {
  if (r.expiresAt === null) return null;
  return Math.max(0, Math.ceil((r.expiresAt - now) / 1000));
}

/** Share of the answering time left, 0–1 (null when unknown), for a progress ring. */
export function fractionLeft(r: RequestItem, now: number): number | null {
  if (r.expiresAt === null) return null;
  const total = r.expiresAt - r.receivedAt;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (r.expiresAt - now) / total));
}

/** Drops requests whose expiry passed a while ago (the server's verdict got lost). */
export function pruneExpired(list: readonly RequestItem[], now: number): readonly RequestItem[] {
  const keep = list.filter((r) => r.expiresAt === null || r.expiresAt + EXPIRED_GRACE_MS > now);
  return keep.length === list.length ? list : keep;
}

function parseTime(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}
