import { describe, expect, it } from "vitest";
import type { ChatMessage, ChatSummary, ListUpdate, UiEvent } from "../types";
import { initialState, reduce } from "./app";
import {
  chatIdFrom,
  chatsOutside,
  chatTitle,
  closeChat,
  emptyChats,
  isChatOpen,
  openChat,
  addKnownChats,
  reduceChats,
  rememberChat,
  REMEMBERED_CHATS,
  senderNames,
  statusLabel,
} from "./chats";

// The core's list of chats after 002's GET /api/chat/sessions.
const listed: ChatSummary[] = [
  { id: "s-new", status: "CLOSED", participants: ["user2", "reader1"], last_activity_ms: Date.parse("2026-11-21T12:00:00Z"), joined: false },
  { id: "s-old", status: "active", participants: ["user1", "reader1"], unread: 3, last_activity_ms: Date.parse("2026-11-21T10:00:00Z"), joined: false },
  { id: "s-quiet", participants: [], joined: false },
];

/** The core's list of chats changing by `change`. */
function changed(change: ListUpdate<ChatSummary>): UiEvent {
  return { event: "chats_changed", change };
}
const reset = changed({ kind: "reset", items: listed });

const message = (over: Partial<ChatMessage>): ChatMessage => ({
  local_id: 1,
  conversation_id: "s-old",
  server_id: "m1",
  sender: { id: "user1" },
  own: false,
  kind: "text",
  text: "hello",
  state: "delivered",
  sort_ts: Date.parse("2026-11-21T13:00:00Z"),
  ...over,
});

describe("chats list", () => {
  it("lists a server's chats newest activity first, statuses in lower case", () => {
    const s = reduceChats(emptyChats, reset);
    expect(s.listed).toBe(true);
    expect(s.items.map((c) => c.id)).toEqual(["s-new", "s-old", "s-quiet"]);
    expect(s.items[0]!.status).toBe("closed");
    expect(s.items[1]!.unread).toBe(3);
    expect(s.items[2]!.lastActivity).toBeNull();
  });

  it("keeps chats opened by id when a new listing arrives", () => {
    const typed = openChat(emptyChats, "support-42")!;
    const s = reduceChats(typed, reset);
    expect(s.items.map((c) => c.id)).toContain("support-42");
    expect(s.openId).toBe("support-42");
    // The core's next list is the truth for what it lists: a chat it no longer has goes.
    const next = reduceChats(s, changed({ kind: "reset", items: [listed[0]!] }));
    expect(next.items.map((c) => c.id).sort()).toEqual(["s-new", "support-42"]);
  });

  it("applies the core's changes: a chat moves up with newer activity, follows its status", () => {
    let s = reduceChats(emptyChats, reset);
    const newer = { ...listed[1]!, last_activity_ms: Date.parse("2026-11-21T13:00:00Z") };
    s = reduceChats(s, changed({ kind: "set", item: newer }));
    expect(s.items[0]!.id).toBe("s-old");
    expect(s.items[0]!.lastActivity).toBe(Date.parse("2026-11-21T13:00:00Z"));
    s = reduceChats(s, changed({ kind: "set", item: { ...newer, status: "ENDED" } }));
    expect(s.items[0]!.status).toBe("ended");
    expect(isChatOpen(s.items[0]!.status)).toBe(false);
    expect(s.items).toHaveLength(3);
    s = reduceChats(s, changed({ kind: "remove", id: "s-quiet" }));
    expect(s.items.map((c) => c.id)).toEqual(["s-old", "s-new"]);
  });

  it("ignores the core's other events, and leaves consultations' conversations out of the list", () => {
    const s = reduceChats(emptyChats, { event: "chat_message_changed", message: message({ conversation_id: "c-9" }) });
    expect(s).toBe(emptyChats);
    const withRoom = reduceChats(s, changed({ kind: "set", item: { id: "room-7", participants: [], joined: true } }));
    expect(chatsOutside(withRoom, (id) => id === "room-7")).toEqual([]);
    expect(chatsOutside(withRoom, () => false).map((c) => c.id)).toEqual(["room-7"]);
  });
});

describe("opening a chat", () => {
  it("opens a listed chat and clears its unread count", () => {
    const s = openChat(reduceChats(emptyChats, reset), "s-old")!;
    expect(s.openId).toBe("s-old");
    expect(s.items.find((c) => c.id === "s-old")!.unread).toBe(0);
    expect(closeChat(s).openId).toBeNull();
    // What it had unread was read here: the core's later changes keep it read.
    const later = reduceChats(closeChat(s), changed({ kind: "set", item: { ...listed[1]!, status: "ended" } }));
    expect(later.items.find((c) => c.id === "s-old")!.unread).toBe(0);
  });

  it("takes a typed id, a pasted link, and refuses blanks", () => {
    expect(chatIdFrom("  abc-123 ")).toBe("abc-123");
    expect(chatIdFrom("https://support.example/chats/abc-123/?tab=1")).toBe("abc-123");
    expect(chatIdFrom("   ")).toBeNull();
    expect(chatIdFrom("two words")).toBeNull();
    expect(openChat(emptyChats, " ")).toBeNull();
    const s = openChat(emptyChats, "abc-123")!;
    expect(s.items).toEqual([{ id: "abc-123", status: null, participants: [], unread: null, lastActivity: null, listed: false }]);
  });

  it("routes typing without a conversation id to the open chat when no consultation is open", () => {
    let app = { ...initialState, chats: openChat(emptyChats, "s-old")! };
    app = reduce(app, { event: "typing_changed", user: { id: "user1", name: "Asha" }, typing: true }, 1000);
    expect(app.conversations["s-old"]!.typing["user1"]!.name).toBe("Asha");
  });
});

describe("chats remembered across runs", () => {
  it("keeps the newest opened ids first, once each, up to the limit", () => {
    expect(rememberChat(["a", "b"], "b")).toEqual(["b", "a"]);
    const many = Array.from({ length: REMEMBERED_CHATS }, (_, i) => `c${i}`);
    const next = rememberChat(many, "new");
    expect(next).toHaveLength(REMEMBERED_CHATS);
    expect(next[0]).toBe("new");
    expect(next).not.toContain(`c${REMEMBERED_CHATS - 1}`);
  });

  it("adds remembered chats to the list without opening them or doubling listed ones", () => {
    const listedState = reduceChats(emptyChats, reset);
    const s = addKnownChats(listedState, ["s-old", "chat-1", "chat-1", ""]);
    expect(s.items.filter((c) => c.id === "s-old")).toHaveLength(1);
    expect(s.items.map((c) => c.id)).toContain("chat-1");
    expect(s.items).toHaveLength(listed.length + 1);
    expect(s.openId).toBeNull();
    expect(addKnownChats(s, ["chat-1"])).toBe(s);
  });
});

describe("words", () => {
  it("titles a chat by the other participants, else by its id", () => {
    const s = reduceChats(emptyChats, reset);
    expect(chatTitle(s.items[1]!, "reader1")).toBe("user1");
    const names = senderNames({ "s-old": { messages: [message({ sender: { id: "user1", name: "Sarah Johnson" } })], hasMore: false, loaded: true, limit: 50, typing: {} } });
    expect(names).toEqual({ user1: "Sarah Johnson" });
    expect(chatTitle(s.items[1]!, "reader1", names)).toBe("Sarah Johnson");
    expect(chatTitle(s.items[2]!, "reader1")).toBe("Chat s-quiet");
    expect(chatTitle({ ...s.items[2]!, id: "0123456789abcdef" }, null)).toBe("Chat 01234567…");
  });

  it("spells statuses for people and treats unknown as open", () => {
    expect(statusLabel("in_progress")).toBe("In progress");
    expect(statusLabel(null)).toBe("");
    expect(isChatOpen(null)).toBe(true);
    expect(isChatOpen("active")).toBe(true);
    expect(isChatOpen("closed")).toBe(false);
  });
});
