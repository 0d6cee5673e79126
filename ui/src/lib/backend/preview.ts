/**
 * A self-contained simulation of the shell for running the page in a plain browser (design
 * work, screenshots of the UI alone). It follows the billing-chat story: going online brings
 * a request from a seeded user; accepting opens a chat that is billed per minute; the user
 * answers messages. The page says "Preview" whenever this backend is in use.
 */

import { add } from "../decimal";
import { dialectSetup } from "../dialects";
import type {
  CallRecord,
  CallSnapshot,
  ChatMessage,
  ConnectionState,
  ConsultationView,
  ChatSummary,
  DemoInfo,
  DomainEvent,
  ListUpdate,
  MeterReading,
  Presence,
  PresenceChange,
  ProfileInput,
  ProviderState,
  SavedProfile,
  SessionInfo,
  Settings,
  UiEvent,
  UpdateInfo,
} from "../types";
import type { Backend } from "./backend";

const PROFILES_KEY = "parlor.preview.profiles";
const SETTINGS_KEY = "parlor.preview.settings";
const DEFAULT_SETTINGS: Settings = {
  ring_enabled: true,
  ring_volume: 80,
  ring_device: null,
  notifications: true,
  language: "en",
  autostart: false,
  theme: "system",
  quick_replies: ["Namaste! I am looking at your chart now.", "Please share your date, time and place of birth."],
  tray_notice_shown: false,
};
const RATE = { amount: "10.00", unit: "INR" };
/** A preview minute lasts 10 s so billing is visible at once. */
const MINUTE_MS = 10_000;
const ASHA = { id: "u-asha", name: "Asha Verma" };
const RAVI = { id: "user-ravi", name: "Ravi Kumar" };
const REPLIES = [
  "Namaste! I was born on 14 March 1994 at 6:20 am in Pune.",
  "I want to know about my career this year.",
  "Thank you, that is very helpful 🙏",
];

function fail(code: string, message: string): never {
  throw { code, message };
}

export class PreviewBackend implements Backend {
  readonly kind = "preview" as const;
  private listeners = new Set<(e: UiEvent) => void>();
  private consultationListeners = new Set<(change: ListUpdate<ConsultationView>) => void>();
  /** Who follows each conversation's messages (one observation per conversation). */
  private messageListeners = new Map<string, (change: ListUpdate<ChatMessage>) => void>();
  private session: SessionInfo | null = null;
  private current: Presence = "offline";
  private consultations = new Map<string, ConsultationView>();
  private messages = new Map<string, ChatMessage[]>();
  private timers: number[] = [];
  private meterTimer: number | null = null;
  private activeSince: number | null = null;
  private activeBefore = 0;
  private nextLocal = 1;
  private replyIndex = 0;
  private roomSeq = 1;
  private call: CallSnapshot | null = null;
  private callStart = 0;
  private calls: CallRecord[] = [];

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  private later(ms: number, f: () => void): void {
    this.timers.push(window.setTimeout(f, ms));
  }

  async onEvent(listener: (e: UiEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ----- profiles -----
  private load(): SavedProfile[] {
    try {
      return JSON.parse(localStorage.getItem(PROFILES_KEY) ?? "[]") as SavedProfile[];
    } catch {
      return [];
    }
  }

  async listProfiles(): Promise<SavedProfile[]> {
    return this.load();
  }

  async saveProfile(input: ProfileInput, token: string | null): Promise<SavedProfile> {
    if (!/^(https?|wss?):\/\//.test(input.socket_url)) fail("invalid_input", "The server URL must start with http:// or https://");
    const list = this.load();
    const old = list.find((p) => p.id === input.id);
    const saved: SavedProfile = {
      ...input,
      id: input.id ?? `p-${Date.now()}`,
      namespace: input.namespace ?? "/",
      allow_plaintext: input.allow_plaintext ?? false,
      currency: input.currency ?? "INR",
      has_token: Boolean(token) || Boolean(old?.has_token),
    };
    const next = [...list.filter((p) => p.id !== saved.id), saved];
    localStorage.setItem(PROFILES_KEY, JSON.stringify(next));
    return saved;
  }

  async deleteProfile(id: string): Promise<void> {
    localStorage.setItem(PROFILES_KEY, JSON.stringify(this.load().filter((p) => p.id !== id)));
  }

  async signIn(profileId: string): Promise<SessionInfo> {
    const profile = this.load().find((p) => p.id === profileId);
    if (!profile) fail("no_profile", "no such profile");
    this.session = {
      profile_id: profile.id,
      profile_name: profile.name,
      account_id: profile.account_id ?? "a-sharma",
      dialect: profile.dialect,
      capabilities: ["consultations", "live_billing", "presence", "messaging", "typing", "read_receipts", "reactions", "replies", "calls"],
      call_media: false,
      currency: "INR",
    };
    this.emit({ event: "connection", state: { state: "connecting", attempt: 1 } });
    this.later(400, () => {
      this.emit({ event: "connection", state: { state: "connected" } });
      this.emit({ event: "authenticated", user: { id: this.session?.account_id ?? "a-sharma", name: "Pandit Sharma", role: "astrologer" } });
    });
    return this.session!;
  }

  async signOut(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.stopMeter();
    this.session = null;
    this.emit({ event: "connection", state: { state: "disconnected", reason: "signed out" } });
  }

  async currentSession(): Promise<SessionInfo | null> {
    return this.session;
  }

  async connectionState(): Promise<ConnectionState | null> {
    return this.session ? { state: "connected" } : null;
  }

  async demoInfo(): Promise<DemoInfo | null> {
    return null;
  }

  // ----- provider and settings (the preview has no provider file) -----
  async providerState(): Promise<ProviderState> {
    return { provider: null, saved_username: null, has_saved: false };
  }

  async providerSignIn(): Promise<SessionInfo> {
    return fail("no_profile", "The preview has no provider file.");
  }

  async providerForget(): Promise<void> {}

  async getSettings(): Promise<Settings> {
    try {
      return { ...DEFAULT_SETTINGS, ...(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}") as Partial<Settings>) };
    } catch {
      return DEFAULT_SETTINGS;
    }
  }

  async saveSettings(settings: Settings): Promise<Settings> {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
    return settings;
  }

  async listOutputDevices(): Promise<string[]> {
    return ["Speakers (preview)"];
  }

  async testRing(): Promise<void> {}

  async quitApp(): Promise<void> {
    await this.signOut();
  }

  async checkUpdate(): Promise<UpdateInfo> {
    return { current: "0.1.0", available: null, notes: null };
  }

  async installUpdate(): Promise<void> {
    fail("illegal_state", "There is no newer version to install.");
  }

  async diagnostics(): Promise<string> {
    return `Parlor (preview in a browser)\nSigned in: ${this.session?.profile_name ?? "no"}\n`;
  }

  // ----- presence and requests -----
  async setPresence(presence: Presence): Promise<PresenceChange> {
    this.current = presence;
    this.emit({ event: "own_presence", online: presence === "online" });
    if (presence === "online") {
      this.later(2500, () => (this.callsInsteadOfRequests() ? this.incomingCall() : this.incomingRequest()));
    }
    return { presence, on_server: true };
  }

  async presence(): Promise<Presence> {
    return this.current;
  }

  private incomingRequest(): void {
    if (this.current !== "online" || [...this.consultations.values()].some((c) => c.state.state === "requested")) return;
    const id = `room-${this.roomSeq++}`;
    const expires = new Date(Date.now() + 60_000).toISOString();
    this.emit({ event: "consultation_requested", consultation_id: id, user: ASHA, kind: "text", rate_per_minute: RATE, expires_at: expires });
    this.update({
      id,
      side: "expert",
      counterpart: ASHA,
      expert_id: this.session?.account_id ?? null,
      kind: "text",
      state: { state: "requested" },
      rate_per_minute: RATE,
      meter: this.reading(false),
      requested_at: new Date().toISOString(),
    });
  }

  private update(c: ConsultationView): void {
    this.consultations.set(c.id, c);
    this.emit({ event: "consultation_updated", consultation: c });
    // As the core's observed list does: each change, after the event it follows.
    for (const l of this.consultationListeners) l({ kind: "set", item: c });
  }

  private get(id: string): ConsultationView {
    const c = this.consultations.get(id);
    if (!c) fail("illegal_state", "no such consultation");
    return c;
  }

  private elapsed(): number {
    return this.activeBefore + (this.activeSince === null ? 0 : Date.now() - this.activeSince);
  }

  private reading(running: boolean): MeterReading {
    const ms = this.elapsed();
    const minutes = Math.ceil(ms / MINUTE_MS);
    let cost = "0.00";
    for (let i = 0; i < minutes; i++) cost = add(cost, RATE.amount);
    let balance = "500.00";
    for (let i = 0; i < minutes; i++) balance = add(balance, `-${RATE.amount}`);
    return {
      elapsed_ms: ms,
      billed_minutes: String(minutes),
      cost: { amount: cost, unit: "INR" },
      balance: { amount: balance, unit: "INR" },
      running,
    };
  }

  async answerRequest(id: string, accept: boolean): Promise<void> {
    const c = this.get(id);
    if (c.state.state !== "requested") fail("illegal_state", "already answered");
    this.emit({ event: "consultation_answered", consultation_id: id, outcome: accept ? "accepted" : "rejected" });
    this.update({ ...c, state: { state: accept ? "accepted" : "rejected" } });
    if (accept) {
      this.emit({ event: "expert_busy", busy: true });
      this.activeBefore = 0;
      this.activeSince = null;
      this.messages.set(id, []);
      this.later(1200, () => this.userSays(id));
    }
  }

  async startConsultation(id: string): Promise<void> {
    const c = this.get(id);
    if (c.state.state !== "accepted") fail("illegal_state", "not accepted");
    this.activeSince = Date.now();
    this.update({ ...c, state: { state: "active" }, started_at: new Date().toISOString(), meter: this.reading(true) });
    this.startMeter(id);
  }

  private startMeter(id: string): void {
    this.stopMeter();
    this.meterTimer = window.setInterval(() => {
      this.emit({ event: "meter_update", consultation_id: id, reading: this.reading(true) });
    }, 1000);
  }

  private stopMeter(): void {
    if (this.meterTimer !== null) clearInterval(this.meterTimer);
    this.meterTimer = null;
  }

  async pauseConsultation(id: string): Promise<void> {
    const c = this.get(id);
    if (c.state.state !== "active") fail("illegal_state", "not active");
    this.activeBefore = this.elapsed();
    this.activeSince = null;
    this.stopMeter();
    this.update({ ...c, state: { state: "paused" }, meter: this.reading(false) });
  }

  async resumeConsultation(id: string): Promise<void> {
    const c = this.get(id);
    if (c.state.state !== "paused") fail("illegal_state", "not paused");
    this.activeSince = Date.now();
    this.update({ ...c, state: { state: "active" }, meter: this.reading(true) });
    this.startMeter(id);
  }

  async endConsultation(id: string): Promise<void> {
    const c = this.get(id);
    const r = this.reading(false);
    this.activeBefore = r.elapsed_ms;
    this.activeSince = null;
    this.stopMeter();
    this.update({
      ...c,
      state: { state: "ended", by: "expert", reason: "ended" },
      meter: r,
      bill: { minutes: r.billed_minutes, rate_per_minute: RATE, total: r.cost, ended_by: "expert", reason: "ended" },
      ended_at: new Date().toISOString(),
    });
    this.emit({ event: "expert_busy", busy: false });
  }

  async observeConsultations(listener: (change: ListUpdate<ConsultationView>) => void): Promise<() => void> {
    this.consultationListeners.add(listener);
    listener({ kind: "reset", items: [...this.consultations.values()] });
    return () => this.consultationListeners.delete(listener);
  }

  // ----- messaging -----
  private put(m: ChatMessage): void {
    const list = this.messages.get(m.conversation_id) ?? [];
    const i = list.findIndex((x) => x.local_id === m.local_id);
    if (i >= 0) list[i] = m;
    else list.push(m);
    this.messages.set(m.conversation_id, list);
    this.messageListeners.get(m.conversation_id)?.({ kind: "set", item: m });
    this.emit({ event: "chat_message_changed", message: m });
  }

  private userSays(conversationId: string): void {
    const text = REPLIES[this.replyIndex++ % REPLIES.length]!;
    this.emit({ event: "typing_changed", conversation_id: conversationId, user: ASHA, typing: true });
    this.later(1500, () => {
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

  async refreshChats(): Promise<void> {}

  async joinConversation(): Promise<void> {
    // The simulation delivers every message without rooms.
  }

  async observeMessages(
    conversationId: string,
    limit: number,
    listener: (change: ListUpdate<ChatMessage>) => void,
  ): Promise<{ hasMore: boolean; stop: () => void }> {
    const all = this.messages.get(conversationId) ?? [];
    this.messageListeners.set(conversationId, listener);
    listener({ kind: "reset", items: all.slice(-limit) });
    return {
      hasMore: all.length > limit,
      stop: () => {
        if (this.messageListeners.get(conversationId) === listener) this.messageListeners.delete(conversationId);
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
      sender: { id: this.session?.account_id ?? "a-sharma", name: "Pandit Sharma" },
      own: true,
      kind: "text",
      text,
      reply_to: replyTo,
      state: "pending",
      sort_ts: now,
    };
    this.put(base);
    this.later(150, () => this.put({ ...base, state: "sending" }));
    this.later(450, () => this.put({ ...base, state: "sent", server_id: `m-${now}`, server_time: new Date().toISOString() }));
    this.later(1800, () => this.put({ ...base, state: "read", server_id: `m-${now}`, read_by: [ASHA.id] }));
    this.later(2600, () => this.userSays(conversationId));
  }

  async setTyping(): Promise<void> {}

  async markRead(): Promise<void> {}

  async react(conversationId: string, messageId: string, emoji: string): Promise<void> {
    const m = (this.messages.get(conversationId) ?? []).find((x) => x.server_id === messageId);
    if (!m) fail("invalid_input", "no such message");
    const me = this.session?.account_id ?? "a-sharma";
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
    this.emit({ event: "chat_message_discarded", conversation_id: conversationId, client_id: clientId });
  }

  // ----- voice: the browser preview has no microphone access through the core -----
  async startRecording(): Promise<void> {
    fail("unsupported", "voice notes need the desktop app");
  }
  async stopRecording(): Promise<void> {}
  async cancelRecording(): Promise<void> {}
  async playVoiceNote(): Promise<void> {
    fail("unsupported", "voice notes need the desktop app");
  }
  async pauseVoiceNote(): Promise<void> {}
  async resumeVoiceNote(): Promise<void> {}
  async seekVoiceNote(): Promise<void> {}
  async stopVoiceNote(): Promise<void> {}

  /** Whether the profile's dialect has calls but no consultations (the core's setup says). */
  private callsInsteadOfRequests(): boolean {
    const caps = dialectSetup(this.session?.dialect ?? "")?.capabilities ?? [];
    return caps.includes("calls") && !caps.includes("consultations");
  }

  // ----- calls: where the dialect has calls but no requests, Ravi calls once the expert is online -----
  private incomingCall(): void {
    if (this.current !== "online" || this.call?.phase === "ringing" || this.call?.phase === "accepted") return;
    this.setCall({ phase: "ringing", call_id: `call-${this.roomSeq++}`, role: "callee", media: "audio", peer: RAVI });
  }

  private setCall(call: CallSnapshot): void {
    this.call = call;
    if (call.phase !== "ringing" && call.phase !== "accepted" && call.call_id) {
      this.calls = [
        {
          call_id: call.call_id,
          role: "callee",
          media: call.media ?? null,
          peer_id: call.peer?.id ?? null,
          peer_name: call.peer?.name ?? null,
          outcome: call.phase,
          duration_secs: call.duration_secs ?? null,
          coins: call.coins ?? null,
          ended_by: call.ended_by ?? null,
          started_at: this.callStart || Date.now(),
        },
        ...this.calls.filter((c) => c.call_id !== call.call_id),
      ];
    }
    this.emit({ event: "call_state_changed", call });
  }

  private ringing(callId: string): CallSnapshot {
    if (!this.call || this.call.call_id !== callId || this.call.phase !== "ringing") fail("illegal_state", "no call is ringing");
    return this.call;
  }

  async acceptCall(callId: string): Promise<void> {
    const c = this.ringing(callId);
    this.callStart = Date.now();
    this.setCall({ ...c, phase: "accepted" });
    this.later(800, () => {
      this.emit({ event: "call_media", call_id: callId, media: { kind: "connected" } });
      this.emit({ event: "call_media", call_id: callId, media: { kind: "participant_joined", identity: RAVI.id } });
    });
  }
  async rejectCall(callId: string): Promise<void> {
    this.setCall({ ...this.ringing(callId), phase: "rejected" });
  }
  async endCall(callId: string): Promise<void> {
    if (!this.call || this.call.call_id !== callId || this.call.phase !== "accepted") fail("illegal_state", "no call");
    const secs = Math.max(1, Math.round((Date.now() - this.callStart) / 1000));
    const coins = String(Math.ceil(secs / 60) * 15);
    this.setCall({ ...this.call, phase: "ended", duration_secs: secs, coins: { amount: coins, unit: "coins" }, ended_by: "TELECALLER" });
  }
  async setMicrophone(): Promise<void> {}
  async setCamera(): Promise<void> {}
  async callHistory(): Promise<CallRecord[]> {
    return [...this.calls];
  }
  async callState(): Promise<CallSnapshot | null> {
    return this.call;
  }
}
