/**
 * What the preview's simulations share: the event stream to the page, the signed-in session,
 * the expert's presence, the timers sign-out cancels, and the seeded user who asks and writes.
 */

import type { DomainEvent, Presence, SessionInfo, UiEvent } from "../../types";

/** The seeded user who asks for a consultation and answers in its chat. */
export const ASHA = { id: "u-asha", name: "Asha Verma" };

/** Rejects as the shell does: an AppError `{code, message}`. */
export function fail(code: string, message: string): never {
  throw { code, message };
}

export class PreviewWorld {
  readonly listeners = new Set<(e: UiEvent) => void>();
  session: SessionInfo | null = null;
  presence: Presence = "offline";
  private timers: number[] = [];
  /** Rooms and calls draw their numbers from one sequence. */
  private roomSeq = 1;

  emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  later(ms: number, f: () => void): void {
    this.timers.push(window.setTimeout(f, ms));
  }

  /** Cancels everything scheduled (sign-out). */
  cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  nextSeq(): number {
    return this.roomSeq++;
  }
}
