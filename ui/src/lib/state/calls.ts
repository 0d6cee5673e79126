/** Calls: the ringing or current call, its media connection, and the call history. */

import { t } from "../i18n/index.svelte";
import type { CallRecord, CallSnapshot, UiEvent } from "../types";

/** The media room as the in-call screen tells it. */
export type MediaState = "connecting" | "connected" | "reconnecting" | "disconnected";

/** The calls slice. */
export interface CallsState {
  /** The current or last call; null before any. */
  call: CallSnapshot | null;
  media: MediaState;
  /** Epoch ms when the current call was accepted (for the in-call timer). */
  acceptedAt: number | null;
  /** Whether someone else is in the media room. */
  peerInRoom: boolean;
  history: readonly CallRecord[];
}

export const emptyCalls: CallsState = {
  call: null,
  media: "connecting",
  acceptedAt: null,
  peerInRoom: false,
  history: [],
};

/** The slice after `e` (received at `now`). */
export function reduceCalls(s: CallsState, e: UiEvent, now: number): CallsState {
  switch (e.event) {
    case "call_state_changed": {
      const fresh = e.call.call_id !== s.call?.call_id;
      const accepted = e.call.phase === "accepted";
      return {
        ...s,
        call: e.call,
        media: fresh ? "connecting" : s.media,
        peerInRoom: fresh ? false : s.peerInRoom,
        acceptedAt: accepted ? (fresh || s.acceptedAt === null ? now : s.acceptedAt) : fresh ? null : s.acceptedAt,
        history: upsertHistory(s.history, e.call, now),
      };
    }
    case "call_incoming":
      // Older shells forward the raw event only; the state machine's event supersedes it.
      if (s.call?.call_id === e.call_id) return s;
      return {
        ...s,
        call: { phase: "ringing", call_id: e.call_id, role: "callee", media: e.media, peer: e.caller },
        media: "connecting",
        acceptedAt: null,
        peerInRoom: false,
      };
    case "call_media": {
      if (s.call?.call_id !== e.call_id) return s;
      switch (e.media.kind) {
        case "connected":
        case "reconnected":
          return { ...s, media: "connected" };
        case "reconnecting":
          return { ...s, media: "reconnecting" };
        case "disconnected":
          return { ...s, media: "disconnected" };
        case "participant_joined":
        case "track_subscribed":
          return { ...s, peerInRoom: true };
        case "participant_left":
          return { ...s, peerInRoom: false };
      }
      return s;
    }
    case "call_history": {
      // The cache is the record; calls it has not stored yet (just now) stay listed.
      const cached = new Set(e.calls.map((c) => c.call_id));
      const live = s.history.filter((h) => !cached.has(h.call_id));
      return { ...s, history: [...live, ...e.calls].sort((a, b) => b.started_at - a.started_at) };
    }
    default:
      return s;
  }
}

/** Keeps the history in step with the live call, so it shows without a reload. */
function upsertHistory(history: readonly CallRecord[], c: CallSnapshot, now: number): readonly CallRecord[] {
  if (!c.call_id || c.phase === "idle" || c.phase === "initiating") return history;
  const old = history.find((h) => h.call_id === c.call_id);
  const record: CallRecord = {
    call_id: c.call_id,
    role: c.role ?? old?.role ?? "callee",
    media: c.media ?? old?.media ?? null,
    peer_id: c.peer?.id ?? old?.peer_id ?? null,
    peer_name: c.peer?.name ?? old?.peer_name ?? null,
    outcome: c.phase,
    reason: c.phase === "failed" ? c.reason : null,
    duration_secs: c.duration_secs ?? old?.duration_secs ?? null,
    coins: c.coins ?? old?.coins ?? null,
    ended_by: c.ended_by ?? old?.ended_by ?? null,
    started_at: old?.started_at ?? now,
  };
  return old
    ? history.map((h) => (h.call_id === c.call_id ? record : h))
    : [record, ...history];
}

/** True while this phone rings for a call we may answer. */
export function isRinging(s: CallsState): boolean {
  return s.call?.phase === "ringing" && s.call.role !== "caller";
}

/** True while a call is accepted (the in-call screen shows). */
export function inCall(s: CallsState): boolean {
  return s.call?.phase === "accepted";
}

/** The media state in words. */
export function mediaText(m: MediaState): string {
  switch (m) {
    case "connecting":
      return t("media.connecting");
    case "connected":
      return t("media.connected");
    case "reconnecting":
      return t("media.reconnecting");
    case "disconnected":
      return t("media.disconnected");
  }
}
