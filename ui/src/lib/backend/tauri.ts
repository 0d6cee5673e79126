/**
 * The backend inside the desktop app: every call goes through the generated bindings
 * (`../../bindings`, written by the shell from its Rust commands), so no command name is
 * spelled here. Results arrive as `{status, data | error}` and are unwrapped into values or
 * thrown AppErrors. The bindings describe the same JSON as ../types.ts; the casts below are
 * the one place where the two meet.
 */

import { Channel } from "@tauri-apps/api/core";
import { commands, events } from "../../bindings";
import type {
  CallRecord,
  CallSnapshot,
  ChatMessage,
  ChatSummary,
  ConnectionState,
  ConsultationView,
  DemoInfo,
  DomainEvent,
  EventOf,
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

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: { code: string; message: string } };

/** The value of a command's result, or its error thrown as `{code, message}`. */
async function ok<T>(p: Promise<Outcome<unknown>>): Promise<T> {
  const r = await p;
  if (r.status === "error") throw r.error;
  return r.data as T;
}

export class TauriBackend implements Backend {
  readonly kind = "tauri" as const;

  listProfiles(): Promise<SavedProfile[]> {
    return ok(commands.listProfiles());
  }
  saveProfile(input: ProfileInput, token: string | null): Promise<SavedProfile> {
    return ok(commands.saveProfile(input, token));
  }
  deleteProfile(id: string): Promise<void> {
    return ok(commands.deleteProfile(id));
  }
  signIn(profileId: string): Promise<SessionInfo> {
    return ok(commands.signIn(profileId));
  }
  signOut(): Promise<void> {
    return ok(commands.signOut());
  }
  currentSession(): Promise<SessionInfo | null> {
    return ok(commands.currentSession());
  }
  connectionState(): Promise<ConnectionState | null> {
    return ok(commands.connectionState());
  }
  demoInfo(): Promise<DemoInfo | null> {
    return ok(commands.demoInfo());
  }

  async providerState(): Promise<ProviderState> {
    return (await commands.providerState()) as ProviderState;
  }
  providerSignIn(username: string | null, secret: string | null): Promise<SessionInfo> {
    return ok(commands.providerSignIn(username, secret));
  }
  providerForget(): Promise<void> {
    return ok(commands.providerForget());
  }

  async getSettings(): Promise<Settings> {
    return (await commands.getSettings()) as Settings;
  }
  saveSettings(settings: Settings): Promise<Settings> {
    return ok(commands.saveSettings(settings));
  }
  listOutputDevices(): Promise<string[]> {
    return ok(commands.listOutputDevices());
  }
  async testRing(settings: Settings): Promise<void> {
    await commands.testRing(settings);
  }
  async quitApp(): Promise<void> {
    await commands.quitApp();
  }
  async diagnostics(): Promise<string> {
    return ok(commands.diagnostics());
  }
  checkUpdate(): Promise<UpdateInfo> {
    return ok(commands.checkUpdate());
  }
  installUpdate(): Promise<void> {
    return ok(commands.installUpdate());
  }

  setPresence(presence: Presence): Promise<PresenceChange> {
    return ok(commands.setPresence(presence));
  }
  async presence(): Promise<Presence> {
    return (await commands.presence()) as Presence;
  }

  answerRequest(id: string, accept: boolean): Promise<void> {
    return ok(commands.answerRequest(id, accept));
  }
  startConsultation(id: string): Promise<void> {
    return ok(commands.startConsultation(id));
  }
  pauseConsultation(id: string): Promise<void> {
    return ok(commands.pauseConsultation(id));
  }
  resumeConsultation(id: string): Promise<void> {
    return ok(commands.resumeConsultation(id));
  }
  endConsultation(id: string): Promise<void> {
    return ok(commands.endConsultation(id));
  }
  async observeConsultations(listener: (change: ListUpdate<ConsultationView>) => void): Promise<() => void> {
    return (await observeList(listener, (channel) => commands.observeConsultations(channel))).stop;
  }
  async observeChats(listener: (change: ListUpdate<ChatSummary>) => void): Promise<() => void> {
    return (await observeList(listener, (channel) => commands.observeChats(channel))).stop;
  }
  refreshChats(): Promise<void> {
    return ok(commands.refreshChats());
  }
  joinConversation(conversationId: string): Promise<void> {
    return ok(commands.joinConversation(conversationId));
  }
  async observeMessages(
    conversationId: string,
    limit: number,
    listener: (change: ListUpdate<ChatMessage>) => void,
  ): Promise<{ hasMore: boolean; stop: () => void }> {
    const { answer, stop } = await observeList(listener, (channel) =>
      commands.observeMessages(conversationId, limit, channel),
    );
    return { hasMore: answer, stop };
  }
  async sendMessage(conversationId: string, text: string, replyTo: string | null): Promise<void> {
    await ok<string>(commands.sendMessage(conversationId, text, replyTo));
  }
  setTyping(conversationId: string, typing: boolean): Promise<void> {
    return ok(commands.setTyping(conversationId, typing));
  }
  markRead(conversationId: string, messageIds: string[]): Promise<void> {
    return ok(commands.markRead(conversationId, messageIds));
  }
  react(conversationId: string, messageId: string, emoji: string): Promise<void> {
    return ok(commands.react(conversationId, messageId, emoji));
  }
  retryMessage(conversationId: string, clientId: string): Promise<void> {
    return ok(commands.retryMessage(conversationId, clientId));
  }
  discardMessage(conversationId: string, clientId: string): Promise<void> {
    return ok(commands.discardMessage(conversationId, clientId));
  }

  startRecording(): Promise<void> {
    return ok(commands.startRecording(null, null));
  }
  stopRecording(conversationId: string): Promise<void> {
    return ok(commands.stopRecording(conversationId));
  }
  cancelRecording(): Promise<void> {
    return ok(commands.cancelRecording());
  }
  playVoiceNote(url: string): Promise<void> {
    return ok(commands.playVoiceNote(url));
  }
  pauseVoiceNote(): Promise<void> {
    return ok(commands.pauseVoiceNote());
  }
  resumeVoiceNote(): Promise<void> {
    return ok(commands.resumeVoiceNote());
  }
  seekVoiceNote(positionMs: number): Promise<void> {
    return ok(commands.seekVoiceNote(Math.max(0, Math.round(positionMs))));
  }
  stopVoiceNote(): Promise<void> {
    return ok(commands.stopVoiceNote());
  }

  acceptCall(callId: string): Promise<void> {
    return ok(commands.acceptCall(callId));
  }
  rejectCall(callId: string): Promise<void> {
    return ok(commands.rejectCall(callId));
  }
  endCall(callId: string): Promise<void> {
    return ok(commands.endCall(callId));
  }
  setMicrophone(on: boolean): Promise<void> {
    return ok(commands.setMicrophone(on));
  }
  setCamera(on: boolean): Promise<void> {
    return ok(commands.setCamera(on));
  }
  callHistory(limit: number): Promise<CallRecord[]> {
    return ok(commands.callHistory(limit));
  }
  callState(): Promise<CallSnapshot | null> {
    return ok(commands.callState());
  }

  /**
   * The core's events arrive as the typed `CoreEvent`; the high-rate streams (meter, levels,
   * upload progress, playback) on Channels, turned back into the events they stand for.
   */
  async onEvent(listener: (e: UiEvent) => void): Promise<() => void> {
    const unlisten = await events.coreEvent.listen((e) => listener(e.payload as unknown as DomainEvent));
    const shell = await Promise.all([
      events.showWaiting.listen((e) => listener({ event: "show_waiting", ...e.payload })),
      events.quitRequested.listen((e) => listener({ event: "quit_requested", ...e.payload })),
      events.presenceSet.listen((e) => listener({ event: "presence_set", ...e.payload })),
    ]);

    const meter = new Channel<{ consultation_id: string; reading: unknown }>();
    meter.onmessage = (m) =>
      listener({ event: "meter_update", ...(m as Omit<EventOf<"meter_update">, "event">) });
    const levels = new Channel<{ at_ms: number; rms: number | null }>();
    levels.onmessage = (m) => listener({ event: "voice_level", at_ms: m.at_ms, rms: m.rms ?? 0 });
    const uploads = new Channel<{ client_id: string; conversation_id: string; sent: number; total: number }>();
    uploads.onmessage = (m) => listener({ event: "upload_progress", ...m });
    const playback = new Channel<{ url: string; state: string; position_ms: number | null; duration_ms: number | null }>();
    playback.onmessage = (m) => listener({ event: "voice_playback", ...m });

    await Promise.all([
      commands.subscribeMeter(meter as never),
      commands.subscribeVoiceLevels(levels as never),
      commands.subscribeUploadProgress(uploads as never),
      commands.subscribePlayback(playback as never),
    ]);
    return () => {
      unlisten();
      for (const u of shell) u();
      // Channels stop when the page goes; there is no unsubscribe command.
      meter.onmessage = () => {};
      levels.onmessage = () => {};
      uploads.onmessage = () => {};
      playback.onmessage = () => {};
    };
  }
}

/**
 * Starts observing a list the shell forwards on a channel: `start` passes the channel to its
 * command; resolves with the command's answer once the first `reset` is applied. The shell's
 * task ends when the page or the session goes, or when the same list is observed again; a new
 * observation sends on a new channel, so `stop` only has to silence this one.
 */
async function observeList<T, A>(
  listener: (change: ListUpdate<T>) => void,
  start: (channel: Channel<ListUpdate<T>>) => Promise<Outcome<A>>,
): Promise<{ answer: A; stop: () => void }> {
  const channel = new Channel<ListUpdate<T>>();
  let stopped = false;
  const first = new Promise<void>((resolve) => {
    channel.onmessage = (change) => {
      if (stopped) return;
      listener(change);
      if (change.kind === "reset") resolve();
    };
  });
  const answer = await ok<A>(start(channel));
  await first;
  return {
    answer,
    stop: () => {
      stopped = true;
    },
  };
}
