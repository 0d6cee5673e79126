/**
 * A self-contained simulation of the shell for running the page in a plain browser (design
 * work, screenshots of the UI alone). It follows the billing-chat story: going online brings
 * a request from a seeded user; accepting opens a chat that is billed per minute; the user
 * answers messages. The page says "Preview" whenever this backend is in use.
 *
 * This class is the session, presence and the app's odds and ends; the simulations it hands the
 * rest to live in ./preview/ (consultations and the meter, messages, calls, stored profiles and
 * settings), sharing one PreviewWorld (events, session, presence, timers).
 */

import { dialectSetup } from "../dialects";
import type {
  CallRecord,
  CallSnapshot,
  ChatMessage,
  ConnectionState,
  ConsultationView,
  ChatSummary,
  DemoInfo,
  ListUpdate,
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
import { PreviewCalls } from "./preview/calls";
import { PreviewConsultations } from "./preview/consultations";
import { PreviewMessages } from "./preview/messages";
import * as profiles from "./preview/profiles";
import { fail, PreviewWorld } from "./preview/world";

export class PreviewBackend implements Backend {
  readonly kind = "preview" as const;
  private world = new PreviewWorld();
  private messages = new PreviewMessages(this.world);
  private consultations = new PreviewConsultations(this.world, this.messages);
  private calls = new PreviewCalls(this.world);

  async onEvent(listener: (e: UiEvent) => void): Promise<() => void> {
    this.world.listeners.add(listener);
    return () => this.world.listeners.delete(listener);
  }

  // ----- profiles -----
  async listProfiles(): Promise<SavedProfile[]> {
    return profiles.loadProfiles();
  }

  async saveProfile(input: ProfileInput, token: string | null): Promise<SavedProfile> {
    return profiles.saveProfile(input, token);
  }

  async deleteProfile(id: string): Promise<void> {
    profiles.deleteProfile(id);
  }

  async signIn(profileId: string): Promise<SessionInfo> {
    const w = this.world;
    const profile = profiles.loadProfiles().find((p) => p.id === profileId);
    if (!profile) fail("no_profile", "no such profile");
    w.session = {
      profile_id: profile.id,
      profile_name: profile.name,
      account_id: profile.account_id ?? "a-sharma",
      dialect: profile.dialect,
      capabilities: ["consultations", "live_billing", "presence", "messaging", "typing", "read_receipts", "reactions", "replies", "calls"],
      call_media: false,
      currency: "INR",
    };
    w.emit({ event: "connection", state: { state: "connecting", attempt: 1 } });
    w.later(400, () => {
      w.emit({ event: "connection", state: { state: "connected" } });
      w.emit({ event: "authenticated", user: { id: w.session?.account_id ?? "a-sharma", name: "Pandit Sharma", role: "astrologer" } });
    });
    return w.session!;
  }

  async signOut(): Promise<void> {
    this.world.cancelTimers();
    this.consultations.stopMeter();
    this.world.session = null;
    this.world.emit({ event: "connection", state: { state: "disconnected", reason: "signed out" } });
  }

  async currentSession(): Promise<SessionInfo | null> {
    return this.world.session;
  }

  async connectionState(): Promise<ConnectionState | null> {
    return this.world.session ? { state: "connected" } : null;
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
    return profiles.loadSettings();
  }

  async saveSettings(settings: Settings): Promise<Settings> {
    return profiles.saveSettings(settings);
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
    return `Parlor (preview in a browser)\nSigned in: ${this.world.session?.profile_name ?? "no"}\n`;
  }

  // ----- presence: going online brings a request, or a call where the dialect has calls only -----
  async setPresence(presence: Presence): Promise<PresenceChange> {
    const w = this.world;
    w.presence = presence;
    w.emit({ event: "own_presence", online: presence === "online" });
    if (presence === "online") {
      w.later(2500, () => (this.callsInsteadOfRequests() ? this.calls.incomingCall() : this.consultations.incomingRequest()));
    }
    return { presence, on_server: true };
  }

  async presence(): Promise<Presence> {
    return this.world.presence;
  }

  /** Whether the profile's dialect has calls but no consultations (the core's setup says). */
  private callsInsteadOfRequests(): boolean {
    const caps = dialectSetup(this.world.session?.dialect ?? "")?.capabilities ?? [];
    return caps.includes("calls") && !caps.includes("consultations");
  }

  // ----- consultations: ./preview/consultations.ts -----
  answerRequest(id: string, accept: boolean): Promise<void> {
    return this.consultations.answerRequest(id, accept);
  }
  startConsultation(id: string): Promise<void> {
    return this.consultations.startConsultation(id);
  }
  pauseConsultation(id: string): Promise<void> {
    return this.consultations.pauseConsultation(id);
  }
  resumeConsultation(id: string): Promise<void> {
    return this.consultations.resumeConsultation(id);
  }
  endConsultation(id: string): Promise<void> {
    return this.consultations.endConsultation(id);
  }
  observeConsultations(listener: (change: ListUpdate<ConsultationView>) => void): Promise<() => void> {
    return this.consultations.observeConsultations(listener);
  }

  // ----- messaging: ./preview/messages.ts -----
  observeChats(listener: (change: ListUpdate<ChatSummary>) => void): Promise<() => void> {
    return this.messages.observeChats(listener);
  }

  async refreshChats(): Promise<void> {}

  async joinConversation(): Promise<void> {
    // The simulation delivers every message without rooms.
  }

  observeMessages(
    conversationId: string,
    limit: number,
    listener: (change: ListUpdate<ChatMessage>) => void,
  ): Promise<{ hasMore: boolean; stop: () => void }> {
    return this.messages.observeMessages(conversationId, limit, listener);
  }
  sendMessage(conversationId: string, text: string, replyTo: string | null): Promise<void> {
    return this.messages.sendMessage(conversationId, text, replyTo);
  }

  async setTyping(): Promise<void> {}

  async markRead(): Promise<void> {}

  react(conversationId: string, messageId: string, emoji: string): Promise<void> {
    return this.messages.react(conversationId, messageId, emoji);
  }
  retryMessage(conversationId: string, clientId: string): Promise<void> {
    return this.messages.retryMessage(conversationId, clientId);
  }
  discardMessage(conversationId: string, clientId: string): Promise<void> {
    return this.messages.discardMessage(conversationId, clientId);
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

  // ----- calls: ./preview/calls.ts -----
  acceptCall(callId: string): Promise<void> {
    return this.calls.acceptCall(callId);
  }
  rejectCall(callId: string): Promise<void> {
    return this.calls.rejectCall(callId);
  }
  endCall(callId: string): Promise<void> {
    return this.calls.endCall(callId);
  }
  async setMicrophone(): Promise<void> {}
  async setCamera(): Promise<void> {}
  callHistory(): Promise<CallRecord[]> {
    return this.calls.callHistory();
  }
  callState(): Promise<CallSnapshot | null> {
    return this.calls.callState();
  }
}
