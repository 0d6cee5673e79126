import { describe, expect, it } from "vitest";
import type { ChatMessage, DomainEvent } from "../types";
import {
  conversation,
  findByServerId,
  merge,
  oldestCursor,
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
const page = parse(
  `{"event":"messages_page","conversation_id":"s-1","messages":[{"local_id":3,"conversation_id":"s-1","server_id":"m-1","sender":{"id":"user_asha","name":"Asha Verma"},"own":false,"kind":"text","text":"Earlier","state":"received","sort_ts":${T}}],"has_more":true,"source":"cache"}`,
);

function msg(e: DomainEvent): ChatMessage {
  if (e.event !== "chat_message_changed") throw new Error("not a message");
  return e.message;
}

describe("conversation", () => {
  it("merges our message by client id as its state moves on", () => {
    let s = reduceConversations({}, pending, T, null, "astro_sharma");
    s = reduceConversations(s, sent, T, null, "astro_sharma");
    const c = conversation(s, "s-1");
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]!.state).toBe("sent");
    expect(c.messages[0]!.server_id).toBe("m-9");
  });

  it("merges a server echo with a different local id by client id", () => {
    const echo = { ...msg(sent), local_id: 99 };
    expect(merge([msg(pending)], [echo])).toHaveLength(1);
  });

  it("orders history pages before newer messages and keeps paging info", () => {
    let s = reduceConversations({}, theirs, T, null, null);
    s = reduceConversations(s, page, T, null, null);
    const c = conversation(s, "s-1");
    expect(c.messages.map((m) => m.text)).toEqual(["Earlier", "Hello, I have a question"]);
    expect(c.hasMore).toBe(true);
    expect(c.loaded).toBe(true);
    expect(oldestCursor(c)).toBe(3);
    expect(findByServerId(c, "m-1")?.text).toBe("Earlier");
    expect(unreadFromOthers(c, "astro_sharma")).toEqual(["m-1", "m-10"]);
  });

  it("removes a discarded message", () => {
    let s = reduceConversations({}, pending, T, null, null);
    s = reduceConversations(
      s,
      { event: "chat_message_discarded", conversation_id: "s-1", client_id: "c-1" },
      T,
      null,
      null,
    );
    expect(conversation(s, "s-1").messages).toHaveLength(0);
  });

  it("shows typing until stopped, a message arrives, or it times out", () => {
    const typing = parse(
      `{"event":"typing_changed","user":{"id":"user_asha","name":"Asha Verma"},"typing":true}`,
    );
    let s = reduceConversations({}, typing, T, "s-1", "astro_sharma");
    expect(typingNames(conversation(s, "s-1"), T + 1000)).toEqual(["Asha Verma"]);
    expect(typingNames(conversation(s, "s-1"), T + TYPING_TTL_MS + 1)).toEqual([]);
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
