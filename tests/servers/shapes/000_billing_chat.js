'use strict';
// Every payload 000_billing_chat.js sends, in the active mode (README "000 billing chat" and
// "Modes"). Default: the document plus the README's extensions. Seed-only: exactly the fields the
// document prints (plus the astrologer's `chat-request` notice, a gap the flow needs). Drift:
// seed-only with extra fields, id / money / count / timestamp forms and nesting varied.

const crypto = require('node:crypto');
const { fmtCents } = require('../common');

/** Document 000's chat-status values; `expired` and `cancelled` are extensions. */
const DOC_STATUSES = new Set(['accepted', 'rejected']);
/** Codes whose situation the document has no word for: seed-only folds them into INVALID_STATE. */
const EXTENSION_CODES = { ALREADY_RESPONDED: 'INVALID_STATE', ASTROLOGER_BUSY: 'INVALID_STATE' };

function createShapes(mode) {
  const drift = mode.drift;
  const ext = mode.extensions;

  // --- ids ---------------------------------------------------------------------------------

  let nextNumeric = 1000 + (drift ? Math.floor(drift.rng('000.roomId.base', 'run').r() * 9000) : 0);

  /** A fresh room id (always a string inside; `wireId` gives its form on the wire). */
  function newRoomId(existing) {
    if (!drift) return { roomId: crypto.randomUUID(), idForm: 'uuid' };
    const form = drift.choose('000.roomId.form', ['uuid', 'numeric-string', 'number', 'objectid']);
    if (form === 'uuid') return { roomId: crypto.randomUUID(), idForm: form };
    if (form === 'objectid') return { roomId: crypto.randomBytes(12).toString('hex'), idForm: form };
    while (Object.hasOwn(existing, String(nextNumeric))) nextNumeric++;
    return { roomId: String(nextNumeric++), idForm: form };
  }

  /** The room id as this room's server sends it: a number for a numeric-id room in drift. */
  const wireId = (room) => (room.idForm === 'number' ? Number(room.roomId) : room.roomId);

  /** A client's roomId: a non-empty string, or (drift, where ids may be numbers) an integer. */
  function roomIdArg(payload) {
    const v = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload.roomId : undefined;
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (drift && Number.isSafeInteger(v) && v >= 0) return String(v);
    return null;
  }

  // --- drift helpers -----------------------------------------------------------------------

  const money = (key, cents) => (drift ? drift.money(key, cents) : fmtCents(cents));
  const count = (key, n) => (drift ? drift.count(key, n) : n);
  const time = (key, iso) => (drift ? drift.time(key, iso) : iso);
  const decorate = (key, payload, collide) => (drift ? drift.decorate(key, payload, collide) : payload);
  const wrongShapes = {
    balance: (r) => (r() < 0.5 ? { amount: '1.00', currency: 'INR' } : [1, 2]),
    state: (r) => (r() < 0.5 ? 7 : { phase: 'on' }),
    currency: (r) => (r() < 0.5 ? 356 : ['INR']),
    ratePerMinute: () => ({ value: 10 }),
    endedBy: () => 3,
    reason: () => ({ why: 'x' }),
    pausedBy: () => [],
    resumedBy: () => false,
    expiresAt: () => 1700000000,
    userName: () => ({ first: 'A' }),
  };
  const pick = (...names) => Object.fromEntries(names.map((n) => [n, wrongShapes[n]]));

  /** Drift: a payload that does not print the room id may carry it anyway, flat or nested. */
  function maybeRoom(key, payload, room) {
    if (!drift) return payload;
    const how = drift.choose(`${key}.roomId`, ['none', 'flat', 'nested']);
    if (how === 'flat') return { ...payload, roomId: wireId(room) };
    if (how === 'nested') return { ...payload, room: { id: wireId(room) } };
    return payload;
  }

  /** A drifted error code: the document's ERROR_CODE placeholder leaves its spelling open. */
  function code(c) {
    if (!drift) return c;
    const style = drift.choose('000.chat-error.code', ['UPPER', 'lower', 'prefixed']);
    if (style === 'lower') return c.toLowerCase();
    if (style === 'prefixed') return `E_${c}`;
    return c;
  }

  // --- payloads ----------------------------------------------------------------------------

  return {
    newRoomId,
    wireId,
    roomIdArg,
    /** Default mode only: errors keep the server's code; a second device sees waiting requests. */
    replaysRequests: ext,
    /** Default mode only: chat-timers on suspension, on resumption and on reconnect. */
    reconcileTimers: ext,

    requestSent(room) {
      const data = { roomId: wireId(room), astrologerId: room.astrologerId };
      if (ext) Object.assign(data, { ratePerMinute: fmtCents(room.rateCents), expiresAt: room.expiresAt });
      return decorate('000.chat-request-response', {
        status: 'success',
        message: 'Chat request sent to astrologer.',
        data: decorate('000.chat-request-response.data', data, pick('ratePerMinute', 'expiresAt')),
      }, { error: (r) => (r() < 0.5 ? { code: 1 } : 'OK') });
    },

    requestFailed(errorCode, message) {
      return ext ? { status: 'error', message, error: errorCode } : decorate('000.chat-request-response', { status: 'error', message });
    },

    walletError({ roomId, room, rateCents, balanceCents }, message) {
      if (ext) {
        return { status: 'error', message, requiredBalance: fmtCents(rateCents), balance: fmtCents(balanceCents), ...(roomId ? { roomId } : {}) };
      }
      const p = { status: 'error', message, requiredBalance: money('000.wallet-error', rateCents) };
      return decorate('000.wallet-error', room ? maybeRoom('000.wallet-error', p, room) : p, pick('balance'));
    },

    /** The astrologer's notice of a new request (the document never says how they learn of it). */
    requestNotice(room) {
      if (ext) {
        return { roomId: room.roomId, userId: room.userId, userName: room.userName, chatType: room.chatType, ratePerMinute: fmtCents(room.rateCents), expiresAt: room.expiresAt };
      }
      const flat = { roomId: wireId(room), userId: room.userId, astrologerId: room.astrologerId, chatType: room.chatType };
      if (!drift) return flat;
      const shape = drift.choose('000.chat-request.shape', ['flat', 'userObject', 'roomObject', 'dataWrapper']);
      let p = flat;
      if (shape === 'userObject') p = { roomId: wireId(room), user: { id: room.userId, name: room.userName }, astrologerId: room.astrologerId, chatType: room.chatType };
      if (shape === 'roomObject') p = { room: { id: wireId(room), chatType: room.chatType }, user: { id: room.userId }, astrologerId: room.astrologerId, chatType: room.chatType };
      if (shape === 'dataWrapper') p = { data: decorate('000.chat-request.data', flat) };
      return decorate('000.chat-request', p, pick('userName', 'expiresAt', 'ratePerMinute'));
    },

    /**
     * chat-status; null when seed-only has no such status to send. Seed-only knows only
     * accepted|rejected: an expired request is a rejection whose message says so.
     */
    chatStatus(room, status, message) {
      if (ext) return { status, message, roomId: room.roomId };
      const docStatus = DOC_STATUSES.has(status) ? status : status === 'expired' ? 'rejected' : null;
      if (!docStatus) return null;
      return decorate('000.chat-status', { status: docStatus, message, roomId: wireId(room) });
    },

    started(room, side, balanceCents) {
      const p = { status: 'success', message: 'Chat session started.', startTime: room.startTime };
      if (ext) {
        Object.assign(p, { roomId: room.roomId, ratePerMinute: fmtCents(room.rateCents), currency: 'INR' });
        if (side === 'user') p.balance = fmtCents(balanceCents);
        return p;
      }
      p.startTime = time('000.chat-started', room.startTime);
      return decorate('000.chat-started', maybeRoom('000.chat-started', p, room), pick('balance', 'ratePerMinute', 'currency'));
    },

    paused(room) {
      const p = { status: 'success', message: 'Chat paused successfully.' };
      if (ext) return { ...p, roomId: room.roomId, pausedBy: room.pausedBy };
      return decorate('000.chat-paused', maybeRoom('000.chat-paused', p, room), pick('pausedBy'));
    },

    resumed(room, pausedBy, resumedBy) {
      const p = { status: 'success', message: 'Chat resumed successfully.' };
      if (ext) return { ...p, roomId: room.roomId, pausedBy, resumedBy };
      return decorate('000.chat-resumed', maybeRoom('000.chat-resumed', p, room), pick('pausedBy', 'resumedBy'));
    },

    ended(room, side, { endedBy, reason, balanceCents }) {
      const p = { status: 'success', message: 'Chat session ended.', duration: room.minutesBilled, totalCost: fmtCents(room.costCents) };
      if (ext) {
        Object.assign(p, { roomId: room.roomId, endedBy, reason, ratePerMinute: fmtCents(room.rateCents) });
        if (side === 'user') p.balance = fmtCents(balanceCents);
        return p;
      }
      p.duration = count('000.chat-ended.duration', room.minutesBilled);
      p.totalCost = money('000.chat-ended.totalCost', room.costCents);
      return decorate('000.chat-ended', maybeRoom('000.chat-ended', p, room), pick('balance', 'endedBy', 'reason', 'ratePerMinute'));
    },

    timer(room, side, state, balanceCents) {
      if (ext) {
        const p = { roomId: room.roomId, duration: room.minutesBilled, cost: fmtCents(room.costCents), state };
        if (side === 'user') p.balance = fmtCents(balanceCents);
        return p;
      }
      return decorate('000.chat-timer', {
        roomId: wireId(room),
        duration: count('000.chat-timer.duration', room.minutesBilled),
        cost: money('000.chat-timer.cost', room.costCents),
      }, pick('balance', 'state', 'currency'));
    },

    chatError(errorCode, message, roomId) {
      if (ext) return roomId ? { error: errorCode, message, roomId } : { error: errorCode, message };
      return decorate('000.chat-error', { error: code(EXTENSION_CODES[errorCode] || errorCode), message });
    },

    adminMonitor({ ok, message, errorCode, chats }) {
      if (ext) {
        if (!ok) return { status: 'error', message, error: errorCode };
        return { status: 'success', message, data: { chats } };
      }
      return decorate('000.admin-monitor', { status: ok ? 'success' : 'error', message });
    },
  };
}

module.exports = { createShapes };
