/** Display formatting: durations, money (as strings, never floats), names and labels. */

import { isDecimal } from "./decimal";
import { locale, t, type MessageKey } from "./i18n/index.svelte";
import { formatCurrency, formatNumber } from "./money";
import type { ConsultationKind, EndReason, EndedBy, Money, Party } from "./types";

/** The currency of amounts the server sends without a unit (from the provider), if known. */
let defaultCurrency: string | null = null;

/** Sets the currency of amounts without a unit (null: show them without a symbol). */
export function setDefaultCurrency(currency: string | null | undefined): void {
  defaultCurrency = currency?.trim() ? currency.trim().toUpperCase() : null;
}

/** The currency of amounts without a unit. */
export function getDefaultCurrency(): string | null {
  return defaultCurrency;
}

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

/**
 * An amount with its unit, as the expert's locale writes it: `₹12,34,567.00`, `120 coins`,
 * `12.50 XYZ` for a unit that is no currency; amounts without a unit take the provider's
 * currency, else no symbol.
 */
export function formatMoney(money: Money | null | undefined, fallbackUnit?: string): string {
  if (!money) return "—";
  if (!isDecimal(money.amount)) return money.amount;
  const unit = money.unit ?? fallbackUnit ?? defaultCurrency;
  if (unit && unit.toLowerCase() === "coins") {
    return t("money.coins", { n: formatNumber(money.amount, locale(), 0) });
  }
  if (!unit) return formatNumber(money.amount, locale(), 2);
  return formatCurrency(money.amount, locale(), unit) ?? `${formatNumber(money.amount, locale(), 2)} ${unit}`;
}

/** A rate: `₹10.00/min`. */
export function formatRate(money: Money | null | undefined): string {
  return money ? t("money.perMinute", { amount: formatMoney(money) }) : "—";
}

/** A person's name, or a readable stand-in. */
export function partyName(party: Party | null | undefined): string {
  if (!party) return t("party.unknown");
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
      return t("kind.audio");
    case "video":
      return t("kind.video");
    case "text":
      return t("kind.text");
    default:
      return t("kind.other");
  }
}

/** How a consultation ended, in words. */
export function endedLabel(by: EndedBy | null | undefined, reason: EndReason): string {
  switch (reason) {
    case "insufficient_balance":
      return t("ended.wallet");
    case "disconnect":
      return t("ended.disconnect");
    case "admin":
      return t("ended.admin");
    case "ended":
      return by ? t(`ended.by.${by}` as MessageKey) : t("ended.plain");
  }
}

/** A short clock time (`14:05`) for an ISO string or epoch milliseconds. */
export function clockTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined || at === "") return "";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

/** A date and time for history rows (`21 Nov, 14:05`). */
export function dateTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined || at === "") return "—";
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString(locale(), {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** `1 minute`, `3 minutes` from a decimal string of minutes. */
export function minutesLabel(minutes: string): string {
  return t(minutes === "1" ? "minutes.one" : "minutes.other", { n: minutes });
}
