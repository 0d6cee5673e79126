import { describe, expect, it } from "vitest";
import type { ChatMessage, DomainEvent, ListUpdate, UiEvent } from "../types";
import {
  applyChange,
  conversation,
  findByServerId,
  reduceConversations,
  typingNames,
  typingText,
  unreadFromOthers,
  TYPING_TTL_MS,
} from "./conversation";

const T = 1_763_700_000_000;

function parse(json: string): DomainEvent {
  return JSON.parse(json) as DomainEvent;
}

// Our message as the outbox moves it on: pending → sending → sent (same client id).
const pending = parse(
  `{"event":"chat_message_changed","message":{"local_id":12,"conversation_id":"s-1","client_id":"c-1","sender":{"id":"astro_sharma","name":"Pandit Sharma"},"own":true,"kind":"text","text":"Namaste","state":"pending","sort_ts":${T + 5000}}}`,
);
const sent = parse(
  `{"event":"chat_message_changed","message":{"local_id":12,"conversation_id":"s-1","client_id":"c-1","server_id":"m-9","sender":{"id":"astro_sharma","name":"Pandit Sharma"},"own":true,"kind":"text","text":"Namaste","state":"sent","server_time":"2025-11-21T04:53:25.000Z","sort_ts":${T + 5200}}}`,
);
const theirs = parse(
  `{"event":"chat_message_changed","message":{"local_id":13,"conversation_id":"s-1","server_id":"m-10","sender":{"id":"user_asha","name":"Asha Verma"},"own":false,"kind":"text","text":"Hello, I have a question","reply_to":"m-9","state":"received","sort_ts":${T + 9000},"reactions":{"🙏":["astro_sharma"]}}}`,
);
const earlier = {
  local_id: 3,
  conversation_id: "s-1",
  server_id: "m-1",
  sender: { id: "user_asha", name: "Asha Verma" },
  own: false,
  kind: "text",
  text: "Earlier",
  state: "received",
  sort_ts: T,
} as ChatMessage;

/** The core's observed list of s-1 changing by `change`. */
function changed(change: ListUpdate<ChatMessage>): UiEvent {
  return { event: "messages_changed", conversation_id: "s-1", change };
}

function msg(e: DomainEvent): ChatMessage {
  if (e.event !== "chat_message_changed") throw new Error("not a message");
  return e.message;
}

describe("conversation", () => {
  it("is the core's list: a reset, then each message set by its local id as its state moves on", () => {
    let s = reduceConversations({}, changed({ kind: "reset", items: [earlier] }), T, null, "astro_sharma");
    expect(conversation(s, "s-1").loaded).toBe(true);
    s = reduceConversations(s, changed({ kind: "set", item: msg(pending) }), T, null, "astro_sharma");
    s = reduceConversations(s, changed({ kind: "set", item: msg(sent) }), T, null, "astro_sharma");
    s = reduceConversations(s, changed({ kind: "set", item: msg(theirs) }), T, null, "astro_sharma");
    const c = conversation(s, "s-1");
    expect(c.messages.map((m) => [m.local_id, m.state])).toEqual([
      [3, "received"],
      [12, "sent"],
      [13, "received"],
    ]);
    expect(findByServerId(c, "m-1")?.text).toBe("Earlier");
    expect(unreadFromOthers(c, "astro_sharma")).toEqual(["m-1", "m-10"]);
    // A discard comes as the page again; a removal by key drops the message.
    s = reduceConversations(s, changed({ kind: "reset", items: [msg(theirs), earlier] }), T, null, null);
    expect(conversation(s, "s-1").messages.map((m) => m.local_id)).toEqual([3, 13]);
    s = reduceConversations(s, changed({ kind: "remove", id: "3" }), T, null, null);
    expect(conversation(s, "s-1").messages.map((m) => m.local_id)).toEqual([13]);
  });

  it("keeps how far the window reaches and whether older messages exist", () => {
    const s = reduceConversations(
      {},
      { event: "messages_window", conversation_id: "s-1", limit: 100, has_more: true },
      T,
      null,
      null,
    );
    expect(conversation(s, "s-1")).toMatchObject({ limit: 100, hasMore: true });
    expect(conversation(s, "other")).toMatchObject({ limit: 0, hasMore: false, loaded: false });
  });

  it("orders by the server's time, then local id, whatever order changes come in", () => {
    const late = { ...msg(theirs), local_id: 2, sort_ts: T + 9000 };
    const list = applyChange(applyChange([], { kind: "set", item: msg(theirs) }), { kind: "set", item: late });
    expect(list.map((m) => m.local_id)).toEqual([2, 13]);
    expect(applyChange(list, { kind: "set", item: earlier }).map((m) => m.local_id)).toEqual([3, 2, 13]);
  });

  it("shows typing until stopped, a message arrives, or it times out", () => {
    const typing = parse(
      `{"event":"typing_changed","user":{"id":"user_asha","name":"Asha Verma"},"typing":true}`,
    );
    let s = reduceConversations({}, typing, T, "s-1", "astro_sharma");
    expect(typingNames(conversation(s, "s-1"), T + 1000)).toEqual(["Asha Verma"]);
    expect(typingNames(conversation(s, "s-1"), T + TYPING_TTL_MS + 1)).toEqual([]);
    // Asha's message (the core's event; the list itself changes by its own) ends it.
    s = reduceConversations(s, theirs, T, "s-1", "astro_sharma");
    expect(typingNames(conversation(s, "s-1"), T + 1000)).toEqual([]);
    // Our own typing echo is not shown.
    const own = parse(`{"event":"typing_changed","conversation_id":"s-1","user":{"id":"astro_sharma"},"typing":true}`);
    expect(reduceConversations(s, own, T, "s-1", "astro_sharma")).toBe(s);
  });

  it("words the typing line", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["Asha"])).toBe("Asha is typing…");
    expect(typingText(["Asha", "Ravi", "Mina"])).toBe("Asha, Ravi and Mina are typing…");
  });
});
