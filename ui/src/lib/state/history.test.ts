import { describe, expect, it } from "vitest";
import type { CallRecord, ConsultationView } from "../types";
import { pick } from "./fixtures/billing-chat";
import { earnings, historyRows, outcomeText, rowsOfDay } from "./history";

const ended = pick("consultation_updated", 5).consultation;
const second: ConsultationView = {
  ...ended,
  id: "room-8",
  counterpart: { id: "u-ravi", name: "Ravi Kumar" },
  bill: { ...ended.bill!, minutes: "3", total: { amount: "30.05", unit: "INR" } },
  ended_at: "2026-11-21T16:00:00.000Z",
};
const rejected: ConsultationView = { ...ended, id: "room-9", state: { state: "rejected" }, bill: null };
const live = pick("consultation_updated", 2).consultation;
const call: CallRecord = {
  call_id: "call-1",
  role: "callee",
  media: "audio",
  peer_id: "user-1",
  peer_name: "Mina",
  outcome: "ended",
  duration_secs: 125,
  coins: { amount: "30", unit: "coins" },
  started_at: Date.parse("2026-11-21T17:00:00.000Z"),
};

describe("history", () => {
  const rows = historyRows([ended, second, rejected, { ...live, id: "room-live" }], [call]);

  it("lists finished consultations and calls, newest first", () => {
    expect(rows.map((r) => r.id)).toEqual(["call-1", "room-8", "room-7", "room-9"]);
    expect(rows.find((r) => r.id === "room-7")).toMatchObject({
      peer: "Asha Verma",
      durationMs: 95_000,
      minutes: "2",
      amount: { amount: "20.00", unit: "INR" },
    });
    expect(rows.find((r) => r.id === "call-1")?.durationMs).toBe(125_000);
  });

  it("totals earnings per unit, exactly", () => {
    const e = earnings(rows);
    expect(e.count).toBe(3);
    expect(e.minutes).toBe("5");
    expect(e.totals).toEqual([
      { unit: "coins", amount: "30", count: 1 },
      { unit: "INR", amount: "50.05", count: 2 },
    ]);
  });

  it("picks the rows of one day and words outcomes", () => {
    const day = rowsOfDay(rows, Date.parse("2026-11-21T12:00:00.000Z"));
    expect(day.length).toBeGreaterThanOrEqual(3);
    expect(rowsOfDay(rows, Date.parse("2026-12-25T12:00:00.000Z"))).toHaveLength(0);
    expect(outcomeText("ended")).toBe("Completed");
    expect(outcomeText("rejected")).toBe("Declined");
    expect(outcomeText("weird")).toBe("Weird");
  });
});

describe("client context", () => {
  it("lists only this client's earlier consultations with their totals", async () => {
    const { clientContext } = await import("./history");
    const view = (id: string, user: string, total: string, at: string) =>
      ({
        id,
        side: "expert",
        counterpart: { id: user, name: user === "u-asha" ? "Asha Verma" : "Ravi" },
        kind: "text",
        state: { state: "ended", by: "user", reason: "ended" },
        rate_per_minute: { amount: "10.00", unit: "INR" },
        meter: { elapsed_ms: 120000, billed_minutes: "2", cost: { amount: total, unit: "INR" }, running: false },
        bill: { minutes: "2", rate_per_minute: { amount: "10.00", unit: "INR" }, total: { amount: total, unit: "INR" }, reason: "ended" },
        ended_at: at,
      }) as never;
    const all = [
      view("c1", "u-asha", "20.00", "2026-01-01T10:00:00Z"),
      view("c2", "u-ravi", "50.00", "2026-01-02T10:00:00Z"),
      view("c3", "u-asha", "30.00", "2026-01-03T10:00:00Z"),
      view("c4", "u-asha", "10.00", "2026-01-04T10:00:00Z"),
    ];
    const ctx = clientContext(all, "u-asha", "c4");
    expect(ctx.rows.map((r) => r.id)).toEqual(["c3", "c1"]);
    expect(ctx.earnings.totals).toEqual([{ unit: "INR", amount: "50.00", count: 2 }]);
    expect(ctx.since).toBe(Date.parse("2026-01-01T10:00:00Z"));
    expect(clientContext(all, null, null).rows).toEqual([]);
  });
});
