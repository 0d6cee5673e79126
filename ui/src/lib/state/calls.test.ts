import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../types";
import { emptyCalls, inCall, isRinging, mediaText, reduceCalls } from "./calls";

const T = 1_763_700_000_000;
const ev = (json: string) => JSON.parse(json) as DomainEvent;

const ringing = ev(
  `{"event":"call_state_changed","call":{"call_id":"call-1","phase":"ringing","role":"callee","media":"audio","peer":{"id":"user-1","name":"Ravi Kumar"}}}`,
);
const accepted = ev(
  `{"event":"call_state_changed","call":{"call_id":"call-1","phase":"accepted","role":"callee","media":"audio","peer":{"id":"user-1","name":"Ravi Kumar"},"livekit":{"url":"ws://127.0.0.1:7880","token":"t","room":"call-1"}}}`,
);
const ended = ev(
  `{"event":"call_state_changed","call":{"call_id":"call-1","phase":"ended","role":"callee","media":"audio","peer":{"id":"user-1","name":"Ravi Kumar"},"duration_secs":125,"coins":{"amount":"30","unit":"coins"},"ended_by":"USER"}}`,
);

describe("calls", () => {
  it("rings, connects, and lands in the history", () => {
    let s = reduceCalls(emptyCalls, ringing, T);
    expect(isRinging(s)).toBe(true);
    expect(s.history[0]!.outcome).toBe("ringing");

    s = reduceCalls(s, accepted, T + 3000);
    expect(inCall(s)).toBe(true);
    expect(s.acceptedAt).toBe(T + 3000);
    expect(s.media).toBe("connecting");

    s = reduceCalls(s, ev(`{"event":"call_media","call_id":"call-1","media":{"kind":"connected"}}`), T);
    s = reduceCalls(
      s,
      ev(`{"event":"call_media","call_id":"call-1","media":{"kind":"participant_joined","identity":"user-1"}}`),
      T,
    );
    expect(s.media).toBe("connected");
    expect(s.peerInRoom).toBe(true);
    s = reduceCalls(s, ev(`{"event":"call_media","call_id":"call-1","media":{"kind":"reconnecting"}}`), T);
    expect(mediaText(s.media)).toBe("Reconnecting audio…");

    s = reduceCalls(s, ended, T + 130_000);
    expect(inCall(s)).toBe(false);
    expect(s.history).toHaveLength(1);
    expect(s.history[0]).toMatchObject({ outcome: "ended", duration_secs: 125, started_at: T });
  });

  it("ignores media news of another call", () => {
    const s = reduceCalls(emptyCalls, ringing, T);
    const other = ev(`{"event":"call_media","call_id":"call-2","media":{"kind":"connected"}}`);
    expect(reduceCalls(s, other, T)).toBe(s);
  });

  it("rings from the raw incoming event when no state machine event came", () => {
    const s = reduceCalls(
      emptyCalls,
      ev(`{"event":"call_incoming","call_id":"call-5","media":"video","caller":{"id":"u","name":"Mina"}}`),
      T,
    );
    expect(isRinging(s)).toBe(true);
    expect(s.call?.media).toBe("video");
  });

  it("merges the cached history with calls it has not stored yet", () => {
    const live = reduceCalls(emptyCalls, ringing, T + 10);
    const s = reduceCalls(
      live,
      ev(`{"event":"call_history","calls":[{"call_id":"c0","role":"callee","outcome":"missed","started_at":${T}}]}`),
      T,
    );
    expect(s.history.map((h) => h.call_id)).toEqual(["call-1", "c0"]);
    const again = reduceCalls(
      s,
      ev(`{"event":"call_history","calls":[{"call_id":"call-1","role":"callee","outcome":"ended","started_at":${T + 10}}]}`),
      T,
    );
    expect(again.history.map((h) => h.outcome)).toEqual(["ended", "missed"]);
  });

  it("takes the cached history as given", () => {
    const s = reduceCalls(
      emptyCalls,
      ev(`{"event":"call_history","calls":[{"call_id":"c0","role":"callee","outcome":"missed","started_at":${T}}]}`),
      T,
    );
    expect(s.history.map((h) => h.outcome)).toEqual(["missed"]);
  });
});
