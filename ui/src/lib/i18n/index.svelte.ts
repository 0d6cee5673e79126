/**
 * The page's words in the expert's language. Every string lives in `en.ts` (the source) and
 * `hi.ts` (typed so that a missing key fails `npm run check`); `t(key, vars)` picks the one
 * for the current language, filling `{name}` placeholders. The language comes from the
 * settings (chosen from the system locale at first start) and can change at any time: every
 * component that calls `t` re-renders.
 */

import { en, type MessageKey } from "./en";
import { hi } from "./hi";

export type Lang = "en" | "hi";
export type { MessageKey };

const TABLES: Record<Lang, Record<MessageKey, string>> = { en, hi };

let current: Lang = $state("en");

/** The language in force. */
export function lang(): Lang {
  return current;
}

/** Switches the language (unknown codes fall back to English). */
export function setLang(code: string | null | undefined): void {
  current = code === "hi" ? "hi" : "en";
  if (typeof document !== "undefined") document.documentElement.lang = current;
}

/** The BCP 47 locale for dates and numbers: Indian grouping in both languages. */
export function locale(): string {
  return current === "hi" ? "hi-IN" : "en-IN";
}

/** The message `key` in the current language, `{var}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  const text = TABLES[current][key] ?? en[key] ?? key;
  return vars ? fill(text, vars) : text;
}

/** `one` or `other` form by count (both languages here need no more forms). */
export function tn(one: MessageKey, other: MessageKey, n: number, vars?: Record<string, string | number>): string {
  return t(n === 1 ? one : other, { n, ...vars });
}

function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
