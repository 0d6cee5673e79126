/** The connection banner: what to tell the expert while the link to the server is not up. */

import type { ConnectionState } from "../types";

/** What the banner shows; null when connected (no banner). */
export interface BannerView {
  state: ConnectionState["state"];
  tone: "info" | "warning" | "error";
  title: string;
  detail: string;
  /** Epoch ms of the next automatic try, when one is planned. */
  nextTryAt: number | null;
  /** True when Parlor has stopped trying and the expert must act. */
  needsAction: boolean;
}

/** The banner for `state` as received at `receivedAt` (epoch ms). */
export function bannerFor(state: ConnectionState | null, receivedAt: number): BannerView | null {
  if (!state) return null;
  switch (state.state) {
    case "connected":
      return null;
    case "connecting":
      return {
        state: state.state,
        tone: "info",
        title: "Connecting to the server…",
        detail: state.attempt > 1 ? `Attempt ${state.attempt}.` : "",
        nextTryAt: null,
        needsAction: false,
      };
    case "reconnecting":
      return {
        state: state.state,
        tone: "warning",
        title: "Connection lost. Reconnecting…",
        detail: reasonText(state.reason),
        nextTryAt: receivedAt + state.delay_ms,
        needsAction: false,
      };
    case "disconnected":
      return {
        state: state.state,
        tone: "error",
        title: "Disconnected from the server.",
        detail: reasonText(state.reason),
        nextTryAt: null,
        needsAction: true,
      };
    case "auth_failed":
      return {
        state: state.state,
        tone: "error",
        title: "The server did not accept your sign-in.",
        detail: state.message ? `The server said: ${state.message}` : "",
        nextTryAt: null,
        needsAction: true,
      };
  }
}

/** Seconds until the next try (0 when due or none planned). */
export function secondsUntil(at: number | null, now: number): number {
  if (at === null) return 0;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function reasonText(reason: string): string {
  const r = reason.trim();
  if (!r) return "";
  const known: Record<string, string> = {
    "transport close": "The server closed the connection.",
    "transport error": "The network connection failed.",
    "ping timeout": "The server stopped answering.",
    "io server disconnect": "The server ended the session.",
    "io client disconnect": "You signed out.",
  };
  return known[r.toLowerCase()] ?? `Reason: ${r}`;
}
