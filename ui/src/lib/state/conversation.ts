/** Conversations: cached messages merged by identity, typing indicators, paging. */

import { t } from "../i18n/index.svelte";
import type { ChatMessage, UiEvent, Party } from "../types";

/** One conversation as the chat shows it. */
export interface ConversationView {
  /** Oldest first. */
  messages: readonly ChatMessage[];
  /** Whether older messages exist in the cache or on the server. */
  hasMore: boolean;
  /** True once a first page arrived. */
  loaded: boolean;
  /** Who is typing now: user id → name and until when (epoch ms). */
  typing: Readonly<Record<string, { name: string; until: number }>>;
}

export type ConversationsState = Readonly<Record<string, ConversationView>>;

const EMPTY: ConversationView = { messages: [], hasMore: false, loaded: false, typing: {} };

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
    case "chat_message_changed": {
      const id = e.message.conversation_id;
      const c = conversation(s, id);
      // A message from someone ends their typing indicator.
      const typing = e.message.own ? c.typing : omit(c.typing, e.message.sender.id);
      return { ...s, [id]: { ...c, messages: merge(c.messages, [e.message]), typing } };
    }
    case "chat_message_discarded": {
      const c = conversation(s, e.conversation_id);
      const messages = c.messages.filter((m) => m.client_id !== e.client_id);
      return messages.length === c.messages.length
        ? s
        : { ...s, [e.conversation_id]: { ...c, messages } };
    }
    case "messages_page": {
      const c = conversation(s, e.conversation_id);
      // The first page decides hasMore; older pages (with `before`) update it too.
      const hasMore = e.before == null && c.loaded ? c.hasMore || e.has_more : e.has_more;
      return {
        ...s,
        [e.conversation_id]: {
          ...c,
          messages: merge(c.messages, e.messages),
          hasMore,
          loaded: true,
        },
      };
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

function same(a: ChatMessage, b: ChatMessage): boolean {
  if (a.local_id === b.local_id) return true;
  if (a.client_id && b.client_id && a.client_id === b.client_id) return true;
  return Boolean(a.server_id && b.server_id && a.server_id === b.server_id);
}

/** `incoming` merged into `list`: each message replaces the one it is, order by position. */
export function merge(
  list: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): readonly ChatMessage[] {
  if (incoming.length === 0) return list;
  const out = [...list];
  for (const m of incoming) {
    const i = out.findIndex((x) => same(x, m));
    if (i >= 0) out[i] = m;
    else out.push(m);
  }
  return out.sort((a, b) => a.sort_ts - b.sort_ts || a.local_id - b.local_id);
}

/** The message a reply points at (by server id), when it is loaded. */
export function findByServerId(c: ConversationView, serverId: string | null | undefined): ChatMessage | null {
  if (!serverId) return null;
  return c.messages.find((m) => m.server_id === serverId) ?? null;
}

/** The oldest loaded message's cursor, for loading the page before it. */
export function oldestCursor(c: ConversationView): number | null {
  return c.messages.length > 0 ? c.messages[0]!.local_id : null;
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
