/**
 * The preview's consultations: a request from the seeded user, then accept, start, pause,
 * resume and end, with a meter that bills per (short) minute and a bill at the end.
 */

import { add } from "../../decimal";
import type { ConsultationView, ListUpdate, MeterReading } from "../../types";
import type { PreviewMessages } from "./messages";
import { ASHA, fail, type PreviewWorld } from "./world";

const RATE = { amount: "10.00", unit: "INR" };
/** A preview minute lasts 10 s so billing is visible at once. */
const MINUTE_MS = 10_000;

export class PreviewConsultations {
  private listeners = new Set<(change: ListUpdate<ConsultationView>) => void>();
  private consultations = new Map<string, ConsultationView>();
  private meterTimer: number | null = null;
  private activeSince: number | null = null;
  private activeBefore = 0;

  constructor(
    private readonly world: PreviewWorld,
    private readonly messages: PreviewMessages,
  ) {}

  /** The seeded user asks for a consultation (while online, one waiting at a time). */
  incomingRequest(): void {
    const w = this.world;
    if (w.presence !== "online" || [...this.consultations.values()].some((c) => c.state.state === "requested")) return;
    const id = `room-${w.nextSeq()}`;
    const expires = new Date(Date.now() + 60_000).toISOString();
    w.emit({ event: "consultation_requested", consultation_id: id, user: ASHA, kind: "text", rate_per_minute: RATE, expires_at: expires });
    this.update({
      id,
      side: "expert",
      counterpart: ASHA,
      expert_id: w.session?.account_id ?? null,
      kind: "text",
      state: { state: "requested" },
      rate_per_minute: RATE,
      meter: this.reading(false),
      requested_at: new Date().toISOString(),
    });
  }

  private update(c: ConsultationView): void {
    this.consultations.set(c.id, c);
    this.world.emit({ event: "consultation_updated", consultation: c });
    // As the core's observed list does: each change, after the event it follows.
    for (const l of this.listeners) l({ kind: "set", item: c });
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
    this.world.emit({ event: "consultation_answered", consultation_id: id, outcome: accept ? "accepted" : "rejected" });
    this.update({ ...c, state: { state: accept ? "accepted" : "rejected" } });
    if (accept) {
      this.world.emit({ event: "expert_busy", busy: true });
      this.activeBefore = 0;
      this.activeSince = null;
      this.messages.begin(id);
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
      this.world.emit({ event: "meter_update", consultation_id: id, reading: this.reading(true) });
    }, 1000);
  }

  /** Stops the meter's ticks (a pause, the end, sign-out). */
  stopMeter(): void {
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
    this.world.emit({ event: "expert_busy", busy: false });
  }

  async observeConsultations(listener: (change: ListUpdate<ConsultationView>) => void): Promise<() => void> {
    this.listeners.add(listener);
    listener({ kind: "reset", items: [...this.consultations.values()] });
    return () => this.listeners.delete(listener);
  }
}
