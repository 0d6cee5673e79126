/** The five dialects as the sign-in form offers them. */

import type { DialectId } from "./types";

export interface DialectOption {
  id: DialectId;
  seed: string;
  label: string;
  hint: string;
}

export const DIALECTS: readonly DialectOption[] = [
  { id: "billing-chat", seed: "000", label: "Billing chat", hint: "Astrologer chat billed per minute" },
  { id: "presence-sessions", seed: "001", label: "Presence & sessions", hint: "Online presence, sessions, chat" },
  { id: "tarot-chat", seed: "002", label: "Tarot chat", hint: "Reader chat with voice notes" },
  { id: "support-chat", seed: "003", label: "Support chat", hint: "Chat gateway with receipts" },
  { id: "telecaller", seed: "004", label: "Telecaller calls", hint: "Voice and video calls" },
];

/** The label of a dialect id (the id itself when unknown). */
export function dialectLabel(id: string): string {
  return DIALECTS.find((d) => d.id === id)?.label ?? id;
}
