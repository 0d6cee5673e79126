import { describe, expect, it } from "vitest";
import type { DomainEvent, UiEvent } from "../types";
import { T0, changed, listed, pick } from "./fixtures/billing-chat";
import { fractionLeft, pruneExpired, reduceRequests, secondsLeft } from "./requests";

describe("requests", () => {
  const requested = pick("consultation_requested");

  it("counts down from the server's expiry", () => {
    const list = reduceRequests([], requested, T0);
    const r = list[0]!;
    expect(r.kind).toBe("text");
    expect(r.rate?.amount).toBe("10.00");
    expect(secondsLeft(r, T0)).toBe(60);
    expect(secondsLeft(r, T0 + 59_001)).toBe(1);
    expect(secondsLeft(r, T0 + 75_000)).toBe(0);
    expect(fractionLeft(r, T0 + 30_000)).toBeCloseTo(0.5);
  });

  it("keeps one card when the server re-sends a request after a reconnect", () => {
    let list = reduceRequests([], requested, T0);
    list = reduceRequests(list, { ...requested, user: { id: "u-asha" } }, T0 + 5_000);
    expect(list).toHaveLength(1);
    expect(list[0]!.receivedAt).toBe(T0);
    expect(list[0]!.user.name).toBe("Asha Verma");
  });

  it("drops a request once answered, expired or cancelled", () => {
    for (const outcome of ["accepted", "rejected", "expired", "cancelled"] as const) {
      const answered: DomainEvent = { event: "consultation_answered", consultation_id: "room-7", outcome };
      expect(reduceRequests(reduceRequests([], requested, T0), answered, T0)).toHaveLength(0);
    }
  });

  it("drops a request the consultation service says has moved on", () => {
    const list = reduceRequests([], requested, T0);
    const accepted = changed(pick("consultation_updated", 1).consultation);
    expect(reduceRequests(list, accepted, T0)).toHaveLength(0);
    const removed: UiEvent = { event: "consultations_changed", change: { kind: "remove", id: "room-7" } };
    expect(reduceRequests(list, removed, T0)).toHaveLength(0);
  });

  it("adds requests found in a listing, without a countdown", () => {
    const listing = listed([pick("consultation_updated", 0).consultation]);
    const list = reduceRequests([], listing, T0);
    expect(list).toHaveLength(1);
    expect(secondsLeft(list[0]!, T0)).toBeNull();
  });

  it("prunes requests long past their expiry", () => {
    const list = reduceRequests([], requested, T0);
    expect(pruneExpired(list, T0 + 61_000)).toBe(list);
    expect(pruneExpired(list, T0 + 66_000)).toHaveLength(0);
  });
});
