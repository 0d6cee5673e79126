import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../types";
import { bannerFor, secondsUntil } from "./connection";

const T = 1_763_700_000_000;
const state = (json: string) => (JSON.parse(json) as Extract<DomainEvent, { event: "connection" }>).state;

describe("connection banner", () => {
  it("is absent while connected", () => {
    expect(bannerFor(state(`{"event":"connection","state":{"state":"connected"}}`), T)).toBeNull();
    expect(bannerFor(null, T)).toBeNull();
  });

  it("says it is reconnecting, why, and when it tries next", () => {
    const b = bannerFor(
      state(`{"event":"connection","state":{"state":"reconnecting","attempt":2,"delay_ms":4000,"reason":"transport close"}}`),
      T,
    )!;
    expect(b.title).toBe("Connection lost. Reconnecting…");
    expect(b.detail).toBe("The server closed the connection.");
    expect(secondsUntil(b.nextTryAt, T + 1500)).toBe(3);
    expect(secondsUntil(b.nextTryAt, T + 9000)).toBe(0);
    expect(b.needsAction).toBe(false);
  });

  it("words network failures plainly and keeps the original for a tooltip", () => {
    const b = bannerFor(
      state(`{"event":"connection","state":{"state":"reconnecting","attempt":1,"delay_ms":500,"reason":"cannot connect: EngineIO Error"}}`),
      T,
    )!;
    expect(b.detail).toBe("The server cannot be reached right now.");
    expect(b.technical).toBe("cannot connect: EngineIO Error");
    const odd = bannerFor(state(`{"event":"connection","state":{"state":"reconnecting","attempt":1,"delay_ms":500,"reason":"xyz"}}`), T)!;
    expect(odd.detail).toBe("The connection dropped.");
  });

  it("asks for action when stopped for good", () => {
    const auth = bannerFor(
      state(`{"event":"connection","state":{"state":"auth_failed","message":"Invalid or expired token"}}`),
      T,
    )!;
    expect(auth.needsAction).toBe(true);
    expect(auth.detail).toContain("Invalid or expired token");
    const gone = bannerFor(state(`{"event":"connection","state":{"state":"disconnected","reason":"gave up"}}`), T)!;
    expect(gone.tone).toBe("error");
    expect(gone.detail).toBe("Parlor stopped trying after several attempts.");
  });
});
