import { describe, expect, it } from "vitest";
import type { ConsultationView, MeterReading } from "../types";
import {
  emptyConsultations,
  liveElapsedMs,
  reduceConsultations,
  remainingMinutes,
  sortedConsultations,
} from "./consultations";
import { T0, changed, listed, pick } from "./fixtures/billing-chat";

const reading = (over: Partial<MeterReading> = {}): MeterReading => ({
  elapsed_ms: 61_000,
  billed_minutes: "1",
  cost: { amount: "10.00", unit: "INR" },
  running: true,
  ...over,
});

describe("meter", () => {
  it("runs on between readings, at most two seconds", () => {
    expect(liveElapsedMs(reading(), T0, T0 + 500)).toBe(61_500);
    expect(liveElapsedMs(reading(), T0, T0 + 10_000)).toBe(63_000);
    expect(liveElapsedMs(reading({ running: false }), T0, T0 + 10_000)).toBe(61_000);
  });

  it("tells the user's remaining minutes without floats", () => {
    const rate = { amount: "12.50", unit: "INR" };
    expect(remainingMinutes(reading({ balance: { amount: "25.00", unit: "INR" } }), rate)).toBe(2);
    expect(remainingMinutes(reading({ balance: { amount: "24.99", unit: "INR" } }), rate)).toBe(1);
    expect(remainingMinutes(reading(), rate)).toBeNull();
    expect(remainingMinutes(reading({ balance: { amount: "5" } }), { amount: "0" })).toBeNull();
  });

  it("updates the open consultation's meter", () => {
    let s = reduceConsultations(emptyConsultations, changed(pick("consultation_updated", 2).consultation), T0);
    s = reduceConsultations(s, pick("meter_update"), T0 + 1000);
    expect(s.byId["room-7"]!.meter.balance?.amount).toBe("490.00");
    expect(s.meterAt["room-7"]).toBe(T0 + 1000);
    // A meter for a consultation never seen is ignored.
    const stray = reduceConsultations(s, { ...pick("meter_update"), consultation_id: "nope" }, T0);
    expect(stray).toBe(s);
  });

  it("records low-balance warnings and clears them when it ends", () => {
    let s = reduceConsultations(emptyConsultations, changed(pick("consultation_updated", 2).consultation), T0);
    s = reduceConsultations(
      s,
      { event: "low_balance_warning", consultation_id: "room-7", reading: reading({ runs_out_in_ms: 40_000 }) },
      T0,
    );
    expect(s.lowBalance["room-7"]?.runs_out_in_ms).toBe(40_000);
    s = reduceConsultations(s, changed(pick("consultation_updated", 5).consultation), T0);
    expect(s.lowBalance["room-7"]).toBeUndefined();
    expect(s.billFor).toBe("room-7");
  });

  it("does not pop a bill for consultations that were already over when listed", () => {
    const ended = pick("consultation_updated", 5).consultation;
    const s = reduceConsultations(emptyConsultations, listed([ended]), T0);
    expect(s.billFor).toBeNull();
    expect(s.currentId).toBeNull();
  });

  it("takes the core's whole list as the truth, and a removal as gone", () => {
    const live = pick("consultation_updated", 2).consultation;
    const ended = pick("consultation_updated", 5).consultation;
    let s = reduceConsultations(emptyConsultations, changed(live), T0);
    expect(s.currentId).toBe("room-7");
    // A reset replaces the list: what it no longer holds goes, with its screen.
    s = reduceConsultations(s, listed([{ ...ended, id: "room-1" }]), T0);
    expect(Object.keys(s.byId)).toEqual(["room-1"]);
    expect(s.currentId).toBeNull();
    s = reduceConsultations(s, { event: "consultations_changed", change: { kind: "remove", id: "room-1" } }, T0);
    expect(s.byId).toEqual({});
    // The core's own event is not the page's list: only the observed list changes it.
    expect(reduceConsultations(s, pick("consultation_updated", 2), T0)).toBe(s);
  });

  it("sorts live consultations first, then newest", () => {
    const ended = pick("consultation_updated", 5).consultation;
    const older: ConsultationView = { ...ended, id: "room-1", ended_at: "2026-11-20T10:00:00Z" };
    const live = pick("consultation_updated", 2).consultation;
    const ids = sortedConsultations({ a: older, b: ended, c: { ...live, id: "room-9" } }).map((c) => c.id);
    expect(ids).toEqual(["room-9", "room-7", "room-1"]);
  });
});
