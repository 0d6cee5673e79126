/**
 * The preview's calls: where the dialect has calls but no requests, Ravi calls once the expert
 * is online; accepting, rejecting and ending it, and the history of calls that ended.
 */

import type { CallRecord, CallSnapshot } from "../../types";
import { fail, type PreviewWorld } from "./world";

const RAVI = { id: "user-ravi", name: "Ravi Kumar" };

export class PreviewCalls {
  private call: CallSnapshot | null = null;
  private callStart = 0;
  private calls: CallRecord[] = [];

  constructor(private readonly world: PreviewWorld) {}

  /** Ravi calls (while online, unless a call is ringing or running). */
  incomingCall(): void {
    if (this.world.presence !== "online" || this.call?.phase === "ringing" || this.call?.phase === "accepted") return;
    this.setCall({ phase: "ringing", call_id: `call-${this.world.nextSeq()}`, role: "callee", media: "audio", peer: RAVI });
  }

  private setCall(call: CallSnapshot): void {
    this.call = call;
    if (call.phase !== "ringing" && call.phase !== "accepted" && call.call_id) {
      this.calls = [
        {
          call_id: call.call_id,
          role: "callee",
          media: call.media ?? null,
          peer_id: call.peer?.id ?? null,
          peer_name: call.peer?.name ?? null,
          outcome: call.phase,
          duration_secs: call.duration_secs ?? null,
          coins: call.coins ?? null,
          ended_by: call.ended_by ?? null,
          started_at: this.callStart || Date.now(),
        },
        ...this.calls.filter((c) => c.call_id !== call.call_id),
      ];
    }
    this.world.emit({ event: "call_state_changed", call });
  }

  private ringing(callId: string): CallSnapshot {
    if (!this.call || this.call.call_id !== callId || this.call.phase !== "ringing") fail("illegal_state", "no call is ringing");
    return this.call;
  }

  async acceptCall(callId: string): Promise<void> {
    const c = this.ringing(callId);
    this.callStart = Date.now();
    this.setCall({ ...c, phase: "accepted" });
    this.world.later(800, () => {
      this.world.emit({ event: "call_media", call_id: callId, media: { kind: "connected" } });
      this.world.emit({ event: "call_media", call_id: callId, media: { kind: "participant_joined", identity: RAVI.id } });
    });
  }
  async rejectCall(callId: string): Promise<void> {
    this.setCall({ ...this.ringing(callId), phase: "rejected" });
  }
  async endCall(callId: string): Promise<void> {
    if (!this.call || this.call.call_id !== callId || this.call.phase !== "accepted") fail("illegal_state", "no call");
    const secs = Math.max(1, Math.round((Date.now() - this.callStart) / 1000));
    const coins = String(Math.ceil(secs / 60) * 15);
    this.setCall({ ...this.call, phase: "ended", duration_secs: secs, coins: { amount: coins, unit: "coins" }, ended_by: "TELECALLER" });
  }
  async callHistory(): Promise<CallRecord[]> {
    return [...this.calls];
  }
  async callState(): Promise<CallSnapshot | null> {
    return this.call;
  }
}
