import { describe, expect, it } from "vitest";
import type { DomainEvent, UiEvent } from "../types";
import { dismissNotice, initialState, notice, reduce, shownPresence, type AppState } from "./app";
import { dismissBill } from "./consultations";
import { T0, uiStory as story } from "./fixtures/billing-chat";

function run(events: readonly UiEvent[], start: AppState = initialState, t = T0): AppState {
  return events.reduce((s, e, i) => reduce(s, e, t + i * 1000), start);
}

describe("the billing-chat story, expert side", () => {
  it("shows the request, then opens the consultation when accepted", () => {
    const afterRequest = run(story.slice(0, 4));
    expect(afterRequest.connection).toEqual({ state: "connected" });
    expect(afterRequest.requests).toHaveLength(1);
    expect(afterRequest.requests[0]!.user.name).toBe("Asha Verma");
    expect(afterRequest.consultations.currentId).toBeNull();

    const afterAccept = run(story.slice(0, 7));
    expect(afterAccept.requests).toHaveLength(0);
    expect(afterAccept.consultations.currentId).toBe("room-7");
    expect(afterAccept.busy).toBe(true);
  });

  it("follows the meter, the pause and the bill", () => {
    const running = run(story.slice(0, 9));
    const c = running.consultations.byId["room-7"]!;
    expect(c.state.state).toBe("active");
    expect(c.meter.cost).toEqual({ amount: "10.00", unit: "INR" });

    const paused = run(story.slice(0, 10));
    expect(paused.consultations.byId["room-7"]!.meter.running).toBe(false);

    const ended = run(story);
    const done = ended.consultations.byId["room-7"]!;
    expect(done.bill?.total.amount).toBe("20.00");
    expect(ended.consultations.billFor).toBe("room-7");
    expect(ended.busy).toBe(false);

    const closed = { ...ended, consultations: dismissBill(ended.consultations) };
    expect(closed.consultations.billFor).toBeNull();
    expect(closed.consultations.currentId).toBeNull();
  });

  it("shows busy while taken and the chosen presence otherwise", () => {
    let s = reduce({ ...initialState, presence: "online" }, { event: "expert_busy", busy: true }, T0);
    expect(shownPresence(s)).toBe("busy");
    s = reduce(s, { event: "expert_busy", busy: false }, T0);
    expect(shownPresence(s)).toBe("online");
    s = reduce(s, { event: "own_presence", online: false }, T0);
    expect(shownPresence(s)).toBe("offline");
  });
});

describe("notices", () => {
  it("turns server errors into readable notices and dismisses them", () => {
    let s = reduce(
      initialState,
      { event: "server_error", code: "ASTROLOGER_BUSY", message: "You are already in a session.", source: "chat-error" },
      T0,
    );
    s = reduce(
      s,
      { event: "wallet_error", message: "Insufficient wallet balance to continue the chat.", required_balance: { amount: "10.00" } },
      T0,
    );
    expect(s.notices.map((n) => n.code)).toEqual(["ASTROLOGER_BUSY", "wallet"]);
    expect(s.notices[1]!.text).toContain("Insufficient wallet balance");
    s = dismissNotice(s, s.notices[0]!.id);
    expect(s.notices).toHaveLength(1);
  });

  it("says one refusal once, in its fuller wording", () => {
    let s = reduce(
      initialState,
      { event: "server_error", code: "INVALID_STATE", message: "Chat is already ended.", source: "chat-error" },
      T0,
    );
    s = notice(s, "rejected", "The server refused: Chat is already ended.");
    expect(s.notices.map((n) => n.text)).toEqual(["The server refused: Chat is already ended."]);
    s = reduce(
      s,
      { event: "server_error", code: "INVALID_STATE", message: "Chat is already ended.", source: "chat-error" },
      T0,
    );
    expect(s.notices).toHaveLength(1);
  });

  it("keeps at most four", () => {
    const many = Array.from({ length: 6 }, (_, i): DomainEvent => ({
      event: "call_error",
      message: `failure ${i}`,
    }));
    const s = run(many);
    expect(s.notices).toHaveLength(4);
    expect(s.notices[3]!.text).toContain("failure 5");
  });
});
