/**
 * The live app state for the components: holds the reducer's state in a rune, feeds it the
 * backend's events, ticks a clock for countdowns, and runs every action with its error shown
 * in words. Logic lives in ./state; this file only wires it. Messaging (./store/messaging.ts) is
 * a helper it delegates to.
 */

import type { Backend } from "./backend/backend";
import { describeError, toAppError } from "./errors";
import { setDefaultCurrency } from "./format";
import { setLang, t } from "./i18n/index.svelte";
import { type AppState, dismissNotice, initialState, notice, reduce } from "./state/app";
import { dismissBill, isLive } from "./state/consultations";
import { Observations } from "./observations";
import { pruneExpired } from "./state/requests";
import { Messaging } from "./store/messaging";
import type {
  Capability,
  Presence,
  ProfileInput,
  ProviderInfo,
  SavedProfile,
  SessionInfo,
  Settings,
  UiEvent,
} from "./types";

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

  constructor(readonly backend: Backend) {}

  /** Starts listening and restores a running session (demo mode). */
  async start(): Promise<void> {
    this.unlisten = await this.backend.onEvent((e) => this.dispatch(e));
    this.clock = window.setInterval(() => this.tick(), 250);
    try {
      await this.loadSettings();
      const ps = await this.backend.providerState();
      this.provider = ps.provider;
      this.savedUsername = ps.saved_username;
      this.hasSavedSignIn = ps.has_saved;
      setDefaultCurrency(ps.provider?.currency);
      this.profiles = await this.backend.listProfiles();
      const demo = await this.backend.demoInfo();
      if (demo?.error) this.fail(demo.error);
      const session = demo?.session ?? (await this.backend.currentSession());
      if (session) await this.enter(session);
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

  // ----- session -----
  async refreshProfiles(): Promise<void> {
    this.profiles = await this.backend.listProfiles();
  }

  /** Saves the form's profile (token to the keyring) and signs in with it. */
  async saveAndSignIn(input: ProfileInput, token: string | null): Promise<void> {
    const saved = await this.backend.saveProfile(input, token);
    await this.refreshProfiles();
    await this.signIn(saved.id);
  }

  async signIn(profileId: string): Promise<void> {
    // Start clean before asking: events of the new session (a request the server re-sends on
    // connect) may arrive before the answer does.
    this.app = { ...initialState, notices: this.app.notices, nextNoticeId: this.app.nextNoticeId };
    this.messaging.forgetSession();
    const session = await this.backend.signIn(profileId);
    await this.enter(session);
  }

  /** Signs in through the provider (user name and password, or a token; nulls: the saved ones). */
  async providerSignIn(username: string | null, secret: string | null): Promise<void> {
    this.app = { ...initialState, notices: this.app.notices, nextNoticeId: this.app.nextNoticeId };
    this.messaging.forgetSession();
    const session = await this.backend.providerSignIn(username, secret);
    this.savedUsername = username ?? this.savedUsername;
    this.hasSavedSignIn = true;
    await this.enter(session);
  }

  async forgetSavedSignIn(): Promise<void> {
    await this.run("forget", () => this.backend.providerForget());
    this.savedUsername = null;
    this.hasSavedSignIn = false;
  }

  // ----- settings -----
  async loadSettings(): Promise<void> {
    const s = await this.backend.getSettings();
    this.settings = s;
    setLang(s.language);
  }

  /** Saves a change to the settings; the language switches at once. */
  async updateSettings(change: Partial<Settings>): Promise<boolean> {
    if (!this.settings) return false;
    const next = { ...this.settings, ...change };
    setLang(next.language);
    return this.run("settings", async () => {
      this.settings = await this.backend.saveSettings(next);
      setLang(this.settings.language);
    });
  }

  /** Quits for real: offline first where the expert is available (they confirmed). */
  async quit(): Promise<void> {
    this.quitAsked = false;
    await this.run("quit", () => this.backend.quitApp());
  }

  private async enter(session: SessionInfo): Promise<void> {
    this.app = { ...this.app, session };
    if (session.currency) setDefaultCurrency(session.currency);
    this.messaging.restoreRemembered();
    this.screen = "dashboard";
    const connection = await this.backend.connectionState().catch(() => null);
    if (connection) this.app = { ...this.app, connection, connectionAt: Date.now() };
    const presence = await this.backend.presence().catch(() => null);
    if (presence) this.app = { ...this.app, presence };
    if (!this.can("presence") && this.app.presence === "offline") {
      // Without presence on the server, requests come while connected: say so.
      await this.setPresence("online");
    }
    const call = await this.backend.callState().catch(() => null);
    if (call) this.dispatch({ event: "call_state_changed", call });
    await this.observeConsultations();
    await this.reloadHistory();
    void this.messaging.observeChats();
    const current = this.app.consultations.currentId;
    if (current) await this.messaging.openConversation(current);
  }

  async signOut(): Promise<void> {
    await this.run("signout", () => this.backend.signOut());
    this.observed.stopAll();
    this.app = { ...initialState, notices: this.app.notices };
    this.screen = "signin";
    await this.refreshProfiles().catch((e) => this.fail(e));
  }

  async deleteProfile(id: string): Promise<void> {
    await this.run(`delete-${id}`, async () => {
      await this.backend.deleteProfile(id);
      await this.refreshProfiles();
    });
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
   */
  private async observeConsultations(): Promise<void> {
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
