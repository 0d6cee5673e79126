/**
 * The one door between the page and the desktop shell. Components and the store call this
 * interface; only `tauri.ts` touches the generated bindings.
 */

import type {
  CallRecord,
  CallSnapshot,
  ChatMessage,
  ChatSummary,
  ConnectionState,
  ConsultationView,
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

/** Everything the page can ask of the shell. Failures reject with an AppError `{code, message}`. */
export interface Backend {
  /** `tauri` inside the app, `preview` in a plain browser (a built-in simulation). */
  readonly kind: "tauri" | "preview";

  // profiles and session
  listProfiles(): Promise<SavedProfile[]>;
  /** Saves a profile (`input.id` null: a new one); the token goes to the OS keyring (null keeps the stored one). */
  saveProfile(input: ProfileInput, token: string | null): Promise<SavedProfile>;
  deleteProfile(id: string): Promise<void>;
  signIn(profileId: string): Promise<SessionInfo>;
  signOut(): Promise<void>;
  /** The session already running (demo mode, or a reload of the page), if any. */
  currentSession(): Promise<SessionInfo | null>;
  connectionState(): Promise<ConnectionState | null>;
  demoInfo(): Promise<DemoInfo | null>;

  // the provider (app teams' provider file): sign in with user name and password, or a token
  providerState(): Promise<ProviderState>;
  /** Signs in through the provider; nulls use the saved credentials. */
  providerSignIn(username: string | null, secret: string | null): Promise<SessionInfo>;
  providerForget(): Promise<void>;

  // settings and the app
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<Settings>;
  listOutputDevices(): Promise<string[]>;
  /** One chime with these (unsaved) settings. */
  testRing(settings: Settings): Promise<void>;
  /** Goes offline where available and quits. */
  quitApp(): Promise<void>;
  /** Version, system, settings, profile without secrets, last log lines. */
  diagnostics(): Promise<string>;
  /** Asks the update feed for a newer version. */
  checkUpdate(): Promise<UpdateInfo>;
  /** Downloads, verifies (signature), installs the update and restarts into it. */
  installUpdate(): Promise<void>;

  // presence
  setPresence(presence: Presence): Promise<PresenceChange>;
  /** The presence the shell keeps for this session. */
  presence(): Promise<Presence>;

  // consultations
  answerRequest(consultationId: string, accept: boolean): Promise<void>;
  startConsultation(consultationId: string): Promise<void>;
  pauseConsultation(consultationId: string): Promise<void>;
  resumeConsultation(consultationId: string): Promise<void>;
  endConsultation(consultationId: string): Promise<void>;
  /**
   * Follows every consultation as the core keeps it: `listener` gets a `reset` with the whole
   * list (before this resolves), then each change. Returns the function that stops it.
   */
  observeConsultations(listener: (change: ListUpdate<ConsultationView>) => void): Promise<() => void>;

  // messaging
  /**
   * Follows this account's chats as the core keeps them (those the server listed or that were
   * joined): `listener` gets a `reset` (before this resolves), then each change; a listing the
   * server sends later arrives as a `reset`. Returns the function that stops it.
   */
  observeChats(listener: (change: ListUpdate<ChatSummary>) => void): Promise<() => void>;
  /** Asks the server for its list of chats again (nothing where it cannot list them). */
  refreshChats(): Promise<void>;
  /** Joins a conversation's room so its messages arrive (where the server has rooms). */
  joinConversation(conversationId: string): Promise<void>;
  /**
   * Follows a conversation's latest `limit` messages as the core's cache keeps them:
   * `listener` gets a `reset` (before this resolves), then each message that appears or
   * changes (a server backfill too). Observing the same conversation again, with a larger
   * `limit` to show older messages, replaces the last observation. Resolves to whether older
   * messages exist beyond the window, and the function that stops it.
   */
  observeMessages(
    conversationId: string,
    limit: number,
    listener: (change: ListUpdate<ChatMessage>) => void,
  ): Promise<{ hasMore: boolean; stop: () => void }>;
  sendMessage(conversationId: string, text: string, replyTo: string | null): Promise<void>;
  setTyping(conversationId: string, typing: boolean): Promise<void>;
  markRead(conversationId: string, messageIds: string[]): Promise<void>;
  /** Toggles this account's `emoji` on a message. */
  react(conversationId: string, messageId: string, emoji: string): Promise<void>;
  retryMessage(conversationId: string, clientId: string): Promise<void>;
  discardMessage(conversationId: string, clientId: string): Promise<void>;

  // voice notes
  startRecording(): Promise<void>;
  stopRecording(conversationId: string): Promise<void>;
  cancelRecording(): Promise<void>;
  playVoiceNote(url: string): Promise<void>;
  pauseVoiceNote(): Promise<void>;
  resumeVoiceNote(): Promise<void>;
  seekVoiceNote(positionMs: number): Promise<void>;
  stopVoiceNote(): Promise<void>;

  // calls
  acceptCall(callId: string): Promise<void>;
  rejectCall(callId: string): Promise<void>;
  endCall(callId: string): Promise<void>;
  setMicrophone(on: boolean): Promise<void>;
  setCamera(on: boolean): Promise<void>;
  callHistory(limit: number): Promise<CallRecord[]>;
  callState(): Promise<CallSnapshot | null>;

  /** Every core event and stream update, in order. Returns the function that stops listening. */
  onEvent(listener: (e: UiEvent) => void): Promise<() => void>;
}
