import { describe, expect, it } from "vitest";
import type { ChatMessage, ConversationInfo } from "../types";
import { initialState, reduce } from "./app";
import {
  chatIdFrom,
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

// As the core decodes 002's GET /api/chat/sessions.
const listed: ConversationInfo[] = [
  { id: "s-old", status: "active", participants: ["user1", "reader1"], unread: 3, last_message_at: "2026-11-21T10:00:00Z" },
  { id: "s-new", status: "CLOSED", participants: ["user2", "reader1"], last_message_at: "2026-11-21T12:00:00Z" },
  { id: "s-quiet", participants: [] },
];

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
    const s = reduceChats(emptyChats, { event: "conversations", conversations: listed });
    expect(s.listed).toBe(true);
    expect(s.items.map((c) => c.id)).toEqual(["s-new", "s-old", "s-quiet"]);
    expect(s.items[0]!.status).toBe("closed");
    expect(s.items[1]!.unread).toBe(3);
    expect(s.items[2]!.lastActivity).toBeNull();
  });

  it("keeps chats opened by id when a new listing arrives", () => {
    const typed = openChat(emptyChats, "support-42")!;
    const s = reduceChats(typed, { event: "conversations", conversations: listed });
    expect(s.items.map((c) => c.id)).toContain("support-42");
    expect(s.openId).toBe("support-42");
  });

  it("moves a chat up when a message arrives and follows status changes", () => {
    let s = reduceChats(emptyChats, { event: "conversations", conversations: listed });
    s = reduceChats(s, { event: "chat_message_changed", message: message({}) });
    expect(s.items[0]!.id).toBe("s-old");
    expect(s.items[0]!.lastActivity).toBe(Date.parse("2026-11-21T13:00:00Z"));
    s = reduceChats(s, { event: "conversation_status_changed", conversation_id: "s-old", status: "ENDED" });
    expect(s.items[0]!.status).toBe("ended");
    expect(isChatOpen(s.items[0]!.status)).toBe(false);
  });

  it("ignores messages of chats it does not list (consultation chats)", () => {
    const s = reduceChats(emptyChats, { event: "chat_message_changed", message: message({ conversation_id: "c-9" }) });
    expect(s).toBe(emptyChats);
  });
});

describe("opening a chat", () => {
  it("opens a listed chat and clears its unread count", () => {
    const s = openChat(reduceChats(emptyChats, { event: "conversations", conversations: listed }), "s-old")!;
    expect(s.openId).toBe("s-old");
    expect(s.items.find((c) => c.id === "s-old")!.unread).toBe(0);
    expect(closeChat(s).openId).toBeNull();
  });

  it("takes a typed id, a pasted link, and refuses blanks", () => {
    expect(chatIdFrom("  abc-123 ")).toBe("abc-123");
    expect(chatIdFrom("https://support.example/chats/abc-123/?tab=1")).toBe("abc-123");
    expect(chatIdFrom("   ")).toBeNull();
    expect(chatIdFrom("two words")).toBeNull();
    expect(openChat(emptyChats, " ")).toBeNull();
    const s = openChat(emptyChats, "abc-123")!;
    expect(s.items).toEqual([{ id: "abc-123", status: null, participants: [], unread: null, lastActivity: null }]);
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
    const listedState = reduceChats(emptyChats, { event: "conversations", conversations: listed });
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
    const s = reduceChats(emptyChats, { event: "conversations", conversations: listed });
    expect(chatTitle(s.items[1]!, "reader1")).toBe("user1");
    const names = senderNames({ "s-old": { messages: [message({ sender: { id: "user1", name: "Sarah Johnson" } })], hasMore: false, loaded: true, typing: {} } });
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
