/**
 * The store's messaging: the conversations it follows (a consultation's or a chat's), their
 * growing windows of messages, read receipts, and the chats outside consultations. It keeps no
 * state of its own in runes: it reads and writes the Store's.
 */

import type { Observations } from "../observations";
import { loadRememberedChats, rememberedChatsKey, saveRememberedChats } from "../rememberedChats";
import { addKnownChats, chatsOutside, closeChat, openChat, rememberChat } from "../state/chats";
import { isLive } from "../state/consultations";
import { conversation, unreadFromOthers } from "../state/conversation";
import type { Store } from "../store.svelte";

const PAGE_SIZE = 50;
/** How many listed chats get their first page at once (for names in the list). */
const PRELOAD_CHATS = 10;

export class Messaging {
  /** Messages whose read receipt was sent (once per message). */
  private marked = new Set<string>();
  /** Conversations whose room this session joined. */
  private joined = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly observed: Observations,
  ) {}

  /** A new session: nothing joined or marked yet. */
  forgetSession(): void {
    this.marked.clear();
    this.joined.clear();
  }

  /** Whether this session joined conversation `id`'s room. */
  hasJoined(id: string): boolean {
    return this.joined.has(id);
  }

  /** Chats opened by id in an earlier run (003 cannot list them) come back to the list. */
  restoreRemembered(): void {
    const s = this.store;
    s.app = { ...s.app, chats: addKnownChats(s.app.chats, loadRememberedChats(this.chatsKey())) };
  }

  async openConversation(id: string): Promise<void> {
    const s = this.store;
    if (!s.can("messaging")) return;
    const c = s.app.consultations.byId[id];
    await this.enter(id, Boolean(c && isLive(c)));
  }

  /**
   * Shows conversation `id`: joins its room once per session when `join` (rooms are per
   * connection; the core rejoins them itself after a reconnect), follows its messages, and
   * sends read receipts for what it shows.
   */
  private async enter(id: string, join: boolean): Promise<void> {
    const s = this.store;
    if (join && !this.joined.has(id)) {
      const ok = await s.run(`join-${id}`, () => s.backend.joinConversation(id));
      if (ok) this.joined.add(id);
    }
    await s.run(`load-${id}`, () => this.observeMessages(id, this.windowOf(id)));
    await this.markVisibleRead();
  }

  /** Shows older messages: the conversation's window grows by a page. */
  async loadOlder(id: string): Promise<void> {
    const limit = this.windowOf(id) + PAGE_SIZE;
    await this.store.run(`older-${id}`, () => this.observeMessages(id, limit));
  }

  /** The window conversation `id` is observed with (at least a page). */
  private windowOf(id: string): number {
    return Math.max(PAGE_SIZE, conversation(this.store.app.conversations, id).limit);
  }

  /** Follows conversation `id`'s latest `limit` messages (replacing a smaller window). */
  private async observeMessages(id: string, limit: number): Promise<void> {
    const s = this.store;
    const { hasMore, stop } = await s.backend.observeMessages(id, limit, (change) =>
      s.dispatch({ event: "messages_changed", conversation_id: id, change }),
    );
    this.observed.keep(`messages:${id}`, stop);
    s.dispatch({ event: "messages_window", conversation_id: id, limit, has_more: hasMore });
  }

  /** Sends read receipts for what the open chat shows (once per message). */
  async markVisibleRead(): Promise<void> {
    const s = this.store;
    const id = this.visibleConversation();
    if (!id || !s.can("read_receipts") || document.hidden) return;
    const selfId = s.app.me?.id ?? s.app.session?.account_id ?? null;
    const ids = unreadFromOthers(conversation(s.app.conversations, id), selfId).filter(
      (m) => !this.marked.has(m),
    );
    if (ids.length === 0) return;
    for (const m of ids) this.marked.add(m);
    await s.backend.markRead(id, ids).catch(() => {
      for (const m of ids) this.marked.delete(m);
    });
  }

  /** The conversation the screen shows, if any. */
  visibleConversation(): string | null {
    const s = this.store;
    if (s.screen === "chats") return s.app.chats.openId;
    if (s.screen === "consultation") return s.app.consultations.currentId;
    return null;
  }

  // ----- chats outside consultations -----
  /** Follows the core's list of chats (where the server lists them, it is asked to). */
  async observeChats(): Promise<void> {
    const s = this.store;
    if (!s.can("messaging")) return;
    await s.run("chats", async () => {
      const stop = await s.backend.observeChats((change) => s.dispatch({ event: "chats_changed", change }));
      this.observed.keep("chats", stop);
    });
  }

  /** Asks the server for its chats again (002); the list shows its answer. */
  async reloadChats(): Promise<void> {
    const s = this.store;
    if (!s.can("messaging")) return;
    await s.run("chats", () => s.backend.refreshChats());
  }

  /**
   * The first messages of the newest few chats not yet followed, so the list can name who is
   * in them (002 lists participant ids only). Quietly: the list stands without it.
   */
  async preloadChats(): Promise<void> {
    const todo = this.chats
      .slice(0, PRELOAD_CHATS)
      .filter((c) => conversation(this.store.app.conversations, c.id).limit === 0);
    for (const c of todo) await this.observeMessages(c.id, PAGE_SIZE).catch(() => undefined);
  }

  /** The chats the Chats screen lists: those that are not consultations. */
  get chats() {
    return chatsOutside(this.store.app.chats, (id) => id in this.store.app.consultations.byId);
  }

  /** Opens chat `rawId` (listed, or typed by the expert): joins its room, loads its history. */
  async openChat(rawId: string): Promise<boolean> {
    const s = this.store;
    const chats = openChat(s.app.chats, rawId);
    if (!chats || !chats.openId) return false;
    const id = chats.openId;
    s.app = { ...s.app, chats };
    s.screen = "chats";
    const key = this.chatsKey();
    saveRememberedChats(key, rememberChat(loadRememberedChats(key), id));
    await this.enter(id, true);
    return true;
  }

  private chatsKey(): string | null {
    return rememberedChatsKey(this.store.app.session);
  }

  /** Back to the list of chats. */
  closeChat(): void {
    const s = this.store;
    s.app = { ...s.app, chats: closeChat(s.app.chats) };
  }

  async send(conversationId: string, text: string, replyTo: string | null): Promise<boolean> {
    const s = this.store;
    return s.run("send", () => s.backend.sendMessage(conversationId, text, replyTo));
  }
}
