/**
 * The preview's chat: each conversation's messages, who follows them, the seeded user's
 * replies, and an own message's walk from pending to read.
 */

import type { ChatMessage, ChatSummary, ListUpdate } from "../../types";
import { ASHA, fail, type PreviewWorld } from "./world";

const REPLIES = [
  "Namaste! I was born on 14 March 1994 at 6:20 am in Pune.",
  "I want to know about my career this year.",
  "Thank you, that is very helpful 🙏",
];

export class PreviewMessages {
  /** Who follows each conversation's messages (one observation per conversation). */
  private listeners = new Map<string, (change: ListUpdate<ChatMessage>) => void>();
  private messages = new Map<string, ChatMessage[]>();
  private nextLocal = 1;
  private replyIndex = 0;

  constructor(private readonly world: PreviewWorld) {}

  /** A consultation was accepted: its chat starts empty and the user writes first. */
  begin(conversationId: string): void {
    this.messages.set(conversationId, []);
    this.world.later(1200, () => this.userSays(conversationId));
  }

  private put(m: ChatMessage): void {
    const list = this.messages.get(m.conversation_id) ?? [];
    const i = list.findIndex((x) => x.local_id === m.local_id);
    if (i >= 0) list[i] = m;
    else list.push(m);
    this.messages.set(m.conversation_id, list);
    this.listeners.get(m.conversation_id)?.({ kind: "set", item: m });
    this.world.emit({ event: "chat_message_changed", message: m });
  }

  private userSays(conversationId: string): void {
    const text = REPLIES[this.replyIndex++ % REPLIES.length]!;
    this.world.emit({ event: "typing_changed", conversation_id: conversationId, user: ASHA, typing: true });
    this.world.later(1500, () => {
      const now = Date.now();
      this.put({
        local_id: this.nextLocal++,
        conversation_id: conversationId,
        server_id: `m-${now}`,
        sender: ASHA,
        own: false,
        kind: "text",
        text,
        state: "received",
        server_time: new Date(now).toISOString(),
        sort_ts: now,
      });
    });
  }

  async observeChats(listener: (change: ListUpdate<ChatSummary>) => void): Promise<() => void> {
    // The simulated server has no chat list: its chats are its consultations.
    listener({ kind: "reset", items: [] });
    return () => {};
  }

  async observeMessages(
    conversationId: string,
    limit: number,
    listener: (change: ListUpdate<ChatMessage>) => void,
  ): Promise<{ hasMore: boolean; stop: () => void }> {
    const all = this.messages.get(conversationId) ?? [];
    this.listeners.set(conversationId, listener);
    listener({ kind: "reset", items: all.slice(-limit) });
    return {
      hasMore: all.length > limit,
      stop: () => {
        if (this.listeners.get(conversationId) === listener) this.listeners.delete(conversationId);
      },
    };
  }

  async sendMessage(conversationId: string, text: string, replyTo: string | null): Promise<void> {
    if (!text.trim()) fail("invalid_input", "empty message");
    const now = Date.now();
    const base: ChatMessage = {
      local_id: this.nextLocal++,
      conversation_id: conversationId,
      client_id: `c-${now}`,
      sender: { id: this.world.session?.account_id ?? "a-sharma", name: "Pandit Sharma" },
      own: true,
      kind: "text",
      text,
      reply_to: replyTo,
      state: "pending",
      sort_ts: now,
    };
    const w = this.world;
    this.put(base);
    w.later(150, () => this.put({ ...base, state: "sending" }));
    w.later(450, () => this.put({ ...base, state: "sent", server_id: `m-${now}`, server_time: new Date().toISOString() }));
    w.later(1800, () => this.put({ ...base, state: "read", server_id: `m-${now}`, read_by: [ASHA.id] }));
    w.later(2600, () => this.userSays(conversationId));
  }

  async react(conversationId: string, messageId: string, emoji: string): Promise<void> {
    const m = (this.messages.get(conversationId) ?? []).find((x) => x.server_id === messageId);
    if (!m) fail("invalid_input", "no such message");
    const me = this.world.session?.account_id ?? "a-sharma";
    const reactions = { ...(m.reactions ?? {}) };
    const who = new Set(reactions[emoji] ?? []);
    if (who.has(me)) who.delete(me);
    else who.add(me);
    if (who.size > 0) reactions[emoji] = [...who];
    else delete reactions[emoji];
    this.put({ ...m, reactions });
  }

  async retryMessage(conversationId: string, clientId: string): Promise<void> {
    const m = (this.messages.get(conversationId) ?? []).find((x) => x.client_id === clientId);
    if (m) this.put({ ...m, state: "sent", error: null });
  }

  async discardMessage(conversationId: string, clientId: string): Promise<void> {
    this.messages.set(conversationId, (this.messages.get(conversationId) ?? []).filter((x) => x.client_id !== clientId));
    this.world.emit({ event: "chat_message_discarded", conversation_id: conversationId, client_id: clientId });
  }
}
