/**
 * The whole view state and the one reducer that turns the core's DomainEvents into it.
 * Pure: the time is passed in, so every rule is tested with plain event JSON.
 */

import { t } from "../i18n/index.svelte";
import type { ConnectionState, UiEvent, Party, Presence, SessionInfo } from "../types";
import { type CallsState, emptyCalls, reduceCalls } from "./calls";
import { type ChatsState, emptyChats, reduceChats } from "./chats";
import {
  type ConsultationsState,
  emptyConsultations,
  reduceConsultations,
} from "./consultations";
import { type ConversationsState, reduceConversations } from "./conversation";
import { type RequestItem, reduceRequests } from "./requests";
import { emptyVoice, reduceVoice, type VoiceState } from "./voice";

/** Something the server said that the expert should read (shown as a toast). */
export interface Notice {
  id: number;
  code: string;
  text: string;
}

/** Everything the screens show. */
export interface AppState {
  session: SessionInfo | null;
  /** This account as the server described it. */
  me: Party | null;
  connection: ConnectionState | null;
  /** Epoch ms the connection state arrived (for the retry countdown). */
  connectionAt: number;
  /** The presence the expert chose (confirmed by the server where it answers). */
  presence: Presence;
  /** False when the server has no presence of its own (000: available while connected). */
  presenceOnServer: boolean;
  /** True while a consultation or call takes the expert. */
  busy: boolean;
  requests: readonly RequestItem[];
  consultations: ConsultationsState;
  conversations: ConversationsState;
  /** Chats outside consultations (002 lists them; 003 opens them by id). */
  chats: ChatsState;
  calls: CallsState;
  voice: VoiceState;
  notices: readonly Notice[];
  nextNoticeId: number;
}

export const initialState: AppState = {
  session: null,
  me: null,
  connection: null,
  connectionAt: 0,
  presence: "offline",
  presenceOnServer: true,
  busy: false,
  requests: [],
  consultations: emptyConsultations,
  conversations: {},
  chats: emptyChats,
  calls: emptyCalls,
  voice: emptyVoice,
  notices: [],
  nextNoticeId: 1,
};

/** At most this many notices stay on screen. */
const MAX_NOTICES = 4;

/** The state after `e`, received at `now` (epoch ms). */
export function reduce(s: AppState, e: UiEvent, now: number): AppState {
  const selfId = s.me?.id ?? s.session?.account_id ?? null;
  const next: AppState = {
    ...s,
    requests: reduceRequests(s.requests, e, now),
    consultations: reduceConsultations(s.consultations, e, now),
    conversations: reduceConversations(
      s.conversations,
      e,
      now,
      s.consultations.currentId ?? s.chats.openId,
      selfId,
    ),
    chats: reduceChats(s.chats, e),
    calls: reduceCalls(s.calls, e, now),
    voice: reduceVoice(s.voice, e),
  };
  switch (e.event) {
    case "connection":
      return { ...next, connection: e.state, connectionAt: now };
    case "authenticated":
      return { ...next, me: e.user };
    case "own_presence":
      // Servers know only online/offline; busy is offline there and busy here.
      return { ...next, presence: e.online ? "online" : s.presence === "busy" ? "busy" : "offline" };
    case "expert_busy":
      return { ...next, busy: e.busy };
    case "server_error":
      return notice(next, e.code ?? "server", e.message);
    case "wallet_error":
      return notice(next, "wallet", t("notice.walletLow", { message: e.message }));
    case "call_error":
      return notice(next, "call", t("notice.callError", { message: e.message }));
    case "meter_stopped":
      return e.reason === "insufficient_balance"
        ? notice(next, "wallet", t("notice.walletOut"))
        : next;
    default:
      return next;
  }
}

/** Adds a notice (newest last, oldest dropped past the limit). */
export function notice(s: AppState, code: string, text: string): AppState {
  // The same refusal often arrives twice (the command's answer and the server's error event):
  // keep one, the fuller wording.
  const core = (t: string) => t.trim().replace(/[.!?]$/, "").toLowerCase();
  if (s.notices.some((n) => core(n.text).includes(core(text)))) return s;
  const kept = s.notices.filter((n) => !core(text).includes(core(n.text)));
  const notices = [...kept, { id: s.nextNoticeId, code, text }].slice(-MAX_NOTICES);
  return { ...s, notices, nextNoticeId: s.nextNoticeId + 1 };
}

/** Removes the notice `id`. */
export function dismissNotice(s: AppState, id: number): AppState {
  return { ...s, notices: s.notices.filter((n) => n.id !== id) };
}

/** What the presence toggle shows: busy while taken, whatever was chosen. */
export function shownPresence(s: AppState): Presence {
  if (s.presence === "offline") return "offline";
  return s.busy ? "busy" : s.presence;
}
