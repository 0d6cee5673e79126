/**
 * The JSON shapes the core sends (serde, see core/src/event.rs and core/src/model.rs).
 * Written by hand so the state modules can be built and tested on their own; the shell's
 * generated bindings.ts describes the same shapes, and backend.ts is the only place that
 * touches it.
 */

/** A conversation as a server lists it (core `ConversationInfo`; 002 chat sessions). */
export interface ConversationInfo {
  id: string;
  /** As the server spells it: active, ACTIVE, CLOSED, ended… */
  status?: string | null;
  /** Participant ids. */
  participants: string[];
  unread?: number | null;
  /** When the last message was sent (server time string). */
  last_message_at?: string | null;
}

/** A decimal amount as a string (`"12.50"`), with its unit when the server says. */
export interface Money {
  amount: string;
  unit?: string | null;
}

export type ConsultationKind = "text" | "audio" | "video";
export type RequestOutcome = "accepted" | "rejected" | "expired" | "cancelled";
export type CallMedia = "audio" | "video";
export type Presence = "online" | "offline" | "busy";
export type MessageKind = "text" | "voice" | "image" | "file" | "system";
export type DeliveryState =
  | "pending"
  | "sending"
  | "sent"
  | "delivered"
  | "read"
  | "failed"
  | "received";
export type DialectId =
  | "billing-chat"
  | "presence-sessions"
  | "tarot-chat"
  | "support-chat"
  | "telecaller";
export type Side = "user" | "expert";
export type EndedBy = "user" | "expert" | "admin" | "system";
export type EndReason = "ended" | "insufficient_balance" | "disconnect" | "admin";

export interface Party {
  id: string;
  name?: string | null;
  avatar?: string | null;
  role?: string | null;
  email?: string | null;
}

export interface Expert {
  party: Party;
  presence: Presence;
  rate_per_minute?: Money | null;
  language?: string | null;
  about?: string | null;
}

/** A message as a server sent it (older events). */
export interface Message {
  id: string;
  conversation_id: string;
  client_id?: string | null;
  sender: Party;
  kind: MessageKind;
  text?: string | null;
  file_url?: string | null;
  file_name?: string | null;
  reply_to?: string | null;
  sent_at?: string | null;
  read?: boolean | null;
  reactions?: Partial<Record<string, string[]>>;
  duration_secs?: number | null;
}

/** A message in the local cache, ours or theirs, with its delivery state. */
export interface ChatMessage {
  local_id: number;
  conversation_id: string;
  client_id?: string | null;
  server_id?: string | null;
  sender: Party;
  own: boolean;
  kind: MessageKind;
  text?: string | null;
  file_url?: string | null;
  file_name?: string | null;
  reply_to?: string | null;
  state: DeliveryState;
  error?: string | null;
  server_time?: string | null;
  sort_ts: number;
  reactions?: Partial<Record<string, string[]>>;
  read_by?: string[];
  /** A voice note's length, when known. */
  duration_ms?: number | null;
  /** A voice note's peaks (0–255): ours from the start, a received one once played. */
  waveform?: number[];
}

export type PageSource = "cache" | "server";

export type ConnectionState =
  | { state: "connecting"; attempt: number }
  | { state: "connected" }
  | { state: "reconnecting"; attempt: number; delay_ms: number; reason: string }
  | { state: "disconnected"; reason: string }
  | { state: "auth_failed"; message: string };

export type ConsultationState =
  | { state: "requested" }
  | { state: "accepted" }
  | { state: "rejected" }
  | { state: "expired" }
  | { state: "cancelled" }
  | { state: "active" }
  | { state: "paused" }
  | { state: "ended"; by: EndedBy | null; reason: EndReason };

export interface MeterReading {
  elapsed_ms: number;
  billed_minutes: string;
  cost: Money;
  balance?: Money | null;
  runs_out_in_ms?: number | null;
  running: boolean;
}

export interface Bill {
  minutes: string;
  rate_per_minute?: Money | null;
  total: Money;
  ended_by?: EndedBy | null;
  reason: EndReason;
}

export interface ConsultationView {
  id: string;
  side: Side;
  counterpart?: Party | null;
  expert_id?: string | null;
  kind?: ConsultationKind | null;
  state: ConsultationState;
  rate_per_minute?: Money | null;
  meter: MeterReading;
  bill?: Bill | null;
  requested_at?: string | null;
  started_at?: string | null;
  ended_at?: string | null;
}

export type CallRole = "caller" | "callee";

export type CallPhase =
  | { phase: "idle" }
  | { phase: "initiating" }
  | { phase: "ringing" }
  | { phase: "accepted" }
  | { phase: "ended" }
  | { phase: "rejected" }
  | { phase: "cancelled" }
  | { phase: "missed" }
  | { phase: "failed"; reason: string };

export interface LiveKitGrant {
  url: string;
  token: string;
  room: string;
}

/** The call now; `phase` is flattened into it (`{"phase":"failed","reason":…}`). */
export type CallSnapshot = CallPhase & {
  call_id?: string | null;
  role?: CallRole | null;
  media?: CallMedia | null;
  peer?: Party | null;
  livekit?: LiveKitGrant | null;
  duration_secs?: number | null;
  coins?: Money | null;
  ended_by?: string | null;
};

export type TrackKind = "audio" | "video";

export type MediaEvent =
  | { kind: "connected" }
  | { kind: "participant_joined"; identity: string }
  | { kind: "participant_left"; identity: string }
  | { kind: "track_subscribed"; identity: string; track: TrackKind }
  | { kind: "reconnecting" }
  | { kind: "reconnected" }
  | { kind: "disconnected"; reason: string };

export interface CallRecord {
  call_id: string;
  role: CallRole;
  media?: CallMedia | null;
  peer_id?: string | null;
  peer_name?: string | null;
  outcome: string;
  reason?: string | null;
  duration_secs?: number | null;
  coins?: Money | null;
  ended_by?: string | null;
  started_at: number;
}

/** Every event the core publishes (JSON tag `event`). */
export type DomainEvent =
  | { event: "connection"; state: ConnectionState }
  | { event: "authenticated"; user: Party }
  | { event: "protocol_error"; wire_event: string; reason: string; raw: unknown }
  | { event: "server_error"; code?: string | null; message: string; source: string }
  | {
      event: "consultation_request_sent";
      consultation_id: string;
      kind?: ConsultationKind | null;
      expert_id?: string | null;
      rate_per_minute?: Money | null;
      expires_at?: string | null;
    }
  | { event: "consultation_request_failed"; code?: string | null; message: string }
  | {
      event: "consultation_requested";
      consultation_id: string;
      user: Party;
      kind: ConsultationKind;
      rate_per_minute?: Money | null;
      expires_at?: string | null;
    }
  | {
      event: "consultation_answered";
      consultation_id: string;
      outcome: RequestOutcome;
      message?: string | null;
      channel?: string | null;
    }
  | {
      event: "consultation_started";
      consultation_id?: string | null;
      started_at?: string | null;
      rate_per_minute?: Money | null;
      balance?: Money | null;
    }
  | { event: "consultation_paused"; consultation_id?: string | null; by?: string | null }
  | { event: "consultation_resumed"; consultation_id?: string | null; by?: string | null }
  | {
      event: "consultation_ended";
      consultation_id?: string | null;
      minutes?: string | null;
      total?: Money | null;
      ended_by?: string | null;
      reason?: string | null;
      balance?: Money | null;
    }
  | {
      event: "meter_tick";
      consultation_id: string;
      minutes: string;
      cost: Money;
      balance?: Money | null;
      state?: string | null;
    }
  | { event: "wallet_error"; message: string; required_balance?: Money | null }
  | { event: "admin_report"; ok: boolean; message: string; consultations?: unknown[] }
  | { event: "experts_online"; experts: Expert[] }
  | { event: "expert_presence"; expert_id: string; presence: Presence; expert?: Expert | null }
  | { event: "own_presence"; online: boolean }
  | { event: "conversation_joined"; conversation_id: string; recent?: Message[] }
  | { event: "conversation_left"; conversation_id: string }
  | { event: "message_received"; message: Message }
  | {
      event: "message_sent";
      conversation_id?: string | null;
      server_id: string;
      client_id?: string | null;
      message?: Message | null;
    }
  | {
      event: "message_failed";
      conversation_id?: string | null;
      client_id?: string | null;
      code?: string | null;
      message: string;
    }
  | { event: "typing_changed"; conversation_id?: string | null; user: Party; typing: boolean }
  | {
      event: "reaction_changed";
      conversation_id?: string | null;
      message_id: string;
      user: Party;
      emoji: string;
      added?: boolean | null;
      totals?: Partial<Record<string, number>>;
    }
  | {
      event: "messages_read";
      conversation_id?: string | null;
      user_id: string;
      message_ids: string[];
      read_at?: string | null;
    }
  | { event: "read_counts"; counts: Partial<Record<string, number>> }
  | {
      event: "participant_changed";
      conversation_id?: string | null;
      user: Party;
      joined: boolean;
      at?: string | null;
    }
  | { event: "conversation_status_changed"; conversation_id: string; status: string }
  | { event: "active_users"; conversation_id: string; user_ids: string[] }
  | { event: "history"; conversation_id: string; messages: Message[]; has_more: boolean }
  | { event: "conversations"; conversations: ConversationInfo[] }
  | { event: "call_ringing"; call_id: string; callee?: Party | null }
  | { event: "call_incoming"; call_id: string; media: CallMedia; caller: Party }
  | {
      event: "call_accepted";
      call_id: string;
      livekit: LiveKitGrant;
      media?: CallMedia | null;
      caller?: Party | null;
    }
  | { event: "call_rejected"; call_id: string }
  | { event: "call_cancelled"; call_id: string }
  | { event: "call_missed"; call_id: string }
  | {
      event: "call_ended";
      call_id: string;
      duration_secs?: number | null;
      coins?: Money | null;
      ended_by?: string | null;
    }
  | { event: "call_error"; message: string }
  | { event: "agora_join_ready"; join: unknown }
  | { event: "consultation_updated"; consultation: ConsultationView }
  | { event: "meter_update"; consultation_id: string; reading: MeterReading }
  | { event: "low_balance_warning"; consultation_id: string; reading: MeterReading }
  | {
      event: "meter_stopped";
      consultation_id: string;
      reason: EndReason;
      required_balance?: Money | null;
    }
  | { event: "consultation_list"; consultations: ConsultationView[] }
  | { event: "expert_busy"; busy: boolean }
  | { event: "experts_snapshot"; experts: Expert[] }
  | { event: "expert_updated"; expert: Expert }
  | { event: "expert_removed"; expert_id: string }
  | { event: "raw_reply"; wire_event: string; args: unknown[] }
  | { event: "call_state_changed"; call: CallSnapshot }
  | { event: "call_media"; call_id: string; media: MediaEvent }
  | { event: "call_history"; calls: CallRecord[] }
  | { event: "chat_message_changed"; message: ChatMessage }
  | { event: "chat_message_discarded"; conversation_id: string; client_id: string }
  | {
      event: "messages_page";
      conversation_id: string;
      before?: number | null;
      messages: ChatMessage[];
      has_more: boolean;
      source: PageSource;
    }
  | { event: "search_results"; query: string; messages: ChatMessage[] }
  | { event: "input_devices"; names: string[] }
  | { event: "recording_started"; max_ms: number }
  | { event: "voice_level"; at_ms: number; rms: number }
  | { event: "recording_ended"; reason: string; duration_ms: number }
  | {
      event: "voice_note_changed";
      client_id: string;
      conversation_id: string;
      state: string;
      sent?: number | null;
      total?: number | null;
      duration_ms: number;
      waveform: number[];
      message_id?: string | null;
      file_url?: string | null;
      error?: string | null;
    }
  | {
      event: "voice_playback";
      url: string;
      state: string;
      position_ms?: number | null;
      duration_ms?: number | null;
    };

/** The event named `name`. */
export type EventOf<N extends DomainEvent["event"]> = Extract<DomainEvent, { event: N }>;

/** A saved server profile (the token lives in the OS keyring, never here). */
export interface SavedProfile {
  id: string;
  name: string;
  dialect: DialectId;
  socket_url: string;
  rest_url: string | null;
  namespace: string;
  account_id: string | null;
  billing_minute_ms: number | null;
  allow_plaintext: boolean;
  has_token: boolean;
}

/** What the sign-in form sends to create (no id) or update a profile. */
export interface ProfileInput {
  id: string | null;
  name: string;
  dialect: DialectId;
  socket_url: string;
  rest_url: string | null;
  namespace: string | null;
  account_id: string | null;
  billing_minute_ms: number | null;
  allow_plaintext: boolean | null;
}

/** A capability of the signed-in server (core `Capability`). */
export type Capability =
  | "consultations"
  | "live_billing"
  | "admin_monitor"
  | "presence"
  | "messaging"
  | "history"
  | "typing"
  | "read_receipts"
  | "reactions"
  | "replies"
  | "active_users"
  | "conversation_status"
  | "voice_notes"
  | "calls"
  | "agora";

/** Who is signed in where, and what the server can do. */
export interface SessionInfo {
  profile_id: string | null;
  profile_name: string;
  account_id: string | null;
  dialect: DialectId;
  capabilities: Capability[];
  /** Whether calls can carry media on this machine. */
  call_media: boolean;
}

/** Demo mode: the app was started with a profile file and signs in by itself. */
export interface DemoInfo {
  profile_path: string;
  profile_name: string;
  session: SessionInfo | null;
  error: AppError | null;
}

/** The answer to a presence change: `on_server` is false where the server has no presence. */
export interface PresenceChange {
  presence: Presence;
  on_server: boolean;
}

/** An error from the shell: the core's code and a message. */
export interface AppError {
  code: string;
  message: string;
}

/** Upload progress of a voice note (a stream of its own). */
export interface UploadProgress {
  client_id: string;
  conversation_id: string;
  sent: number;
  total: number;
}

/**
 * What the store consumes: the core's events, plus upload progress, which the shell sends on
 * its own stream rather than as a `voice_note_changed`.
 */
export type UiEvent = DomainEvent | ({ event: "upload_progress" } & UploadProgress);
