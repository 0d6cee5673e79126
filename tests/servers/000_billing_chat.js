'use strict';
// Reference server for protocol document 000 (astrologer–user chat billing over socket.io).
// It follows the document and, where the document is silent, the "000 billing chat" section of
// README.md:
//
//   user        chat-request  -> chat-request-response (+ chat-request to the astrologer) | wallet-error
//   astrologer  chat-response -> chat-status (accepted|rejected) to both | chat-error
//   either      start-chat    -> chat-started        pause-chat / resume-chat -> chat-paused / chat-resumed
//   either      end-chat      -> chat-ended (or chat-status cancelled|rejected on a pending request)
//   server      chat-timer (every billed minute, on suspension and on reconnect), wallet-error,
//               chat-status expired, chat-error
//   admin       admin-monitor view-chats|end-chat -> admin-monitor
//
// Billing is postpaid per minute of active time. The active-time clock is never counted by
// ticks: it is `activeMs` (closed segments) plus `now - runningSince` while it runs, and each
// room has one timer for its next minute boundary. The clock runs only while the chat is active
// and both parties have a connected socket. Money is integer cents inside and "12.50" strings
// on the wire. With a state file, state is saved after every change and running consultations
// survive a restart (suspended until both parties reconnect).
//
// What goes on the wire depends on the mode (modes.js: default, PARLOR_SEED_ONLY=1, PARLOR_DRIFT=<seed>);
// shapes/000_billing_chat.js builds every payload. GET /debug/ledger is the test-only billing ledger.

const { Server } = require('socket.io');
const { createMode } = require('./modes');
const { createShapes } = require('./shapes/000_billing_chat');
const {
  parseArgs,
  handleCliModes,
  verifyToken,
  handshakeToken,
  toCents,
  fmtCents,
  persistentState,
  serve,
  httpServerFor,
  envInt,
  log,
  ioOptions,
} = require('./common');

const USAGE = 'Protocol 000: astrologer-user chat billing over socket.io (per-minute wallet billing).';

/** Seeded accounts (README "000 billing chat"). */
const ACCOUNTS = [
  { id: 'u-asha', role: 'user', name: 'Asha Verma', wallet: '500.00', currency: 'INR' },
  { id: 'u-ravi', role: 'user', name: 'Ravi Kumar', wallet: '25.00', currency: 'INR' },
  { id: 'a-sharma', role: 'astrologer', name: 'Pandit Sharma', ratePerMinute: '10.00', currency: 'INR' },
  { id: 'a-meera', role: 'astrologer', name: 'Meera Iyer', ratePerMinute: '12.50', currency: 'INR' },
  { id: 'admin', role: 'admin', name: 'Admin' },
];
const ACCOUNT_BY_ID = new Map(ACCOUNTS.map((a) => [a.id, a]));

const CHAT_TYPES = ['text', 'audio', 'video'];
const RESPONSES = ['accept', 'reject'];
const ADMIN_ACTIONS = ['view-chats', 'end-chat'];
/** Rooms that hold both parties: accepted (not yet started), active, paused. */
const LIVE = new Set(['accepted', 'active', 'paused']);

const config = {
  minuteMs: Math.max(1, envInt('PARLOR_BILLING_MINUTE_MS', 60000)),
  requestTimeoutMs: Math.max(1, envInt('PARLOR_REQUEST_TIMEOUT_MS', 60000)),
  graceMs: Math.max(0, envInt('PARLOR_DISCONNECT_GRACE_MS', 60000)),
};

const MSG = {
  accepted: 'Astrologer has accepted the request.',
  rejected: 'Astrologer has rejected the request.',
  expired: 'Chat request expired.',
  cancelled: 'Chat request cancelled.',
  walletStart: 'Insufficient wallet balance to start the chat.',
  walletContinue: 'Insufficient wallet balance to continue the chat.',
  adminOnly: 'Admin access required.',
  adminOk: 'Action performed successfully.',
  alreadyResponded: 'This chat request has already been answered.',
  busy: 'You are already in a session.',
};

// ---------------------------------------------------------------------------------------------
// State

/** The initial state: seeded wallets, no rooms. */
function initialState() {
  const wallets = {};
  for (const a of ACCOUNTS) if (a.role === 'user') wallets[a.id] = toCents(a.wallet);
  return { wallets, rooms: {}, savedAt: null };
}

/** A loaded state with anything missing filled in, so a foreign or older file cannot crash us. */
function normalizeState(loaded) {
  const fresh = initialState();
  if (!isObject(loaded) || !isObject(loaded.wallets) || !isObject(loaded.rooms)) return fresh;
  for (const [id, cents] of Object.entries(fresh.wallets)) {
    if (!Number.isInteger(loaded.wallets[id])) loaded.wallets[id] = cents;
  }
  for (const room of Object.values(loaded.rooms)) {
    if (isObject(room) && !Array.isArray(room.charges)) room.charges = [];
  }
  return loaded;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const iso = (ms) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// The billing chat service: rooms, clocks, timers and socket handlers.

function createBillingChat(io, state, persist, mode) {
  const shapes = createShapes(mode);
  const roomIdOf = shapes.roomIdArg;
  const online = new Map(); // account id -> number of connected sockets
  const timers = new Map(); // `${kind}:${roomId}` -> Timeout (kinds: expiry, billing, grace)
  let closing = false;

  const acct = (id) => `acct:${id}`;
  const isOnline = (id) => (online.get(id) || 0) > 0;
  const bothOnline = (room) => isOnline(room.userId) && isOnline(room.astrologerId);
  const balanceOf = (userId) => state.wallets[userId] || 0;
  const sideOf = (account) => (account.role === 'user' ? 'user' : 'astrologer');

  /** Own-property lookup: a client's roomId like "constructor" must not reach Object.prototype. */
  function getRoom(roomId) {
    return Object.hasOwn(state.rooms, roomId) ? state.rooms[roomId] : null;
  }

  function save() {
    state.savedAt = Date.now();
    persist(state);
  }

  // --- timers --------------------------------------------------------------------------------

  /** setTimeout fires at once for delays past 2^31-1 ms; a huge configured clock must not. */
  const MAX_DELAY = 2 ** 31 - 1;

  function setRoomTimer(kind, roomId, ms, fn) {
    clearRoomTimer(kind, roomId);
    const key = `${kind}:${roomId}`;
    const t = setTimeout(() => {
      timers.delete(key);
      guarded(`${kind} timer`, fn);
    }, Math.min(MAX_DELAY, Math.max(0, ms)));
    timers.set(key, t);
  }

  function clearRoomTimer(kind, roomId) {
    const key = `${kind}:${roomId}`;
    clearTimeout(timers.get(key));
    timers.delete(key);
  }

  function clearRoomTimers(roomId) {
    for (const kind of ['expiry', 'billing', 'grace']) clearRoomTimer(kind, roomId);
  }

  /** Runs `fn`, logging instead of crashing: no client input or timer may take the server down. */
  function guarded(what, fn) {
    try {
      return fn();
    } catch (e) {
      log(`000: ${what} failed: ${e && e.stack ? e.stack : e}`);
      return undefined;
    }
  }

  // --- emission ------------------------------------------------------------------------------

  /** Sends `event` to every socket of both parties; `build(side)` makes each side's payload (null: none). */
  function toParties(room, event, build) {
    for (const [side, id] of [['user', room.userId], ['astrologer', room.astrologerId]]) {
      const payload = build(side);
      if (payload !== null) io.to(acct(id)).emit(event, payload);
    }
  }

  function chatError(socket, error, message, roomId) {
    socket.emit('chat-error', shapes.chatError(error, message, roomId));
  }

  /** `room` may be a stand-in `{userId, rateCents}` before any room exists. */
  function walletError(room, message) {
    const known = room.roomId ? room : null;
    return shapes.walletError({ roomId: room.roomId, room: known, rateCents: room.rateCents, balanceCents: balanceOf(room.userId) }, message);
  }

  /** What a chat-timer says about the clock: paused, running (active) or waiting for a party (suspended). */
  function clockState(room) {
    if (room.status === 'paused') return 'paused';
    return bothOnline(room) ? 'active' : 'suspended';
  }

  function timerPayload(room, side) {
    return shapes.timer(room, side, clockState(room), balanceOf(room.userId));
  }

  function emitTimerToParties(room) {
    toParties(room, 'chat-timer', (side) => timerPayload(room, side));
  }

  function startedPayload(room, side) {
    return shapes.started(room, side, balanceOf(room.userId));
  }

  function chatStatus(room, status, message) {
    toParties(room, 'chat-status', () => shapes.chatStatus(room, status, message));
  }

  function requestNotice(room) {
    return shapes.requestNotice(room);
  }

  function summary(room) {
    return {
      roomId: room.roomId,
      userId: room.userId,
      astrologerId: room.astrologerId,
      chatType: room.chatType,
      status: room.status,
      duration: room.minutesBilled,
      cost: fmtCents(room.costCents),
      startTime: room.startTime,
    };
  }

  // --- the active-time clock and billing -----------------------------------------------------

  function activeMsOf(room, now = Date.now()) {
    return room.activeMs + (room.runningSince !== null ? Math.max(0, now - room.runningSince) : 0);
  }

  /** Starts or stops the clock to match the room: it runs only while active with both parties present. */
  function syncClock(room) {
    const shouldRun = room.status === 'active' && bothOnline(room);
    const running = room.runningSince !== null;
    if (shouldRun && !running) {
      room.runningSince = Date.now();
      scheduleTick(room);
    } else if (!shouldRun && running) {
      freezeClock(room);
    }
  }

  /** Closes the running segment into `activeMs`; the partial minute is kept for later. */
  function freezeClock(room) {
    room.activeMs = activeMsOf(room);
    room.runningSince = null;
    clearRoomTimer('billing', room.roomId);
  }

  /** One timer per room, due when the next whole minute of active time completes. */
  function scheduleTick(room) {
    const due = (room.minutesBilled + 1) * config.minuteMs - activeMsOf(room);
    setRoomTimer('billing', room.roomId, due, () => onBillingTick(room.roomId));
  }

  /** Takes one minute's rate from the wallet; false when the wallet cannot cover it. */
  function billMinute(room) {
    if (balanceOf(room.userId) < room.rateCents) return false;
    state.wallets[room.userId] = balanceOf(room.userId) - room.rateCents;
    room.costCents += room.rateCents;
    room.minutesBilled += 1;
    room.charges.push({ minute: room.minutesBilled, amount: fmtCents(room.rateCents), at: iso(Date.now()) });
    return true;
  }

  function onBillingTick(roomId) {
    const room = getRoom(roomId);
    if (!room || room.status !== 'active' || room.runningSince === null) return;
    // A late timer (busy event loop) may find more than one minute completed: bill each.
    while (activeMsOf(room) >= (room.minutesBilled + 1) * config.minuteMs) {
      if (!billMinute(room)) return endForBalance(room);
      emitTimerToParties(room);
      if (balanceOf(room.userId) < room.rateCents) return endForBalance(room);
    }
    save();
    scheduleTick(room);
  }

  /** Postpaid billing cannot continue: tell the user, then end the chat. */
  function endForBalance(room) {
    io.to(acct(room.userId)).emit('wallet-error', walletError(room, MSG.walletContinue));
    endRoom(room, 'system', 'insufficient_balance');
  }

  // --- room lifecycle ------------------------------------------------------------------------

  function createRoom(user, astrologer, chatType) {
    const now = Date.now();
    const room = {
      ...shapes.newRoomId(state.rooms),
      userId: user.id,
      userName: user.name,
      astrologerId: astrologer.id,
      chatType,
      rateCents: toCents(astrologer.ratePerMinute),
      status: 'pending',
      createdAt: iso(now),
      expiresAt: iso(now + config.requestTimeoutMs),
      respondedAt: null,
      startTime: null,
      endedAt: null,
      endedBy: null,
      endReason: null,
      pausedBy: null,
      minutesBilled: 0,
      costCents: 0,
      activeMs: 0,
      runningSince: null,
      graceUntil: null,
      charges: [],
    };
    state.rooms[room.roomId] = room;
    armExpiry(room);
    return room;
  }

  function armExpiry(room) {
    setRoomTimer('expiry', room.roomId, Date.parse(room.expiresAt) - Date.now(), () => {
      if (room.status !== 'pending') return;
      room.status = 'expired';
      room.endedAt = iso(Date.now());
      save();
      chatStatus(room, 'expired', MSG.expired);
    });
  }

  /** The astrologer's answer; the single-threaded check-and-set makes exactly one answer win. */
  function answerRequest(room, response) {
    clearRoomTimer('expiry', room.roomId);
    room.respondedAt = iso(Date.now());
    if (response === 'accept') {
      room.status = 'accepted';
      // A party may already be gone; the room then follows the disconnect rules.
      if (!bothOnline(room)) armGrace(room);
      save();
      chatStatus(room, 'accepted', MSG.accepted);
    } else {
      room.status = 'rejected';
      room.endedAt = room.respondedAt;
      save();
      chatStatus(room, 'rejected', MSG.rejected);
    }
  }

  function cancelRequest(room) {
    clearRoomTimer('expiry', room.roomId);
    room.status = 'cancelled';
    room.endedAt = iso(Date.now());
    save();
    chatStatus(room, 'cancelled', MSG.cancelled);
  }

  /**
   * Seed-only: `end-chat` on a pending request. The document's only answer to end-chat is
   * `chat-ended`, so both parties get one with nothing billed (the astrologer's end declines).
   */
  function endPending(room, side) {
    clearRoomTimer('expiry', room.roomId);
    room.status = side === 'astrologer' ? 'rejected' : 'cancelled';
    room.respondedAt = room.respondedAt || iso(Date.now());
    room.endedAt = iso(Date.now());
    save();
    toParties(room, 'chat-ended', (s) => shapes.ended(room, s, { endedBy: side, reason: room.status, balanceCents: balanceOf(room.userId) }));
  }

  /**
   * Ends a live room. Every end but a dry wallet bills the started partial minute as a whole one
   * (the wallet covers it: billing ends the chat as soon as it could not cover the next minute).
   */
  function endRoom(room, endedBy, reason) {
    freezeClock(room);
    if (reason !== 'insufficient_balance') {
      const started = Math.ceil(room.activeMs / config.minuteMs);
      while (room.minutesBilled < started) if (!billMinute(room)) break;
    }
    clearRoomTimers(room.roomId);
    room.status = 'ended';
    room.endedAt = iso(Date.now());
    room.endedBy = endedBy;
    room.endReason = reason;
    room.graceUntil = null;
    save();
    toParties(room, 'chat-ended', (side) => shapes.ended(room, side, { endedBy, reason, balanceCents: balanceOf(room.userId) }));
  }

  // --- presence, suspension and grace --------------------------------------------------------

  function roomsOf(accountId, statuses) {
    return Object.values(state.rooms).filter(
      (r) => (r.userId === accountId || r.astrologerId === accountId) && statuses.has(r.status),
    );
  }

  /** Ends the room with reason `disconnect` unless both parties are back within the grace period. */
  function armGrace(room) {
    room.graceUntil = iso(Date.now() + config.graceMs);
    setRoomTimer('grace', room.roomId, config.graceMs, () => {
      if (LIVE.has(room.status) && !bothOnline(room)) endRoom(room, 'system', 'disconnect');
    });
  }

  function clearGrace(room) {
    clearRoomTimer('grace', room.roomId);
    room.graceUntil = null;
  }

  /** A socket connected: resume suspended clocks and let every client reconcile its chats. */
  function partyArrived(socket) {
    const account = socket.data.account;
    const first = !isOnline(account.id);
    online.set(account.id, (online.get(account.id) || 0) + 1);
    let changed = false;
    for (const room of roomsOf(account.id, LIVE)) {
      const wasRunning = room.runningSince !== null;
      if (bothOnline(room)) clearGrace(room);
      else armGrace(room); // the other party is still away: its grace restarts from now
      syncClock(room);
      changed = true;
      if (room.status === 'accepted' || !shapes.reconcileTimers) continue;
      // The counterpart learns the chat is running again; otherwise only this socket reconciles.
      if (first && !wasRunning && room.runningSince !== null) emitTimerToParties(room);
      else socket.emit('chat-timer', timerPayload(room, sideOf(account)));
    }
    // A second device of an astrologer also sees the requests still waiting for an answer.
    if (account.role === 'astrologer' && shapes.replaysRequests) {
      for (const room of roomsOf(account.id, new Set(['pending']))) socket.emit('chat-request', requestNotice(room));
    }
    if (changed) save();
  }

  /** A socket left: when it was the party's last one, its chats are suspended and the grace starts. */
  function partyLeft(account) {
    if (closing) return;
    const left = Math.max(0, (online.get(account.id) || 0) - 1);
    if (left > 0) {
      online.set(account.id, left);
      return;
    }
    online.delete(account.id);
    const rooms = roomsOf(account.id, LIVE);
    for (const room of rooms) {
      syncClock(room);
      // State "suspended" for the one still here (default mode: seed-only ticks only on billing).
      if (room.status === 'active' && shapes.reconcileTimers) emitTimerToParties(room);
      armGrace(room);
    }
    if (rooms.length) save();
  }

  // --- socket handlers -----------------------------------------------------------------------

  function onChatRequest(socket, p) {
    const fail = (error, message) => socket.emit('chat-request-response', shapes.requestFailed(error, message));
    const me = socket.data.account;
    if (!isObject(p) || typeof p.userId !== 'string' || typeof p.astrologerId !== 'string' || !CHAT_TYPES.includes(p.chatType)) {
      return fail('INVALID_REQUEST', 'userId, astrologerId and chatType (text|audio|video) are required.');
    }
    if (me.role !== 'user') return fail('FORBIDDEN', 'Only users can request a chat.');
    if (p.userId !== me.id) return fail('FORBIDDEN', 'userId must be your own account.');
    const astrologer = ACCOUNT_BY_ID.get(p.astrologerId);
    if (!astrologer || astrologer.role !== 'astrologer') return fail('ASTROLOGER_NOT_FOUND', 'Astrologer not found.');
    // One consultation at a time per user: the wallet guarantee of postpaid billing relies on it.
    const open = roomsOf(me.id, new Set(['pending', ...LIVE]));
    if (open.length) {
      const waiting = open[0].status === 'pending';
      return fail('REQUEST_PENDING', waiting ? 'You already have a pending chat request.' : 'You are already in a chat.');
    }
    if (!isOnline(astrologer.id)) return fail('ASTROLOGER_OFFLINE', 'Astrologer is offline.');
    if (roomsOf(astrologer.id, LIVE).length) return fail('ASTROLOGER_BUSY', 'Astrologer is busy in another chat.');
    const rateCents = toCents(astrologer.ratePerMinute);
    if (balanceOf(me.id) < rateCents) {
      return socket.emit('wallet-error', walletError({ userId: me.id, rateCents }, MSG.walletStart));
    }
    const room = createRoom(me, astrologer, p.chatType);
    save();
    socket.emit('chat-request-response', shapes.requestSent(room));
    io.to(acct(astrologer.id)).emit('chat-request', requestNotice(room));
  }

  function onChatResponse(socket, p) {
    const me = socket.data.account;
    const roomId = roomIdOf(p);
    if (!roomId || !RESPONSES.includes(p.response)) {
      return chatError(socket, 'INVALID_REQUEST', 'roomId and response (accept|reject) are required.', roomId);
    }
    if (me.role !== 'astrologer') return chatError(socket, 'FORBIDDEN', 'Only astrologers can answer chat requests.', roomId);
    const room = getRoom(roomId);
    if (!room) return chatError(socket, 'ROOM_NOT_FOUND', 'Chat room not found.', roomId);
    if (room.astrologerId !== me.id) return chatError(socket, 'FORBIDDEN', 'This chat request is not addressed to you.', roomId);
    if (room.respondedAt) return chatError(socket, 'ALREADY_RESPONDED', MSG.alreadyResponded, roomId);
    if (room.status !== 'pending') return chatError(socket, 'INVALID_STATE', `This chat request is ${room.status}.`, roomId);
    if (p.response === 'accept' && roomsOf(me.id, LIVE).length) return chatError(socket, 'ASTROLOGER_BUSY', MSG.busy, roomId);
    answerRequest(room, p.response);
  }

  /** The room a party operation names, or null after answering the documented chat-error. */
  function partyRoom(socket, p) {
    const refuse = (error, message, roomId) => {
      chatError(socket, error, message, roomId);
      return null;
    };
    const roomId = roomIdOf(p);
    if (!roomId) return refuse('INVALID_REQUEST', 'roomId is required.');
    const room = getRoom(roomId);
    if (!room) return refuse('ROOM_NOT_FOUND', 'Chat room not found.', roomId);
    const me = socket.data.account.id;
    if (room.userId !== me && room.astrologerId !== me) return refuse('FORBIDDEN', 'You are not a participant of this chat.', roomId);
    return room;
  }

  function onStartChat(socket, p) {
    const room = partyRoom(socket, p);
    if (!room) return;
    const side = sideOf(socket.data.account);
    // Both apps typically send start-chat after the accept: the second one just gets the answer again.
    if (room.status === 'active' || room.status === 'paused') return socket.emit('chat-started', startedPayload(room, side));
    if (room.status !== 'accepted') return chatError(socket, 'INVALID_STATE', `Chat cannot be started: it is ${room.status}.`, room.roomId);
    if (balanceOf(room.userId) < room.rateCents) {
      io.to(acct(room.userId)).emit('wallet-error', walletError(room, MSG.walletStart));
      return endRoom(room, 'system', 'insufficient_balance');
    }
    room.status = 'active';
    room.startTime = iso(Date.now());
    syncClock(room);
    save();
    toParties(room, 'chat-started', (s) => startedPayload(room, s));
  }

  function onPauseChat(socket, p) {
    const room = partyRoom(socket, p);
    if (!room) return;
    if (room.status !== 'active') return chatError(socket, 'INVALID_STATE', 'Chat is not active.', room.roomId);
    room.status = 'paused';
    room.pausedBy = sideOf(socket.data.account);
    syncClock(room);
    save();
    toParties(room, 'chat-paused', () => shapes.paused(room));
  }

  function onResumeChat(socket, p) {
    const room = partyRoom(socket, p);
    if (!room) return;
    if (room.status !== 'paused') return chatError(socket, 'INVALID_STATE', 'Chat is not paused.', room.roomId);
    const pausedBy = room.pausedBy;
    const resumedBy = sideOf(socket.data.account);
    room.status = 'active';
    room.pausedBy = null;
    syncClock(room);
    save();
    toParties(room, 'chat-resumed', () => shapes.resumed(room, pausedBy, resumedBy));
  }

  function onEndChat(socket, p) {
    const room = partyRoom(socket, p);
    if (!room) return;
    const side = sideOf(socket.data.account);
    if (room.status === 'pending') {
      if (mode.seedOnly) return endPending(room, side);
      // Before an answer, ending is the user's cancel or the astrologer's decline.
      return side === 'user' ? cancelRequest(room) : answerRequest(room, 'reject');
    }
    if (!LIVE.has(room.status)) return chatError(socket, 'INVALID_STATE', `Chat is already ${room.status}.`, room.roomId);
    endRoom(room, side, 'ended');
  }

  function onAdminMonitor(socket, p) {
    const reply = (body) => socket.emit('admin-monitor', body);
    const fail = (errorCode, message) => reply(shapes.adminMonitor({ ok: false, message, errorCode }));
    const done = (chats) => reply(shapes.adminMonitor({ ok: true, message: MSG.adminOk, chats }));
    if (socket.data.account.role !== 'admin') return fail('FORBIDDEN', MSG.adminOnly);
    if (!isObject(p) || !ADMIN_ACTIONS.includes(p.action)) return fail('INVALID_REQUEST', 'action must be view-chats or end-chat.');
    if (p.roomId !== undefined && p.roomId !== null && !roomIdOf(p)) return fail('INVALID_REQUEST', 'roomId must be a string.');
    const roomId = roomIdOf(p);
    const room = roomId ? getRoom(roomId) : null;
    if (roomId && !room) return fail('ROOM_NOT_FOUND', 'Chat room not found.');
    if (p.action === 'view-chats') {
      return done(room ? [summary(room)] : Object.values(state.rooms).map(summary));
    }
    if (!room) return fail('INVALID_REQUEST', 'roomId is required.');
    if (room.status === 'pending') {
      if (mode.seedOnly) endPending(room, 'admin');
      else cancelRequest(room);
    } else if (LIVE.has(room.status)) endRoom(room, 'admin', 'admin');
    else return fail('INVALID_STATE', `Chat is already ${room.status}.`);
    done([summary(room)]);
  }

  /**
   * Test-only (GET /debug/ledger, README "Counting on the server"): every room as the server
   * billed it, each charged minute, and the wallets. `room` narrows it to one room.
   */
  function ledger(query) {
    const rooms = Object.values(state.rooms)
      .filter((r) => !query.room || r.roomId === query.room)
      .map((r) => ({
        roomId: r.roomId,
        userId: r.userId,
        astrologerId: r.astrologerId,
        chatType: r.chatType,
        status: r.status,
        ratePerMinute: fmtCents(r.rateCents),
        duration: r.minutesBilled,
        cost: fmtCents(r.costCents),
        activeMs: activeMsOf(r),
        createdAt: r.createdAt,
        startTime: r.startTime,
        endedAt: r.endedAt,
        endedBy: r.endedBy,
        endReason: r.endReason,
        charges: r.charges,
      }));
    const wallets = Object.fromEntries(Object.entries(state.wallets).map(([id, c]) => [id, fmtCents(c)]));
    return { rooms, wallets };
  }

  // --- wiring --------------------------------------------------------------------------------

  function authenticate(socket, next) {
    const token = handshakeToken(socket.handshake);
    if (!token) return next(new Error('Authentication token required'));
    const verdict = verifyToken(token);
    const account = verdict.ok ? ACCOUNT_BY_ID.get(String(verdict.claims.sub)) : null;
    if (!account) return next(new Error('Invalid or expired token'));
    socket.data.account = account;
    next();
  }

  const handlers = {
    'chat-request': onChatRequest,
    'chat-response': onChatResponse,
    'start-chat': onStartChat,
    'pause-chat': onPauseChat,
    'resume-chat': onResumeChat,
    'end-chat': onEndChat,
    'admin-monitor': onAdminMonitor,
  };

  function onConnection(socket) {
    const account = socket.data.account;
    log(`000: ${account.id} connected (${socket.id})`);
    socket.join(acct(account.id));
    for (const [event, handler] of Object.entries(handlers)) {
      socket.on(event, (payload, ack) => {
        if (mode.drift && typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
        const done = guarded(event, () => {
          handler(socket, payload);
          return true;
        });
        if (!done) chatError(socket, 'INTERNAL', 'Internal server error.');
        // The document defines no acks: only a drifted server answers one (never, empty, or its own body).
        if (mode.drift) mode.drift.ack(`000.${event}`, ack, { status: done ? 'received' : 'error' });
      });
    }
    socket.on('disconnect', () => guarded('disconnect', () => partyLeft(account)));
    guarded('connect', () => partyArrived(socket));
  }

  /**
   * After a restart nobody is connected: clocks that were running continue from the saved
   * progress once both parties are back, pending requests keep their expiry, and every live
   * room gets a fresh grace period.
   */
  function restore() {
    for (const room of Object.values(state.rooms)) {
      if (room.runningSince !== null) {
        // Crash without a clean shutdown: credit the active time up to the last save.
        const until = Number.isFinite(state.savedAt) ? state.savedAt : room.runningSince;
        room.activeMs += Math.max(0, until - room.runningSince);
        room.runningSince = null;
      }
      if (room.status === 'pending') armExpiry(room);
      if (LIVE.has(room.status)) armGrace(room);
    }
    save();
  }

  /** Clean shutdown: close every running segment so the saved progress is exact. */
  function shutdown() {
    closing = true;
    for (const room of Object.values(state.rooms)) if (room.runningSince !== null) freezeClock(room);
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    save();
  }

  io.use(authenticate);
  io.on('connection', onConnection);
  restore();
  return { shutdown, ledger };
}

// ---------------------------------------------------------------------------------------------
// Process

function main() {
  const args = parseArgs();
  if (handleCliModes(args, { name: '000_billing_chat.js', usage: USAGE, accounts: ACCOUNTS })) return;
  const store = persistentState(args.stateFile, initialState);
  const state = normalizeState(store.load());
  const mode = createMode('000');
  const httpServer = httpServerFor((req, res) => {
    if (mode.serveTestRoutes(req, res)) return undefined;
    if (req.method === 'GET' && req.url.split('?')[0] === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"ok":true}');
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  const io = new Server(httpServer, ioOptions());
  const chat = createBillingChat(io, state, (s) => store.save(s), mode);
  mode.debugRoutes['/debug/ledger'] = (query) => chat.ledger(query);
  serve(httpServer, io, args.port, () => chat.shutdown(), mode);
}

main();
