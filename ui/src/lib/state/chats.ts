/**
 * Chats outside consultations: the conversations a server lists or the expert opened by id
 * (where a server cannot list them), their status and last activity, and which one is open.
 */

import type { ConversationInfo, UiEvent } from "../types";
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
}

export interface ChatsState {
  /** Newest activity first. */
  items: readonly ChatItem[];
  /** The chat shown on the Chats screen. */
  openId: string | null;
  /** True once a list arrived from the server (or the shell said it cannot list). */
  listed: boolean;
}

export const emptyChats: ChatsState = { items: [], openId: null, listed: false };

/** The chats after `e`. */
export function reduceChats(s: ChatsState, e: UiEvent): ChatsState {
  switch (e.event) {
    case "conversations": {
      // A listing is the server's truth, but chats opened by id stay until signed out.
      const listed = e.conversations.map(fromInfo);
      const kept = s.items.filter((c) => !listed.some((l) => l.id === c.id));
      return { ...s, items: sortChats([...listed, ...kept]), listed: true };
    }
    case "conversation_status_changed":
      return update(s, e.conversation_id, (c) => ({ ...c, status: e.status.toLowerCase() }));
    case "chat_message_changed": {
      // sort_ts is the server's time in ms (local time until the server gives one).
      const at = e.message.sort_ts;
      if (!Number.isFinite(at) || at <= 0) return s;
      return update(s, e.message.conversation_id, (c) =>
        c.lastActivity !== null && c.lastActivity >= at ? c : { ...c, lastActivity: at },
      );
    }
    default:
      return s;
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
    : sortChats([...s.items, { id, status: null, participants: [], unread: null, lastActivity: null }]);
  return { ...s, items, openId: id };
}

/** Adds chats known by id only (opened in an earlier run), without opening any. */
export function addKnownChats(s: ChatsState, ids: readonly string[]): ChatsState {
  const fresh = ids.filter((id, i) => id && ids.indexOf(id) === i && !s.items.some((c) => c.id === id));
  if (fresh.length === 0) return s;
  const added = fresh.map((id) => ({ id, status: null, participants: [], unread: null, lastActivity: null }));
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

function fromInfo(i: ConversationInfo): ChatItem {
  const at = Date.parse(i.last_message_at ?? "");
  return {
    id: i.id,
    status: i.status ? i.status.toLowerCase() : null,
    participants: i.participants ?? [],
    unread: i.unread ?? null,
    lastActivity: Number.isNaN(at) ? null : at,
  };
}

/** Newest activity first; chats with no known activity last, by id. */
export function sortChats(items: readonly ChatItem[]): ChatItem[] {
  return [...items].sort(
    (a, b) => (b.lastActivity ?? -Infinity) - (a.lastActivity ?? -Infinity) || a.id.localeCompare(b.id),
  );
}

function update(s: ChatsState, id: string, f: (c: ChatItem) => ChatItem): ChatsState {
  const i = s.items.findIndex((c) => c.id === id);
  if (i < 0) return s;
  const next = f(s.items[i]!);
  if (next === s.items[i]) return s;
  const items = [...s.items];
  items[i] = next;
  return { ...s, items: sortChats(items) };
}
