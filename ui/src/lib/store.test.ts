import { describe, expect, it } from "vitest";
import type { Backend } from "./backend/backend";
import { pick, uiStory as story } from "./state/fixtures/billing-chat";
import { Store } from "./store.svelte";
import type { ChatMessage, ChatSummary, ConsultationView, ListUpdate, SessionInfo } from "./types";

const session: SessionInfo = {
  profile_id: "p-1",
  profile_name: "Demo 000",
  account_id: "a-sharma",
  dialect: "billing-chat",
  capabilities: ["consultations", "live_billing"],
  call_media: false,
  currency: null,
};

/** A backend that records calls; `overrides` replace single methods. */
function fake(overrides: Partial<Backend> = {}): { backend: Backend; calls: string[] } {
  const calls: string[] = [];
  const defaults: Partial<Backend> = {
    signIn: async () => session,
    observeConsultations: async (listener: (change: ListUpdate<ConsultationView>) => void) => {
      listener({ kind: "reset", items: [] });
      return () => {};
    },
    observeChats: async (listener: (change: ListUpdate<ChatSummary>) => void) => {
      listener({ kind: "reset", items: [] });
      return () => {};
    },
    observeMessages: async (_id: string, _limit: number, listener: (change: ListUpdate<ChatMessage>) => void) => {
      listener({ kind: "reset", items: [] });
      return { hasMore: false, stop: () => {} };
    },
    callHistory: async () => [],
    connectionState: async () => ({ state: "connected" }),
    presence: async () => "offline",
    callState: async () => null,
    listProfiles: async () => [],
    setPresence: async (presence) => ({ presence, on_server: false }),
  };
  const backend = new Proxy({ kind: "preview" } as Backend, {
    get(target, prop: string) {
      if (prop === "kind") return target.kind;
      return async (...args: unknown[]) => {
        calls.push(`${prop}(${args.map((a) => JSON.stringify(a)).join(",")})`);
        const f = (overrides as Record<string, unknown>)[prop] ?? (defaults as Record<string, unknown>)[prop];
        return typeof f === "function" ? f(...args) : undefined;
      };
    },
  });
  return { backend, calls };
}

describe("Store", () => {
  it("names a call it cannot carry instead of offering it, and follows the shell's events", async () => {
    const { backend } = fake();
    const store = new Store(backend);
    await store.signIn("p-1");
    store.dispatch({ event: "call_incoming", call_id: "k1", media: "audio", caller: { id: "u1", name: "Ravi" } });
    expect(store.app.notices.at(-1)?.text).toContain("Ravi is calling");
    expect(store.app.notices.at(-1)?.text).toContain("cannot carry call audio");
    // A notification's click shows the request on the dashboard.
    store.navigate("history");
    store.dispatch({ event: "show_waiting", id: "c9", kind: "request" });
    expect(store.screen).toBe("dashboard");
    expect(store.highlight).toBe("c9");
    store.dispatch({ event: "presence_set", presence: "busy", on_server: true });
    expect(store.app.presence).toBe("busy");
    store.dispatch({ event: "quit_requested", presence: "busy" });
    expect(store.quitAsked).toBe(true);
  });

  it("signs in, follows the core's consultations and lands on the dashboard", async () => {
    const { backend, calls } = fake();
    const store = new Store(backend);
    await store.signIn("p-1");
    expect(store.screen).toBe("dashboard");
    expect(store.app.session?.profile_name).toBe("Demo 000");
    expect(store.app.connection).toEqual({ state: "connected" });
    expect(calls.filter((c) => c.startsWith("observeConsultations"))).toHaveLength(1);
    // 000 has no calls: their history is not asked for.
    expect(calls.some((c) => c.startsWith("callHistory"))).toBe(false);
  });

  it("opens the consultation when the request is accepted", async () => {
    const { backend, calls } = fake();
    const store = new Store(backend);
    await store.signIn("p-1");
    store.dispatch(pick("consultation_requested"));
    await store.answer("room-7", true);
    expect(calls).toContain('answerRequest("room-7",true)');
    for (const e of story.slice(4, 8)) store.dispatch(e);
    expect(store.screen).toBe("consultation");
    expect(store.current?.id).toBe("room-7");
  });

  it("joins the consultation's conversation once, where the server has chat", async () => {
    const { backend, calls } = fake({
      signIn: async () => ({ ...session, dialect: "presence-sessions", capabilities: ["consultations", "messaging", "presence"] }),
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    for (const e of story.slice(4, 9)) store.dispatch(e);
    await new Promise((r) => setTimeout(r, 0));
    await store.openConversation("room-7");
    expect(calls.filter((c) => c.startsWith("joinConversation"))).toEqual(['joinConversation("room-7")']);
    expect(calls).toContain('observeMessages("room-7",50,)');
  });

  it("shows older messages by observing a larger window, stopping the smaller one", async () => {
    const stopped: number[] = [];
    const older = { local_id: 1, conversation_id: "room-7", sender: { id: "u1" }, own: false, kind: "text", text: "old", state: "received", sort_ts: 1 } as ChatMessage;
    const { backend, calls } = fake({
      signIn: async () => ({ ...session, dialect: "presence-sessions", capabilities: ["consultations", "messaging", "presence"] }),
      observeMessages: async (_id: string, limit: number, listener: (change: ListUpdate<ChatMessage>) => void) => {
        listener({ kind: "reset", items: limit > 50 ? [older] : [] });
        return { hasMore: limit === 50, stop: () => void stopped.push(limit) };
      },
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    await store.openConversation("room-7");
    expect(store.app.conversations["room-7"]).toMatchObject({ hasMore: true, limit: 50, loaded: true });
    await store.loadOlder("room-7");
    expect(calls).toContain('observeMessages("room-7",100,)');
    expect(stopped).toEqual([50]);
    expect(store.app.conversations["room-7"]!.messages.map((m) => m.text)).toEqual(["old"]);
    expect(store.app.conversations["room-7"]!.hasMore).toBe(false);
    await store.signOut();
    expect(stopped).toEqual([50, 100]);
  });

  it("shows a refused action in words and keeps the screen", async () => {
    const { backend } = fake({
      pauseConsultation: async () => {
        throw { code: "rejected", message: "Chat is already paused." };
      },
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    const ok = await store.run("consultation-pause", () => backend.pauseConsultation("room-7"));
    expect(ok).toBe(false);
    expect(store.app.notices.at(-1)?.text).toBe("The server refused: Chat is already paused.");
    expect(store.pending["consultation-pause"]).toBeUndefined();
  });

  it("shows an expert on a server without presence as online once signed in", async () => {
    const { backend, calls } = fake();
    const store = new Store(backend);
    await store.signIn("p-1");
    expect(calls).toContain('setPresence("online")');
    expect(store.app.presence).toBe("online");
  });

  it("remembers that the server keeps no presence, and undoes a failed change", async () => {
    let fail = false;
    const { backend } = fake({
      setPresence: async (presence) => {
        if (fail) throw { code: "not_connected", message: "" };
        return { presence, on_server: false };
      },
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    await store.setPresence("online");
    expect(store.app.presence).toBe("online");
    expect(store.app.presenceOnServer).toBe(false);
    fail = true;
    await store.setPresence("busy");
    expect(store.app.presence).toBe("online");
    expect(store.app.notices.at(-1)?.code).toBe("not_connected");
  });

  it("opens a consultation found running in the core's first list, and stops following at sign-out", async () => {
    const live = pick("consultation_updated", 2).consultation;
    let stopped = 0;
    const { backend, calls } = fake({
      signIn: async () => ({ ...session, dialect: "presence-sessions", capabilities: ["consultations", "messaging", "presence"] }),
      observeConsultations: async (listener: (change: ListUpdate<ConsultationView>) => void) => {
        listener({ kind: "reset", items: [live] });
        return () => void stopped++;
      },
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    expect(store.current?.id).toBe("room-7");
    expect(calls).toContain('joinConversation("room-7")');
    await store.signOut();
    expect(stopped).toBe(1);
    expect(store.app.consultations.byId).toEqual({});
  });

  it("reloads the call history after a reconnect and leaves consultations and presence to the core", async () => {
    const { backend, calls } = fake({
      signIn: async () => ({ ...session, dialect: "presence-sessions", capabilities: ["consultations", "presence", "calls"] }),
      setPresence: async (presence) => ({ presence, on_server: true }),
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    await store.setPresence("online");
    calls.length = 0;
    store.dispatch({ event: "connection", state: { state: "reconnecting", attempt: 1, delay_ms: 500, reason: "transport close" } });
    store.dispatch({ event: "connection", state: { state: "connected" } });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual(["callHistory(200)"]);
  });

  it("closes the bill back to the dashboard", async () => {
    const { backend } = fake();
    const store = new Store(backend);
    await store.signIn("p-1");
    for (const e of story) store.dispatch(e);
    expect(store.app.consultations.billFor).toBe("room-7");
    store.closeBill();
    expect(store.app.consultations.billFor).toBeNull();
    expect(store.screen).toBe("dashboard");
  });
  it("lists 002's chats and opens one: join, then its history, on the Chats screen", async () => {
    const summary: ChatSummary = { id: "s-1", status: "active", participants: ["user1", "reader1"], unread: 2, joined: false };
    const { backend, calls } = fake({
      signIn: async () => ({ ...session, dialect: "tarot-chat", capabilities: ["messaging", "voice_notes"] }),
      observeChats: async (listener: (change: ListUpdate<ChatSummary>) => void) => {
        listener({ kind: "reset", items: [summary] });
        return () => {};
      },
    });
    const store = new Store(backend);
    await store.signIn("p-1");
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContain("observeChats()");
    expect(store.chats.map((c) => c.id)).toEqual(["s-1"]);
    // Its first messages are followed at once, so the list can name who is in it.
    expect(calls).toContain('observeMessages("s-1",50,)');
    store.navigate("chats");
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContain("refreshChats()");
    expect(await store.openChat("s-1")).toBe(true);
    expect(store.screen).toBe("chats");
    expect(store.app.chats.openId).toBe("s-1");
    expect(store.visibleConversation()).toBe("s-1");
    const join = calls.indexOf('joinConversation("s-1")');
    expect(join).toBeGreaterThanOrEqual(0);
    expect(calls.lastIndexOf('observeMessages("s-1",50,)')).toBeGreaterThan(join);
    // Opening it again does not join twice; a blank id opens nothing.
    await store.openChat("s-1");
    expect(calls.filter((c) => c === 'joinConversation("s-1")')).toHaveLength(1);
    expect(await store.openChat("  ")).toBe(false);
  });

  it("does not ask for chats where the server has no chat", async () => {
    const { backend, calls } = fake();
    const store = new Store(backend);
    await store.signIn("p-1");
    await store.reloadChats();
    expect(calls.some((c) => c.startsWith("refreshChats") || c.startsWith("observeChats"))).toBe(false);
  });
});
