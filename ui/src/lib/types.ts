/**
 * The JSON shapes the core sends, as generated from the Rust types by tauri-specta into
 * `../bindings.ts` (`cargo run -p parlor-desktop --example export-bindings`; `cargo test`
 * fails when it is stale). Only types are taken from there, so the state modules still build
 * and test without the Tauri runtime. The types below are the page's own.
 */

export type {
  ConversationInfo,
  ChatSummary,
  Money,
  ConsultationKind,
  RequestOutcome,
  CallMedia,
  Presence,
  MessageKind,
  DeliveryState,
  DialectId,
  DialectSetup,
  Side,
  EndedBy,
  EndReason,
  Party,
  Expert,
  Message,
  ChatMessage,
  PageSource,
  ConnectionState,
  ConsultationState,
  MeterReading,
  Bill,
  ConsultationView,
  CallRole,
  CallPhase,
  LiveKitGrant,
  CallSnapshot,
  TrackKind,
  MediaEvent,
  CallRecord,
  DomainEvent,
  SavedProfile,
  ProfileInput,
  Capability,
  SessionInfo,
  DemoInfo,
  PresenceChange,
  AppError,
  UploadProgress,
  Settings,
  ProviderInfo,
  ProviderState,
  UpdateInfo,
  ListUpdate,
} from "../bindings";

import type { ChatMessage, ChatSummary, ConsultationView, DomainEvent, ListUpdate, Presence, UploadProgress } from "../bindings";

/** The event named `name`. */
export type EventOf<N extends DomainEvent["event"]> = Extract<DomainEvent, { event: N }>;

/**
 * What the store consumes: the core's events, plus upload progress, which the shell sends on
 * its own stream rather than as a `voice_note_changed`, and the changes of the lists the core
 * observes (`consultations_changed`, `chats_changed`, `messages_changed`: the first of each is a
 * `reset` with the whole list), and how far a conversation's window reaches (`messages_window`).
 */
export type UiEvent =
  | DomainEvent
  | ({ event: "upload_progress" } & UploadProgress)
  | { event: "consultations_changed"; change: ListUpdate<ConsultationView> }
  | { event: "chats_changed"; change: ListUpdate<ChatSummary> }
  | { event: "messages_changed"; conversation_id: string; change: ListUpdate<ChatMessage> }
  | { event: "messages_window"; conversation_id: string; limit: number; has_more: boolean }
  | ShellEvent;

/**
 * What the shell itself tells the page: a notification's click asks to show a waiting request
 * or call, the tray asks to confirm quitting, the tray changed the presence.
 */
export type ShellEvent =
  | { event: "show_waiting"; id: string; kind: string }
  | { event: "quit_requested"; presence: Presence }
  | { event: "presence_set"; presence: Presence; on_server: boolean };
