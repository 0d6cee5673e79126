/**
 * Conversations: each one's messages as the core observes them (a window of the latest, a
 * larger window to show older ones), and who is typing.
 */

import { t } from "../i18n/index.svelte";
import type { ChatMessage, ListUpdate, UiEvent, Party } from "../types";

/** One conversation as the chat shows it. */
export interface ConversationView {
  /** Oldest first. */
  messages: readonly ChatMessage[];
  /** Whether older messages exist beyond the window. */
  hasMore: boolean;
  /** True once the core sent the conversation's first list. */
  loaded: boolean;
  /** How many of the latest messages the window holds (0 before it is observed). */
  limit: number;
  /** Who is typing now: user id → name and until when (epoch ms). */
  typing: Readonly<Record<string, { name: string; until: number }>>;
}

export type ConversationsState = Readonly<Record<string, ConversationView>>;

const EMPTY: ConversationView = { messages: [], hasMore: false, loaded: false, limit: 0, typing: {} };

/** A typing indicator with no "stopped" from the server clears itself after this. */
export const TYPING_TTL_MS = 8_000;

/** The conversation `id` (an empty one when unknown). */
export function conversation(s: ConversationsState, id: string | null): ConversationView {
  return (id && s[id]) || EMPTY;
}

/**
 * The conversations after `e`. `fallbackId` is where events that do not name their
 * conversation (some dialects' typing) belong: the open one.
 */
export function reduceConversations(
  s: ConversationsState,
  e: UiEvent,
  now: number,
  fallbackId: string | null,
  selfId: string | null,
): ConversationsState {
  switch (e.event) {
    case "messages_changed": {
      const c = conversation(s, e.conversation_id);
      return { ...s, [e.conversation_id]: { ...c, messages: applyChange(c.messages, e.change), loaded: true } };
    }
    case "messages_window": {
      const c = conversation(s, e.conversation_id);
      return { ...s, [e.conversation_id]: { ...c, hasMore: e.has_more, limit: e.limit } };
    }
    case "chat_message_changed": {
      // A message from someone ends their typing indicator (the list itself comes observed).
      const id = e.message.conversation_id;
      const c = s[id];
      if (!c || e.message.own || !(e.message.sender.id in c.typing)) return s;
      return { ...s, [id]: { ...c, typing: omit(c.typing, e.message.sender.id) } };
    }
    case "typing_changed": {
      const id = e.conversation_id ?? fallbackId;
      if (!id || e.user.id === selfId) return s;
      const c = conversation(s, id);
      const typing = e.typing
        ? { ...c.typing, [e.user.id]: { name: displayName(e.user), until: now + TYPING_TTL_MS } }
        : omit(c.typing, e.user.id);
      return { ...s, [id]: { ...c, typing } };
    }
    default:
      return s;
  }
}

/** The names of those typing at `now`. */
export function typingNames(c: ConversationView, now: number): string[] {
  return Object.values(c.typing)
    .filter((t) => t.until > now)
    .map((t) => t.name);
}

/** "Asha is typing…", "Asha and Ravi are typing…", or "" when nobody is. */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return t("typing.one", { name: names[0]! });
  return t("typing.many", { names: names.slice(0, -1).join(", "), last: names[names.length - 1]! });
}

/** `list` after one change of the core's observed list (keyed by local id), oldest first. */
export function applyChange(list: readonly ChatMessage[], change: ListUpdate<ChatMessage>): readonly ChatMessage[] {
  switch (change.kind) {
    case "reset":
      return sorted(change.items);
    case "set": {
      const i = list.findIndex((m) => m.local_id === change.item.local_id);
      if (i < 0) return sorted([...list, change.item]);
      const out = [...list];
      out[i] = change.item;
      return sorted(out);
    }
    case "remove":
      return list.filter((m) => String(m.local_id) !== change.id);
  }
}

function sorted(list: readonly ChatMessage[]): ChatMessage[] {
  return [...list].sort((a, b) => a.sort_ts - b.sort_ts || a.local_id - b.local_id);
}

/** The message a reply points at (by server id), when it is loaded. */
export function findByServerId(c: ConversationView, serverId: string | null | undefined): ChatMessage | null {
  if (!serverId) return null;
  return c.messages.find((m) => m.server_id === serverId) ?? null;
}

/** Server ids of others' messages not yet marked read by us, for a read receipt. */
export function unreadFromOthers(c: ConversationView, selfId: string | null): string[] {
  return c.messages
    .filter((m) => !m.own && m.server_id && !(selfId && m.read_by?.includes(selfId)))
    .map((m) => m.server_id!);
}

function displayName(p: Party): string {
  return p.name?.trim() || p.id;
}

function omit<T>(r: Readonly<Record<string, T>>, key: string): Record<string, T> {
  if (!(key in r)) return r as Record<string, T>;
  const out = { ...r };
  delete out[key];
  return out;
}
