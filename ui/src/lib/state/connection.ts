/** The connection banner: what to tell the expert while the link to the server is not up. */

import { t, type MessageKey } from "../i18n/index.svelte";
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
        title: t("conn.connecting"),
        detail: state.attempt > 1 ? t("conn.attempt", { n: state.attempt }) : "",
        nextTryAt: null,
        needsAction: false,
        technical: "",
      };
    case "reconnecting":
      return {
        state: state.state,
        tone: "warning",
        title: t("conn.lost"),
        detail: reasonText(state.reason),
        nextTryAt: receivedAt + state.delay_ms,
        needsAction: false,
        technical: state.reason,
      };
    case "disconnected":
      return {
        state: state.state,
        tone: "error",
        title: t("conn.disconnected"),
        detail: reasonText(state.reason),
        nextTryAt: null,
        needsAction: true,
        technical: state.reason,
      };
    case "auth_failed":
      return {
        state: state.state,
        tone: "error",
        title: t("conn.authFailed"),
        detail: state.message ? t("conn.serverSaid", { message: state.message }) : "",
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
  const known: [string, MessageKey][] = [
    ["io client disconnect", "reason.signedOut"],
    ["signed out", "reason.signedOut"],
    ["io server disconnect", "reason.serverEnded"],
    ["transport close", "reason.serverClosed"],
    ["ping timeout", "reason.noAnswer"],
    ["timeout", "reason.noAnswer"],
    ["timed out", "reason.noAnswer"],
    ["cannot connect", "reason.unreachable"],
    ["refused", "reason.unreachable"],
    ["dns", "reason.dns"],
    ["certificate", "reason.certificate"],
    ["tls", "reason.tls"],
    ["transport error", "reason.network"],
    ["network", "reason.network"],
    ["gave up", "reason.gaveUp"],
  ];
  for (const [needle, key] of known) if (r.includes(needle)) return t(key);
  return t("reason.dropped");
}
