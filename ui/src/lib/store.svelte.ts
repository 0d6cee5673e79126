/**
 * The live app state for the components: holds the reducer's state in a rune, feeds it the
 * backend's events, ticks a clock for countdowns, and runs every action with its error shown
 * in words. Logic lives in ./state; this file only wires it. Sign-in and settings
 * (./store/account.ts) and messaging (./store/messaging.ts) are helpers it delegates to.
 */

import type { Backend } from "./backend/backend";
import { describeError, toAppError } from "./errors";
import { t } from "./i18n/index.svelte";
import { type AppState, dismissNotice, initialState, notice, reduce } from "./state/app";
import { dismissBill, isLive } from "./state/consultations";
import { Observations } from "./observations";
import { pruneExpired } from "./state/requests";
import { Account } from "./store/account";
import { Messaging } from "./store/messaging";
import type { Capability, Presence, ProfileInput, ProviderInfo, SavedProfile, Settings, UiEvent } from "./types";

/** The screens of the app. */
export type Screen = "signin" | "dashboard" | "consultation" | "chats" | "history" | "settings";

export class Store {
  app: AppState = $state.raw(initialState);
  now: number = $state(Date.now());
  screen: Screen = $state("signin");
  profiles: SavedProfile[] = $state.raw([]);
  /** Actions in flight, by name (buttons show a spinner and do not fire twice). */
  pending: Record<string, boolean> = $state({});
  ready = $state(false);
  /** The expert's settings (language, ring, quick replies, …); null until loaded. */
  settings: Settings | null = $state.raw(null);
  /** The app team's provider, when this build or install has one. */
  provider: ProviderInfo | null = $state.raw(null);
  /** The user name saved from the last provider sign-in. */
  savedUsername: string | null = $state(null);
  hasSavedSignIn = $state(false);
  /** The request a notification's click asked to show (highlighted on the dashboard). */
  highlight: string | null = $state(null);
  /** The tray asked to quit while the expert is available: the page asks them. */
  quitAsked = $state(false);

  private unlisten: (() => void) | null = null;
  /** The lists followed from the core. */
  private observed = new Observations();
  private clock: number | null = null;
  private readonly messaging = new Messaging(this, this.observed);
  private readonly account = new Account(this, this.messaging, this.observed);

  constructor(readonly backend: Backend) {}

  /** Starts listening and restores a running session (demo mode). */
  async start(): Promise<void> {
    this.unlisten = await this.backend.onEvent((e) => this.dispatch(e));
    this.clock = window.setInterval(() => this.tick(), 250);
    try {
      await this.account.restore();
    } catch (e) {
      this.fail(e);
    } finally {
      this.ready = true;
    }
  }

  /** Stops listening (the page is going away). */
  stop(): void {
    this.unlisten?.();
    this.observed.stopAll();
    if (this.clock !== null) clearInterval(this.clock);
  }

  private tick(): void {
    this.now = Date.now();
    const pruned = pruneExpired(this.app.requests, this.now);
    if (pruned !== this.app.requests) this.app = { ...this.app, requests: pruned };
  }

  /** Feeds one core event through the reducer. */
  dispatch(e: UiEvent): void {
    if (e.event === "show_waiting") {
      // A notification was clicked: the window is in front; show what it was about.
      if (this.app.session) {
        this.highlight = e.id;
        if (e.kind === "request") this.screen = "dashboard";
      }
      return;
    }
    if (e.event === "quit_requested") {
      this.quitAsked = true;
      return;
    }
    if (e.event === "call_incoming" && this.app.session && !this.app.session.call_media) {
      const who = e.caller.name?.trim() || e.caller.id;
      this.app = notice(this.app, "unsupported", t("call.noMediaRang", { name: who }));
    }
    if (e.event === "presence_set") {
      this.app = { ...this.app, presence: e.presence, presenceOnServer: e.on_server };
      return;
    }
    const wasDown = this.app.connection !== null && this.app.connection.state !== "connected";
    const before = this.app.consultations.currentId;
    this.app = reduce(this.app, e, Date.now());
    const after = this.app.consultations.currentId;
    // Accepting a request (in this window or another device) opens the consultation.
    if (after && after !== before) {
      if (this.screen === "dashboard") this.screen = "consultation";
      void this.messaging.openConversation(after);
    } else if (
      e.event === "consultations_changed" &&
      e.change.kind === "set" &&
      e.change.item.id === after &&
      e.change.item.state.state === "active" &&
      !this.messaging.hasJoined(after)
    ) {
      // Some servers let only an active session's participants join: try again now.
      void this.messaging.openConversation(after);
    }
    if (e.event === "connection" && e.state.state === "connected" && wasDown && this.app.session) {
      void this.afterReconnect();
    }
    if (e.event === "messages_changed" && e.conversation_id === this.messaging.visibleConversation()) {
      void this.messaging.markVisibleRead();
    }
    // A listing from the server: the newest chats get their first messages (names).
    if (e.event === "chats_changed" && e.change.kind === "reset") void this.messaging.preloadChats();
  }

  /**
   * Back online after a drop: consultations may have moved on while we were away. (A restarted
   * server's forgotten presence is the core's job: its presence keeper tells it again.)
   */
  private async afterReconnect(): Promise<void> {
    await this.reloadHistory();
    if (this.screen === "chats") await this.messaging.reloadChats();
  }

  /** Shows an error as a notice, in words. */
  fail(e: unknown): void {
    const err = toAppError(e);
    this.app = notice(this.app, err.code, describeError(err));
  }

  dismiss(id: number): void {
    this.app = dismissNotice(this.app, id);
  }

  /** Runs `f` as action `name`: one at a time, errors shown. Resolves true on success. */
  async run(name: string, f: () => Promise<unknown>): Promise<boolean> {
    if (this.pending[name]) return false;
    this.pending[name] = true;
    try {
      await f();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      delete this.pending[name];
    }
  }

  /** True when the signed-in server offers `capability`. */
  can(capability: Capability): boolean {
    return this.app.session?.capabilities.includes(capability) ?? false;
  }

  // ----- presence and requests -----
  async setPresence(p: Presence): Promise<void> {
    const before = this.app.presence;
    this.app = { ...this.app, presence: p };
    const ok = await this.run("presence", async () => {
      const change = await this.backend.setPresence(p);
      this.app = { ...this.app, presence: change.presence, presenceOnServer: change.on_server };
    });
    if (!ok) this.app = { ...this.app, presence: before };
  }

  async answer(id: string, accept: boolean): Promise<void> {
    await this.run(`answer-${id}`, () => this.backend.answerRequest(id, accept));
  }

  // ----- consultations -----
  get current() {
    const id = this.app.consultations.currentId;
    return id ? (this.app.consultations.byId[id] ?? null) : null;
  }

  get liveConsultation() {
    const c = this.current;
    return c && isLive(c) ? c : null;
  }

  async consultationAction(kind: "start" | "pause" | "resume" | "end", id: string): Promise<void> {
    const f = {
      start: () => this.backend.startConsultation(id),
      pause: () => this.backend.pauseConsultation(id),
      resume: () => this.backend.resumeConsultation(id),
      end: () => this.backend.endConsultation(id),
    }[kind];
    const ok = await this.run(`consultation-${kind}`, f);
    // A refusal usually means the server moved on while we did not hear: catch up.
    if (!ok) await this.reloadHistory();
  }

  closeBill(): void {
    this.app = { ...this.app, consultations: dismissBill(this.app.consultations) };
    if (!this.app.consultations.currentId && this.screen === "consultation") this.screen = "dashboard";
  }

  /** The call history from the cache (consultations come as the core's observed list). */
  async reloadHistory(): Promise<void> {
    if (!this.can("calls")) return;
    await this.run("history", async () => {
      const calls = await this.backend.callHistory(200);
      this.app = reduce(this.app, { event: "call_history", calls }, Date.now());
    });
  }

  /**
   * Follows the core's list of consultations (requests, the running one, the history): the
   * whole list first, then its changes. A new session replaces the last one's subscription.
   * (Public for ./store/account.ts, which follows it when a session begins.)
   */
  async observeConsultations(): Promise<void> {
    await this.run("consultations", async () => {
      const stop = await this.backend.observeConsultations((change) =>
        this.dispatch({ event: "consultations_changed", change }),
      );
      this.observed.keep("consultations", stop);
    });
  }

  navigate(screen: Screen): void {
    this.screen = screen;
    this.highlight = null;
    if (screen === "history") void this.reloadHistory();
    if (screen === "chats") {
      void this.messaging.reloadChats();
      void this.messaging.markVisibleRead();
    }
    if (screen === "consultation" && this.app.consultations.currentId) {
      void this.messaging.markVisibleRead();
    }
  }

  // ----- session and settings: ./store/account.ts -----
  refreshProfiles(): Promise<void> {
    return this.account.refreshProfiles();
  }
  /** Saves the form's profile (token to the keyring) and signs in with it. */
  saveAndSignIn(input: ProfileInput, token: string | null): Promise<void> {
    return this.account.saveAndSignIn(input, token);
  }
  signIn(profileId: string): Promise<void> {
    return this.account.signIn(profileId);
  }
  /** Signs in through the provider (user name and password, or a token; nulls: the saved ones). */
  providerSignIn(username: string | null, secret: string | null): Promise<void> {
    return this.account.providerSignIn(username, secret);
  }
  forgetSavedSignIn(): Promise<void> {
    return this.account.forgetSavedSignIn();
  }
  loadSettings(): Promise<void> {
    return this.account.loadSettings();
  }
  /** Saves a change to the settings; the language switches at once. */
  updateSettings(change: Partial<Settings>): Promise<boolean> {
    return this.account.updateSettings(change);
  }
  /** Quits for real: offline first where the expert is available (they confirmed). */
  quit(): Promise<void> {
    return this.account.quit();
  }
  signOut(): Promise<void> {
    return this.account.signOut();
  }
  deleteProfile(id: string): Promise<void> {
    return this.account.deleteProfile(id);
  }

  // ----- messaging and chats: ./store/messaging.ts -----
  openConversation(id: string): Promise<void> {
    return this.messaging.openConversation(id);
  }
  /** Shows older messages: the conversation's window grows by a page. */
  loadOlder(id: string): Promise<void> {
    return this.messaging.loadOlder(id);
  }
  /** Sends read receipts for what the open chat shows (once per message). */
  markVisibleRead(): Promise<void> {
    return this.messaging.markVisibleRead();
  }
  /** The conversation the screen shows, if any. */
  visibleConversation(): string | null {
    return this.messaging.visibleConversation();
  }
  /** Asks the server for its chats again (002); the list shows its answer. */
  reloadChats(): Promise<void> {
    return this.messaging.reloadChats();
  }
  /** The chats the Chats screen lists: those that are not consultations. */
  get chats() {
    return this.messaging.chats;
  }
  /** Opens chat `rawId` (listed, or typed by the expert): joins its room, loads its history. */
  openChat(rawId: string): Promise<boolean> {
    return this.messaging.openChat(rawId);
  }
  /** Back to the list of chats. */
  closeChat(): void {
    this.messaging.closeChat();
  }
  send(conversationId: string, text: string, replyTo: string | null): Promise<boolean> {
    return this.messaging.send(conversationId, text, replyTo);
  }
}
