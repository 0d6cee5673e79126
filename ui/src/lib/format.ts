/** Display formatting: durations, money (as strings, never floats), names and labels. */

import { group, isDecimal, toFixed } from "./decimal";
import type { ConsultationKind, EndReason, EndedBy, Money, Party } from "./types";

/** Formats a number of seconds as m:ss or h:mm:ss. */
export function formatDuration(totalSecs: number): string {
  const s = Math.max(0, Math.floor(totalSecs));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** Formats milliseconds as m:ss or h:mm:ss. */
export function formatMs(ms: number): string {
  return formatDuration(ms / 1000);
}

const SYMBOLS: Record<string, string> = { INR: "₹", USD: "$", EUR: "€", GBP: "£" };

/** An amount with its unit: `₹12.50`, `120 coins`, `12.50` when the unit is unknown. */
export function formatMoney(money: Money | null | undefined, fallbackUnit?: string): string {
  if (!money) return "—";
  if (!isDecimal(money.amount)) return money.amount;
  const unit = money.unit ?? fallbackUnit ?? null;
  if (unit && unit.toLowerCase() === "coins") {
    return `${group(money.amount)} coins`;
  }
  const fixed = group(toFixed(money.amount, 2));
  if (!unit) return fixed;
  const symbol = SYMBOLS[unit.toUpperCase()];
  if (symbol) {
    return fixed.startsWith("-") ? `-${symbol}${fixed.slice(1)}` : `${symbol}${fixed}`;
  }
  return `${fixed} ${unit}`;
}

/** A rate: `₹10.00/min`. */
export function formatRate(money: Money | null | undefined): string {
  return money ? `${formatMoney(money)}/min` : "—";
}

/** A person's name, or a readable stand-in. */
export function partyName(party: Party | null | undefined): string {
  if (!party) return "Unknown user";
  return party.name?.trim() || party.email?.trim() || party.id;
}

/** Up to two initials for an avatar. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => p!.charAt(0).toUpperCase()).join("") || "?";
}

/** Chat, Voice call, Video call. */
export function kindLabel(kind: ConsultationKind | null | undefined): string {
  switch (kind) {
    case "audio":
      return "Voice call";
    case "video":
      return "Video call";
    case "text":
      return "Chat";
    default:
      return "Consultation";
  }
}

/** How a consultation ended, in words. */
export function endedLabel(by: EndedBy | null | undefined, reason: EndReason): string {
  const who: Record<EndedBy, string> = {
    user: "the user",
    expert: "you",
    admin: "an administrator",
    system: "the server",
  };
  switch (reason) {
    case "insufficient_balance":
      return "Ended because the user's wallet ran out.";
    case "disconnect":
      return "Ended because a side stayed disconnected too long.";
    case "admin":
      return "Ended by an administrator.";
    case "ended":
      return by ? `Ended by ${who[by]}.` : "Ended.";
  }
}

/** A short clock time (`14:05`) for an ISO string or epoch milliseconds. */
export function clockTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined || at === "") return "";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A date and time for history rows (`21 Nov, 14:05`). */
export function dateTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined || at === "") return "—";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString([], {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** `1 minute`, `3 minutes` from a decimal string of minutes. */
export function minutesLabel(minutes: string): string {
  return `${minutes} ${minutes === "1" ? "minute" : "minutes"}`;
}
