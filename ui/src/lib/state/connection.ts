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
  /** The reason as the network layer put it, for a tooltip. */
  technical: string;
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
        technical: "",
      };
    case "reconnecting":
      return {
        state: state.state,
        tone: "warning",
        title: "Connection lost. Reconnecting…",
        detail: reasonText(state.reason),
        nextTryAt: receivedAt + state.delay_ms,
        needsAction: false,
        technical: state.reason,
      };
    case "disconnected":
      return {
        state: state.state,
        tone: "error",
        title: "Disconnected from the server.",
        detail: reasonText(state.reason),
        nextTryAt: null,
        needsAction: true,
        technical: state.reason,
      };
    case "auth_failed":
      return {
        state: state.state,
        tone: "error",
        title: "The server did not accept your sign-in.",
        detail: state.message ? `The server said: ${state.message}` : "",
        nextTryAt: null,
        needsAction: true,
        technical: state.message,
      };
  }
}

/** Seconds until the next try (0 when due or none planned). */
export function secondsUntil(at: number | null, now: number): number {
  if (at === null) return 0;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function reasonText(reason: string): string {
  const r = reason.trim().toLowerCase();
  if (!r) return "";
  const known: [string, string][] = [
    ["io client disconnect", "You signed out."],
    ["signed out", "You signed out."],
    ["io server disconnect", "The server ended the session."],
    ["transport close", "The server closed the connection."],
    ["ping timeout", "The server stopped answering."],
    ["timeout", "The server stopped answering."],
    ["timed out", "The server stopped answering."],
    ["cannot connect", "The server cannot be reached right now."],
    ["refused", "The server cannot be reached right now."],
    ["dns", "The server's address cannot be found. Check your internet connection."],
    ["certificate", "The server's security certificate is not trusted."],
    ["tls", "A secure connection to the server could not be made."],
    ["transport error", "The network connection failed."],
    ["network", "The network connection failed."],
    ["gave up", "Parlor stopped trying after several attempts."],
  ];
  for (const [needle, sentence] of known) if (r.includes(needle)) return sentence;
  return "The connection dropped.";
}
