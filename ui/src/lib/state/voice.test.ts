import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../types";
import { bars, emptyVoice, outgoingNotes, peaksFor, reduceVoice, uploadFraction } from "./voice";

const ev = (json: string) => JSON.parse(json) as DomainEvent;

describe("voice", () => {
  it("follows a recording's level and end", () => {
    let s = reduceVoice(emptyVoice, ev(`{"event":"recording_started","max_ms":120000}`));
    s = reduceVoice(s, ev(`{"event":"voice_level","at_ms":850,"rms":0.42}`));
    expect(s.recording).toMatchObject({ active: true, atMs: 850, level: 0.42 });
    s = reduceVoice(s, ev(`{"event":"voice_level","at_ms":900,"rms":3.5}`));
    expect(s.recording.level).toBe(1);
    // serde writes a NaN level as null: silence, never NaN in the meter.
    s = reduceVoice(s, ev(`{"event":"voice_level","at_ms":950,"rms":null}`));
    expect(s.recording).toMatchObject({ atMs: 950, level: 0 });
    s = reduceVoice(s, ev(`{"event":"recording_ended","reason":"stopped","duration_ms":4200}`));
    expect(s.recording).toMatchObject({ active: false, level: 0, lastEnd: "stopped" });
  });

  it("tracks a note's upload and keeps its waveform", () => {
    const peaks = Array.from({ length: 64 }, (_, i) => (i * 4) % 256);
    let s = reduceVoice(
      emptyVoice,
      ev(`{"event":"voice_note_changed","client_id":"v-1","conversation_id":"s-1","state":"queued","duration_ms":4200,"waveform":${JSON.stringify(peaks)}}`),
    );
    s = reduceVoice(
      s,
      ev(`{"event":"voice_note_changed","client_id":"v-1","conversation_id":"s-1","state":"sending","sent":5000,"total":20000,"duration_ms":4200,"waveform":[]}`),
    );
    const n = s.notes["v-1"]!;
    expect(uploadFraction(n)).toBe(0.25);
    expect(n.waveform).toHaveLength(64);
    expect(outgoingNotes(s, "s-1", new Set())).toHaveLength(1);

    s = reduceVoice(
      s,
      ev(`{"event":"voice_note_changed","client_id":"v-1","conversation_id":"s-1","state":"sent","duration_ms":4200,"waveform":[],"message_id":"m-77","file_url":"http://127.0.0.1/f/v-1.ogg"}`),
    );
    expect(outgoingNotes(s, "s-1", new Set(["m-77"]))).toHaveLength(0);
    expect(peaksFor(s, { fileUrl: "http://127.0.0.1/f/v-1.ogg" })).toHaveLength(64);
    expect(peaksFor(s, { serverId: "unknown" })).toEqual([]);
  });

  it("follows playback", () => {
    const url = "http://127.0.0.1/f/v-1.ogg";
    let s = reduceVoice(emptyVoice, ev(`{"event":"voice_playback","url":"${url}","state":"started","duration_ms":4200}`));
    s = reduceVoice(s, ev(`{"event":"voice_playback","url":"${url}","state":"position","position_ms":1500}`));
    expect(s.playback[url]).toEqual({ state: "playing", positionMs: 1500, durationMs: 4200 });
    s = reduceVoice(s, ev(`{"event":"voice_playback","url":"${url}","state":"paused","position_ms":1600}`));
    expect(s.playback[url]!.state).toBe("paused");
    s = reduceVoice(s, ev(`{"event":"voice_playback","url":"${url}","state":"finished"}`));
    expect(s.playback[url]).toEqual({ state: "idle", positionMs: 0, durationMs: 4200 });
  });

  it("resamples peaks into bars", () => {
    expect(bars([0, 255, 128, 64], 2)).toEqual([1, 128 / 255]);
    expect(bars([], 3)).toEqual([0.15, 0.15, 0.15]);
    expect(bars([0, 0], 4).every((b) => b === 0.08)).toBe(true);
  });
});
