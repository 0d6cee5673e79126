/**
 * Money as its readers read it: the currency's symbol and where it goes, digit grouping and
 * separators from `Intl.NumberFormat` for the locale (en-IN groups ₹12,34,567.00), applied to
 * the exact decimal string (amounts are never turned into floats: Intl only tells the shape,
 * from a sample number).
 */

import { toFixed } from "./decimal";

/** How a locale writes an amount of a currency. */
export interface MoneyShape {
  symbol: string;
  /** Symbol before the number. */
  prefix: boolean;
  /** Text between symbol and number (a space, or nothing). */
  gap: string;
  group: string;
  decimal: string;
  /** Size of the last group (3) and of the ones before it (3, or 2 in Indian grouping). */
  primary: number;
  secondary: number;
}

const shapes = new Map<string, MoneyShape | null>();

let known: Set<string> | null = null;

/** Whether `code` is an ISO 4217 currency (Intl would otherwise print any 3 letters). */
function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  if (!known) {
    const list = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : [];
    known = new Set(list);
  }
  return known.size === 0 || known.has(code);
}

/** The shape for `locale` and `currency` (null when Intl does not know the currency). */
export function moneyShape(locale: string, currency: string): MoneyShape | null {
  const key = `${locale}|${currency}`;
  if (shapes.has(key)) return shapes.get(key)!;
  if (!isCurrency(currency)) {
    shapes.set(key, null);
    return null;
  }
  let shape: MoneyShape | null = null;
  try {
    const parts = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      numberingSystem: "latn",
    }).formatToParts(123456789.5);
    const ints = parts.filter((p) => p.type === "integer").map((p) => p.value);
    const cur = parts.findIndex((p) => p.type === "currency");
    const first = parts.findIndex((p) => p.type === "integer");
    const last = parts.reduce((acc, p, i) => (p.type === "integer" || p.type === "fraction" ? i : acc), -1);
    const prefix = cur >= 0 && cur < first;
    const between = prefix ? parts.slice(cur + 1, first) : parts.slice(last + 1, cur);
    shape = {
      symbol: cur >= 0 ? parts[cur]!.value : currency,
      prefix,
      gap: between.map((p) => p.value).join(""),
      group: parts.find((p) => p.type === "group")?.value ?? ",",
      decimal: parts.find((p) => p.type === "decimal")?.value ?? ".",
      primary: ints[ints.length - 1]?.length ?? 3,
      secondary: ints.length > 2 ? ints[ints.length - 2]!.length : (ints[ints.length - 1]?.length ?? 3),
    };
  } catch {
    shape = null;
  }
  shapes.set(key, shape);
  return shape;
}

/** Groups the digits of a whole number: the last `primary`, then by `secondary`. */
export function groupDigits(whole: string, primary: number, secondary: number, sep: string): string {
  if (whole.length <= primary) return whole;
  const head = whole.slice(0, whole.length - primary);
  const tail = whole.slice(whole.length - primary);
  const groups: string[] = [];
  for (let end = head.length; end > 0; end -= secondary) {
    groups.unshift(head.slice(Math.max(0, end - secondary), end));
  }
  return [...groups, tail].join(sep);
}

/** The number part of an amount: grouped, `places` decimals (exact). */
export function formatNumber(amount: string, locale: string, places: number): string {
  const shape = moneyShape(locale, "USD");
  const fixed = toFixed(amount, places);
  const negative = fixed.startsWith("-");
  const [whole, frac] = (negative ? fixed.slice(1) : fixed).split(".");
  const grouped = groupDigits(whole ?? "0", shape?.primary ?? 3, shape?.secondary ?? 3, shape?.group ?? ",");
  const body = frac !== undefined ? `${grouped}${shape?.decimal ?? "."}${frac}` : grouped;
  return negative ? `-${body}` : body;
}

/** An amount in `currency` as `locale` writes it (`₹12,34,567.00`); null for an unknown currency. */
export function formatCurrency(amount: string, locale: string, currency: string): string | null {
  const shape = moneyShape(locale, currency.toUpperCase());
  if (!shape) return null;
  const number = formatNumber(amount, locale, 2);
  const negative = number.startsWith("-");
  const abs = negative ? number.slice(1) : number;
  const text = shape.prefix ? `${shape.symbol}${shape.gap}${abs}` : `${abs}${shape.gap}${shape.symbol}`;
  return negative ? `-${text}` : text;
}
