/**
 * Chats the expert opened by id, remembered across runs per profile and account (a server
 * that cannot list chats, like 003's, would otherwise forget them), in the page's storage.
 */

import type { SessionInfo } from "./types";

/** Where `session`'s opened chats are remembered (per profile and account). */
export function rememberedChatsKey(session: SessionInfo | null): string | null {
  return session ? `parlor.chats.${session.profile_id ?? session.profile_name}.${session.account_id ?? ""}` : null;
}

/** The ids remembered under `key`, newest first (none when unreadable). */
export function loadRememberedChats(key: string | null): string[] {
  if (!key || typeof localStorage === "undefined") return [];
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Remembers `ids` under `key`. */
export function saveRememberedChats(key: string | null, ids: readonly string[]): void {
  if (key && typeof localStorage !== "undefined") localStorage.setItem(key, JSON.stringify(ids));
}
