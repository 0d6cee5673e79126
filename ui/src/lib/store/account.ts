/**
 * The store's sign-in and preferences: the saved profiles, signing in with one or through the
 * provider, the settings, and entering and leaving a session. It keeps no state of its own in
 * runes: it reads and writes the Store's.
 */

import { setDefaultCurrency } from "../format";
import { setLang } from "../i18n/index.svelte";
import type { Observations } from "../observations";
import { initialState } from "../state/app";
import type { Store } from "../store.svelte";
import type { ProfileInput, SessionInfo, Settings } from "../types";
import type { Messaging } from "./messaging";

export class Account {
  constructor(
    private readonly store: Store,
    private readonly messaging: Messaging,
    private readonly observed: Observations,
  ) {}

  /** What the page needs before the first screen: settings, provider, profiles, a running session (demo mode). */
  async restore(): Promise<void> {
    const s = this.store;
    await this.loadSettings();
    const ps = await s.backend.providerState();
    s.provider = ps.provider;
    s.savedUsername = ps.saved_username;
    s.hasSavedSignIn = ps.has_saved;
    setDefaultCurrency(ps.provider?.currency);
    s.profiles = await s.backend.listProfiles();
    const demo = await s.backend.demoInfo();
    if (demo?.error) s.fail(demo.error);
    const session = demo?.session ?? (await s.backend.currentSession());
    if (session) await this.enter(session);
  }

  async refreshProfiles(): Promise<void> {
    this.store.profiles = await this.store.backend.listProfiles();
  }

  /** Saves the form's profile (token to the keyring) and signs in with it. */
  async saveAndSignIn(input: ProfileInput, token: string | null): Promise<void> {
    const saved = await this.store.backend.saveProfile(input, token);
    await this.refreshProfiles();
    await this.signIn(saved.id);
  }

  async signIn(profileId: string): Promise<void> {
    // Start clean before asking: events of the new session (a request the server re-sends on
    // connect) may arrive before the answer does.
    this.startClean();
    const session = await this.store.backend.signIn(profileId);
    await this.enter(session);
  }

  /** Signs in through the provider (user name and password, or a token; nulls: the saved ones). */
  async providerSignIn(username: string | null, secret: string | null): Promise<void> {
    const s = this.store;
    this.startClean();
    const session = await s.backend.providerSignIn(username, secret);
    s.savedUsername = username ?? s.savedUsername;
    s.hasSavedSignIn = true;
    await this.enter(session);
  }

  /** The state of a session about to begin: only the notices stay. */
  private startClean(): void {
    const s = this.store;
    s.app = { ...initialState, notices: s.app.notices, nextNoticeId: s.app.nextNoticeId };
    this.messaging.forgetSession();
  }

  async forgetSavedSignIn(): Promise<void> {
    const s = this.store;
    await s.run("forget", () => s.backend.providerForget());
    s.savedUsername = null;
    s.hasSavedSignIn = false;
  }

  // ----- settings -----
  async loadSettings(): Promise<void> {
    const s = await this.store.backend.getSettings();
    this.store.settings = s;
    setLang(s.language);
  }

  /** Saves a change to the settings; the language switches at once. */
  async updateSettings(change: Partial<Settings>): Promise<boolean> {
    const s = this.store;
    if (!s.settings) return false;
    const next = { ...s.settings, ...change };
    setLang(next.language);
    return s.run("settings", async () => {
      s.settings = await s.backend.saveSettings(next);
      setLang(s.settings.language);
    });
  }

  /** Quits for real: offline first where the expert is available (they confirmed). */
  async quit(): Promise<void> {
    const s = this.store;
    s.quitAsked = false;
    await s.run("quit", () => s.backend.quitApp());
  }

  private async enter(session: SessionInfo): Promise<void> {
    const s = this.store;
    s.app = { ...s.app, session };
    if (session.currency) setDefaultCurrency(session.currency);
    this.messaging.restoreRemembered();
    s.screen = "dashboard";
    const connection = await s.backend.connectionState().catch(() => null);
    if (connection) s.app = { ...s.app, connection, connectionAt: Date.now() };
    const presence = await s.backend.presence().catch(() => null);
    if (presence) s.app = { ...s.app, presence };
    if (!s.can("presence") && s.app.presence === "offline") {
      // Without presence on the server, requests come while connected: say so.
      await s.setPresence("online");
    }
    const call = await s.backend.callState().catch(() => null);
    if (call) s.dispatch({ event: "call_state_changed", call });
    await s.observeConsultations();
    await s.reloadHistory();
    void this.messaging.observeChats();
    const current = s.app.consultations.currentId;
    if (current) await this.messaging.openConversation(current);
  }

  async signOut(): Promise<void> {
    const s = this.store;
    await s.run("signout", () => s.backend.signOut());
    this.observed.stopAll();
    s.app = { ...initialState, notices: s.app.notices };
    s.screen = "signin";
    await this.refreshProfiles().catch((e) => s.fail(e));
  }

  async deleteProfile(id: string): Promise<void> {
    const s = this.store;
    await s.run(`delete-${id}`, async () => {
      await s.backend.deleteProfile(id);
      await this.refreshProfiles();
    });
  }
}
