/**
 * Chats outside consultations: the core's list of chats (the conversations a server lists or
 * that were joined, with their status and last activity) and those the expert opened by id,
 * and which one is open.
 */

import type { ChatSummary, ListUpdate, UiEvent } from "../types";
import type { ConversationsState } from "./conversation";

/** One chat in the list. */
export interface ChatItem {
  id: string;
  /** Lower-cased status as the server spelt it, when known. */
  status: string | null;
  participants: readonly string[];
  unread: number | null;
  /** Epoch ms of the last message, when known. */
  lastActivity: number | null;
  /** True when the core's list holds it (false: opened by id, not known to the core yet). */
  listed: boolean;
}

export interface ChatsState {
  /** Newest activity first. */
  items: readonly ChatItem[];
  /** The chat shown on the Chats screen. */
  openId: string | null;
  /** True once the core sent its list. */
  listed: boolean;
  /** Chats opened in this session: what they had unread was read here. */
  seen: readonly string[];
}

export const emptyChats: ChatsState = { items: [], openId: null, listed: false, seen: [] };

/** The chats that are not consultations (whose conversations the core lists too). */
export function chatsOutside(s: ChatsState, isConsultation: (id: string) => boolean): readonly ChatItem[] {
  return s.items.some((c) => isConsultation(c.id)) ? s.items.filter((c) => !isConsultation(c.id)) : s.items;
}

/** The chats after `e`. */
export function reduceChats(s: ChatsState, e: UiEvent): ChatsState {
  if (e.event !== "chats_changed") return s;
  return { ...applyChange(s, e.change), listed: true };
}

/** The chats after one change of the core's list (keyed by conversation id). */
function applyChange(s: ChatsState, change: ListUpdate<ChatSummary>): ChatsState {
  switch (change.kind) {
    case "reset": {
      // The core's list is the truth, but chats opened by id and not joined yet stay.
      const listed = change.items.map((c) => fromSummary(c, s.seen));
      const kept = s.items.filter((c) => !listed.some((l) => l.id === c.id) && !c.listed);
      return { ...s, items: sortChats([...listed, ...kept]) };
    }
    case "set": {
      const item = fromSummary(change.item, s.seen);
      return { ...s, items: sortChats([...s.items.filter((c) => c.id !== item.id), item]) };
    }
    case "remove":
      return { ...s, items: s.items.filter((c) => c.id !== change.id) };
  }
}

/**
 * Opens chat `rawId` (added to the list when it is not there; its unread count goes, as the
 * open chat marks what it shows read): `null` when the id is blank.
 */
export function openChat(s: ChatsState, rawId: string): ChatsState | null {
  const id = chatIdFrom(rawId);
  if (!id) return null;
  const items = s.items.some((c) => c.id === id)
    ? s.items.map((c) => (c.id === id && c.unread ? { ...c, unread: 0 } : c))
    : sortChats([...s.items, byId(id)]);
  const seen = s.seen.includes(id) ? s.seen : [...s.seen, id];
  return { ...s, items, openId: id, seen };
}

/** Adds chats known by id only (opened in an earlier run), without opening any. */
export function addKnownChats(s: ChatsState, ids: readonly string[]): ChatsState {
  const fresh = ids.filter((id, i) => id && ids.indexOf(id) === i && !s.items.some((c) => c.id === id));
  if (fresh.length === 0) return s;
  const added = fresh.map(byId);
  return { ...s, items: sortChats([...s.items, ...added]) };
}

/** How many chats opened by id are remembered across runs. */
export const REMEMBERED_CHATS = 20;

/** The remembered ids after opening `id`: newest first, at most {@link REMEMBERED_CHATS}. */
export function rememberChat(ids: readonly string[], id: string): string[] {
  return [id, ...ids.filter((x) => x !== id)].slice(0, REMEMBERED_CHATS);
}

/** Closes the open chat (back to the list). */
export function closeChat(s: ChatsState): ChatsState {
  return s.openId === null ? s : { ...s, openId: null };
}

/** An id typed or pasted by the expert: trimmed, a pasted link's last path segment. */
export function chatIdFrom(raw: string): string | null {
  const t = raw.trim();
  if (!t) return null;
  if (/^https?:\/\//i.test(t)) {
    const last = t.replace(/[?#].*$/, "").replace(/\/+$/, "").split("/").pop() ?? "";
    return last || null;
  }
  return /\s/.test(t) ? null : t;
}

/** Whether a chat with this status still takes messages (unknown counts as open). */
export function isChatOpen(status: string | null): boolean {
  return !status || !/^(closed|ended|completed|cancel|archived|expired|resolved)/.test(status);
}

/**
 * The chat's title: the other participants (by name where a message told it, since some servers
 * list only ids), or its id when none are known.
 */
export function chatTitle(
  c: ChatItem,
  selfId: string | null,
  names: Readonly<Record<string, string>> = {},
): string {
  const others = c.participants.filter((p) => p !== selfId);
  return others.length > 0 ? others.map((p) => names[p] ?? p).join(", ") : `Chat ${shortId(c.id)}`;
}

/** The names senders gave in the loaded messages: user id → name. */
export function senderNames(conversations: ConversationsState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of Object.values(conversations)) {
    for (const m of c.messages) {
      const name = m.sender.name?.trim();
      if (name) out[m.sender.id] = name;
    }
  }
  return out;
}

/** The status in words ("Active", "Closed"), or "" when unknown. */
export function statusLabel(status: string | null): string {
  if (!status) return "";
  const s = status.replace(/[_-]+/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** A chat known only by its id (opened by the expert). */
function byId(id: string): ChatItem {
  return { id, status: null, participants: [], unread: null, lastActivity: null, listed: false };
}

function fromSummary(c: ChatSummary, seen: readonly string[]): ChatItem {
  return {
    id: c.id,
    status: c.status ? c.status.toLowerCase() : null,
    participants: c.participants ?? [],
    // What a chat opened here had unread was read here (the server's count is older).
    unread: seen.includes(c.id) ? 0 : (c.unread ?? null),
    lastActivity: c.last_activity_ms ?? null,
    listed: true,
  };
}

/** Newest activity first; chats with no known activity last, by id. */
export function sortChats(items: readonly ChatItem[]): ChatItem[] {
  return [...items].sort(
    (a, b) => (b.lastActivity ?? -Infinity) - (a.lastActivity ?? -Infinity) || a.id.localeCompare(b.id),
  );
}
