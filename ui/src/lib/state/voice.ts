/** Voice notes: the recording in progress, notes on their way, and playback positions. */

import type { UiEvent } from "../types";

/** The recorder. */
export interface RecordingState {
  active: boolean;
  maxMs: number;
  /** Position in the recording, ms. */
  atMs: number;
  /** Input level, 0–1. */
  level: number;
  /** How the last recording ended (`stopped`, `max_length`, `cancelled`, `failed`). */
  lastEnd: string | null;
}

/** A voice note of ours on its way (or sent). */
export interface VoiceNoteItem {
  clientId: string;
  conversationId: string;
  state: string;
  sent: number | null;
  total: number | null;
  durationMs: number;
  waveform: readonly number[];
  messageId: string | null;
  fileUrl: string | null;
  error: string | null;
}

/** Playback of one note (by URL). */
export interface PlaybackItem {
  state: "playing" | "paused" | "idle" | "failed";
  positionMs: number;
  durationMs: number | null;
}

/** The voice slice. */
export interface VoiceState {
  recording: RecordingState;
  notes: Readonly<Record<string, VoiceNoteItem>>;
  playback: Readonly<Record<string, PlaybackItem>>;
}

export const emptyVoice: VoiceState = {
  recording: { active: false, maxMs: 0, atMs: 0, level: 0, lastEnd: null },
  notes: {},
  playback: {},
};

/** The slice after `e`. */
export function reduceVoice(s: VoiceState, e: UiEvent): VoiceState {
  switch (e.event) {
    case "recording_started":
      return {
        ...s,
        recording: { active: true, maxMs: e.max_ms, atMs: 0, level: 0, lastEnd: null },
      };
    case "voice_level":
      if (!s.recording.active) return s;
      return {
        ...s,
        recording: { ...s.recording, atMs: e.at_ms, level: clamp01(e.rms ?? 0) },
      };
    case "recording_ended":
      return {
        ...s,
        recording: { ...s.recording, active: false, level: 0, atMs: e.duration_ms, lastEnd: e.reason },
      };
    case "voice_note_changed": {
      const old = s.notes[e.client_id];
      const item: VoiceNoteItem = {
        clientId: e.client_id,
        conversationId: e.conversation_id,
        state: e.state,
        sent: e.sent ?? null,
        total: e.total ?? null,
        durationMs: e.duration_ms,
        waveform: e.waveform.length > 0 ? e.waveform : (old?.waveform ?? []),
        messageId: e.message_id ?? old?.messageId ?? null,
        fileUrl: e.file_url ?? old?.fileUrl ?? null,
        error: e.error ?? null,
      };
      return { ...s, notes: { ...s.notes, [e.client_id]: item } };
    }
    case "upload_progress": {
      const old = s.notes[e.client_id];
      if (!old) return s;
      const item: VoiceNoteItem = { ...old, state: "sending", sent: e.sent, total: e.total };
      return { ...s, notes: { ...s.notes, [e.client_id]: item } };
    }
    case "voice_playback": {
      const old = s.playback[e.url];
      const state = playbackState(e.state);
      const positionMs = state === "idle" ? 0 : (e.position_ms ?? old?.positionMs ?? 0);
      const durationMs = e.duration_ms ?? old?.durationMs ?? null;
      return { ...s, playback: { ...s.playback, [e.url]: { state, positionMs, durationMs } } };
    }
    default:
      return s;
  }
}

/** The core's playback states folded into what a play button needs. */
function playbackState(core: string): PlaybackItem["state"] {
  switch (core) {
    case "started":
    case "position":
    case "resumed":
      return "playing";
    case "paused":
      return "paused";
    case "failed":
      return "failed";
    default:
      return "idle";
  }
}

/** Upload progress 0–1, or null when unknown. */
export function uploadFraction(n: VoiceNoteItem): number | null {
  if (n.sent === null || !n.total) return null;
  return Math.min(1, n.sent / n.total);
}

/** The peaks known for a voice message (by its client id, server id or file URL). */
export function peaksFor(
  s: VoiceState,
  ids: { clientId?: string | null; serverId?: string | null; fileUrl?: string | null },
): readonly number[] {
  if (ids.clientId && s.notes[ids.clientId]) return s.notes[ids.clientId]!.waveform;
  for (const n of Object.values(s.notes)) {
    if ((ids.serverId && n.messageId === ids.serverId) || (ids.fileUrl && n.fileUrl === ids.fileUrl)) {
      return n.waveform;
    }
  }
  return [];
}

/** `count` bar heights 0–1 from 0–255 peaks (resampled by taking each bucket's maximum). */
export function bars(peaks: readonly number[], count: number): number[] {
  if (peaks.length === 0) return Array.from({ length: count }, () => 0.15);
  return Array.from({ length: count }, (_, i) => {
    const from = Math.floor((i * peaks.length) / count);
    const to = Math.max(from + 1, Math.floor(((i + 1) * peaks.length) / count));
    let max = 0;
    for (let j = from; j < to && j < peaks.length; j++) max = Math.max(max, peaks[j]!);
    return Math.max(0.08, max / 255);
  });
}

/** Voice notes of `conversationId` still on their way (not yet a cached message). */
export function outgoingNotes(s: VoiceState, conversationId: string, knownIds: ReadonlySet<string>): VoiceNoteItem[] {
  return Object.values(s.notes).filter(
    (n) =>
      n.conversationId === conversationId &&
      n.state !== "cancelled" &&
      !knownIds.has(n.clientId) &&
      !(n.messageId && knownIds.has(n.messageId)),
  );
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
