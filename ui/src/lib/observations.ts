/**
 * The lists the page follows from the core (consultations, chats, each open conversation),
 * by key: following a list again (a conversation's larger window) stops the last observation
 * of it, and sign-out stops them all.
 */
export class Observations {
  private stops = new Map<string, () => void>();

  /** Keeps `stop` for list `key`, stopping the observation it replaces. */
  keep(key: string, stop: () => void): void {
    this.stops.get(key)?.();
    this.stops.set(key, stop);
  }

  /** Stops every observation. */
  stopAll(): void {
    for (const stop of this.stops.values()) stop();
    this.stops.clear();
  }
}
