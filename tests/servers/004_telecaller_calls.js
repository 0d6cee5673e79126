'use strict';
// Reference server for protocol document 004 (user ↔ telecaller calls with LiveKit media).
// It follows the document and, where the document is silent, the "004 telecaller calls" section
// of README.md:
//
//   /user        (documented) call:initiate, call:cancel, call:end
//                -> telecaller:presence-changed, call:ringing, call:accepted, call:rejected,
//                   call:missed, call:ended, call:error, error
//   /telecaller  (extension, by symmetry) presence:update, call:accept, call:reject, call:end
//                -> call:incoming, call:accepted, call:cancelled, call:missed, call:ended,
//                   call:error, error
//
// Coins are whole numbers (the document's unit), not money strings. State (users' coins and
// statuses, telecallers' stored presence, the call history) is saved to the state file after
// every change; a call still RINGING when the server restarts is MISSED.
//
// The wire depends on the mode (modes.js); shapes/004_telecaller_calls.js shapes payloads and acks.
// GET /debug/calls lists every call as recorded and billed (test-only).

const crypto = require('node:crypto');
const { Server } = require('socket.io');
const { AccessToken } = require('livekit-server-sdk');
const {
  parseArgs,
  handleCliModes,
  verifyToken,
  handshakeToken,
  rateLimiter,
  persistentState,
  serve,
  httpServerFor,
  envInt,
  log,
  nowIso,
  ioOptions,
} = require('./common');
const { createMode } = require('./modes');
const { createShapes } = require('./shapes/004_telecaller_calls');

const USAGE = 'Protocol 004: telecaller calls on /user (and /telecaller) with LiveKit credentials.';

const ACCOUNTS = [
  { id: '507f1f77bcf86cd799439011', role: 'USER', name: 'Arjun Mehta', status: 'ACTIVE', coins: 1000, profile: 'avatar-1' },
  { id: '507f1f77bcf86cd799439012', role: 'USER', name: 'Kavya Rao', status: 'ACTIVE', coins: 1000, profile: 'avatar-2' },
  { id: '507f1f77bcf86cd799439013', role: 'USER', name: 'Suspended User', status: 'SUSPENDED', coins: 1000, profile: null },
  {
    id: '507f1f77bcf86cd799439031', role: 'TELECALLER', name: 'Jane Smith', status: 'ACTIVE', approved: true, ratePerMinute: 6,
    profile: 'avatar-3', language: 'hindi', about: 'Experienced telecaller with 5 years of experience.',
  },
  {
    id: '507f1f77bcf86cd799439032', role: 'TELECALLER', name: 'Priya Nair', status: 'ACTIVE', approved: true, ratePerMinute: 8,
    profile: 'avatar-5', language: 'tamil', about: 'Friendly listener, evenings and weekends.',
  },
  {
    id: '507f1f77bcf86cd799439033', role: 'TELECALLER', name: 'Pending Telecaller', status: 'ACTIVE', approved: false, ratePerMinute: 5,
    profile: null, language: 'english', about: 'Awaiting approval.',
  },
];
const ACCOUNT_BY_ID = new Map(ACCOUNTS.map((a) => [a.id, a]));
const TELECALLERS = ACCOUNTS.filter((a) => a.role === 'TELECALLER');

const CALL_TYPES = ['AUDIO', 'VIDEO'];
const ACTIVE = ['RINGING', 'ACCEPTED'];

const MSG = {
  invalidRequest: 'Invalid call request',
  invalidType: 'Invalid call type',
  tooManyCalls: 'Too many call attempts. Please wait a moment.',
  tooManyRequests: 'Too many requests. Please wait a moment.',
  accountUnavailable: 'Your account is not available. Please contact support.',
  noLongerAvailable: 'This person is no longer available for calls.',
  offline: (name) => `${name} is currently offline. Please try again later.`,
  busy: (name) => `${name} is busy on another call. Please try again later.`,
  unavailable: (name) => `${name} is currently unavailable. Please try again later.`,
  activeCall: 'You already have an active call.',
  notFound: 'Call not found.',
  notRinging: 'Call is not ringing.',
  notActive: 'Call is not active.',
  generic: 'An error occurred',
};

const scale = (() => {
  const s = Number.parseFloat(process.env.PARLOR_RATE_LIMIT_SCALE || '1');
  return Number.isFinite(s) && s > 0 ? s : 1;
})();
const limit = (n) => Math.max(1, Math.round(n * scale));

const config = {
  callTimeoutMs: Math.max(1, envInt('PARLOR_CALL_TIMEOUT_MS', 30000)),
  minuteMs: Math.max(1, envInt('PARLOR_BILLING_MINUTE_MS', 60000)),
  graceMs: Math.max(1, envInt('PARLOR_DISCONNECT_GRACE_MS', 60000)),
  livekitKey: process.env.LIVEKIT_API_KEY || 'devkey',
  livekitSecret: process.env.LIVEKIT_API_SECRET || 'parlor-dev-livekit-secret-0123456789abcdef',
  livekitUrl: process.env.LIVEKIT_URL || 'ws://127.0.0.1:7880',
  testHooks: process.env.PARLOR_TEST_HOOKS === '1',
};

/** A call-related failure: `call:error {message}` (and a failed ack). */
class CallError extends Error {}
/** A general failure: `error {message}` (and a failed ack). */
class GeneralError extends Error {}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonEmptyString(v) {
  return typeof v === 'string' && v.trim() !== '';
}

/** `obj[key]` for an own key only: a client-sent id like "__proto__" must not reach the prototype. */
function own(obj, key) {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function objectId() {
  const secs = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return secs + crypto.randomBytes(8).toString('hex');
}

function initialState() {
  const state = { accounts: {}, telecallers: {}, calls: {} };
  for (const a of ACCOUNTS) {
    state.accounts[a.id] = { status: a.status };
    if (a.role === 'USER') state.accounts[a.id].coins = a.coins;
    // The stored status is the telecaller's own switch; it starts OFFLINE.
    if (a.role === 'TELECALLER') state.telecallers[a.id] = { presence: 'OFFLINE' };
  }
  return state;
}

function main() {
  const args = parseArgs();
  if (handleCliModes(args, { name: '004_telecaller_calls', usage: USAGE, accounts: ACCOUNTS })) return;

  const store = persistentState(args.stateFile, initialState);
  const state = store.load();
  const save = () => store.save(state);
  let shuttingDown = false;
  const mode = createMode('004');
  const shapes = createShapes(mode);
  /** A payload as the active mode sends it (shapes/004_telecaller_calls.js). */
  const wire = (event, payload) => shapes.payload(event, payload);

  const httpServer = httpServerFor((req, res) => httpHandler(req, res));
  const io = new Server(httpServer, ioOptions());
  const userNs = io.of('/user');
  const tcNs = io.of('/telecaller');

  const ringTimers = new Map();
  const socketCounts = { USER: new Map(), TELECALLER: new Map() };
  /** Last presence each approved telecaller was reported with, to broadcast changes only. */
  const reported = new Map();

  const limiters = {
    connectUser: rateLimiter(limit(10), 60000),
    connectTelecaller: rateLimiter(limit(10), 60000),
    initiate: rateLimiter(limit(5), 60000),
    cancel: rateLimiter(limit(20), 60000),
    end: rateLimiter(limit(20), 60000),
  };

  const userRoom = (id) => `u:${id}`;
  const tcRoom = (id) => `t:${id}`;
  const toUser = (id) => userNs.to(userRoom(id));
  const toTelecaller = (id) => tcNs.to(tcRoom(id));
  const connected = (role, id) => (socketCounts[role].get(id) || 0) > 0;

  // --- presence -------------------------------------------------------------------------------

  function activeCallOf(field, id) {
    return Object.values(state.calls).find((c) => c[field] === id && ACTIVE.includes(c.status)) || null;
  }

  /** What users are told: ON_CALL in an accepted call, ONLINE if switched on and connected, else OFFLINE. */
  function presenceOf(tcId) {
    const call = activeCallOf('telecallerId', tcId);
    if (call && call.status === 'ACCEPTED') return 'ON_CALL';
    if (state.telecallers[tcId].presence === 'ONLINE' && connected('TELECALLER', tcId)) return 'ONLINE';
    return 'OFFLINE';
  }

  function presenceEvent(tc, presence) {
    const telecaller = presence === 'ONLINE' ? { _id: tc.id, name: tc.name, profile: tc.profile, language: tc.language, about: tc.about } : null;
    return { telecallerId: tc.id, presence, telecaller };
  }

  /** Broadcasts a telecaller's presence to every user when it changed (approved telecallers only). */
  function refreshPresence(tcId) {
    const tc = ACCOUNT_BY_ID.get(tcId);
    if (!tc.approved) return;
    const now = presenceOf(tcId);
    if (reported.get(tcId) === now) return;
    reported.set(tcId, now);
    userNs.emit('telecaller:presence-changed', wire('telecaller:presence-changed', presenceEvent(tc, now)));
  }

  // --- calls ----------------------------------------------------------------------------------

  const callerView = (user) => ({ _id: user.id, name: user.name, profile: user.profile });
  const telecallerView = (tc) => ({ _id: tc.id, name: tc.name, profile: tc.profile });

  function armRingTimeout(call) {
    const t = setTimeout(() => {
      ringTimers.delete(call._id);
      if (call.status !== 'RINGING') return;
      closeCall(call, 'MISSED', 'SYSTEM');
      toUser(call.userId).emit('call:missed', wire('call:missed', { callId: call._id }));
      toTelecaller(call.telecallerId).emit('call:missed', wire('call:missed', { callId: call._id }));
    }, config.callTimeoutMs);
    t.unref();
    ringTimers.set(call._id, t);
  }

  /**
   * Moves a call to a final status. An ACCEPTED call is billed: every started minute at the
   * telecaller's rate, debited from the user (never below zero). Returns the end summary.
   */
  function closeCall(call, status, endedBy) {
    const wasAccepted = call.status === 'ACCEPTED';
    const t = ringTimers.get(call._id);
    if (t) clearTimeout(t);
    ringTimers.delete(call._id);
    call.status = status;
    call.endedAt = nowIso();
    call.endedBy = endedBy;
    if (wasAccepted) {
      const elapsed = Math.max(0, Date.parse(call.endedAt) - Date.parse(call.acceptedAt));
      call.duration = Math.floor(elapsed / 1000);
      const due = Math.max(1, Math.ceil(elapsed / config.minuteMs)) * call.ratePerMinute;
      const user = state.accounts[call.userId];
      call.coins = Math.min(due, user.coins);
      user.coins -= call.coins;
    }
    save();
    refreshPresence(call.telecallerId);
    return { callId: call._id, duration: call.duration, coins: call.coins, endedBy };
  }

  async function livekitCredentials(call, account) {
    const at = new AccessToken(config.livekitKey, config.livekitSecret, { identity: account.id, name: account.name, ttl: '2h' });
    at.addGrant({ roomJoin: true, room: call._id, canPublish: true, canSubscribe: true });
    return { token: await at.toJwt(), url: config.livekitUrl, roomName: call._id };
  }

  /** The call named by `payload.callId` that `acc` is a party of (as `field`), else an error. */
  function ownCall(payload, field, acc) {
    if (!isObject(payload) || !nonEmptyString(payload.callId)) throw new CallError(MSG.invalidRequest);
    const call = own(state.calls, payload.callId);
    // Someone else's call is "not found": ids are not to be probed.
    if (!call || call[field] !== acc.id) throw new CallError(MSG.notFound);
    return call;
  }

  function initiate(acc, payload) {
    if (!isObject(payload) || !nonEmptyString(payload.telecallerId) || !nonEmptyString(payload.callType)) {
      throw new CallError(MSG.invalidRequest);
    }
    if (!CALL_TYPES.includes(payload.callType)) throw new CallError(MSG.invalidType);
    if (!limiters.initiate.hit(acc.id)) throw new CallError(MSG.tooManyCalls);
    if (state.accounts[acc.id].status !== 'ACTIVE') throw new CallError(MSG.accountUnavailable);
    if (activeCallOf('userId', acc.id)) throw new CallError(MSG.activeCall);
    const tc = ACCOUNT_BY_ID.get(payload.telecallerId);
    if (!tc || tc.role !== 'TELECALLER' || !tc.approved || state.accounts[tc.id].status !== 'ACTIVE') {
      throw new CallError(MSG.noLongerAvailable);
    }
    if (state.telecallers[tc.id].presence !== 'ONLINE') throw new CallError(MSG.offline(tc.name));
    // A telecaller already ringing for someone else counts as busy too: one call at a time.
    if (activeCallOf('telecallerId', tc.id)) throw new CallError(MSG.busy(tc.name));
    if (!connected('TELECALLER', tc.id)) throw new CallError(MSG.unavailable(tc.name));

    const call = {
      _id: objectId(),
      userId: acc.id,
      telecallerId: tc.id,
      callType: payload.callType,
      ratePerMinute: tc.ratePerMinute,
      status: 'RINGING',
      createdAt: nowIso(),
      acceptedAt: null,
      endedAt: null,
      endedBy: null,
      duration: 0,
      coins: 0,
    };
    state.calls[call._id] = call;
    save();
    armRingTimeout(call);
    toTelecaller(tc.id).emit('call:incoming', wire('call:incoming', { callId: call._id, callType: call.callType, caller: callerView(acc) }));
    toUser(acc.id).emit('call:ringing', wire('call:ringing', { callId: call._id, telecaller: telecallerView(tc) }));
    return { success: true, callId: call._id, telecaller: telecallerView(tc) };
  }

  async function accept(acc, payload) {
    const call = ownCall(payload, 'telecallerId', acc);
    if (call.status !== 'RINGING') throw new CallError(MSG.notRinging);
    // The status flips before any await, so a second accept or a cancel sees ACCEPTED.
    call.status = 'ACCEPTED';
    call.acceptedAt = nowIso();
    const t = ringTimers.get(call._id);
    if (t) clearTimeout(t);
    ringTimers.delete(call._id);
    save();
    refreshPresence(acc.id);
    const user = ACCOUNT_BY_ID.get(call.userId);
    const [userLk, tcLk] = await Promise.all([livekitCredentials(call, user), livekitCredentials(call, acc)]);
    if (call.status !== 'ACCEPTED') throw new CallError(MSG.notActive); // ended while tokens were signed
    toUser(call.userId).emit('call:accepted', wire('call:accepted', { callId: call._id, livekit: userLk }));
    const forTelecaller = { callId: call._id, callType: call.callType, caller: callerView(user), livekit: tcLk };
    toTelecaller(acc.id).emit('call:accepted', wire('call:accepted', forTelecaller));
    return { success: true, ...forTelecaller };
  }

  function reject(acc, payload) {
    const call = ownCall(payload, 'telecallerId', acc);
    if (call.status !== 'RINGING') throw new CallError(MSG.notRinging);
    closeCall(call, 'REJECTED', 'TELECALLER');
    toUser(call.userId).emit('call:rejected', wire('call:rejected', { callId: call._id }));
    return { success: true, callId: call._id };
  }

  function cancel(acc, payload) {
    if (!limiters.cancel.hit(acc.id)) throw new CallError(MSG.tooManyRequests);
    const call = ownCall(payload, 'userId', acc);
    if (call.status !== 'RINGING') throw new CallError(MSG.notRinging);
    closeCall(call, 'CANCELLED', 'USER');
    toTelecaller(call.telecallerId).emit('call:cancelled', wire('call:cancelled', { callId: call._id }));
    return { success: true, callId: call._id };
  }

  /** `call:end` from either side: the other side gets `call:ended` with the summary. */
  function end(acc, payload) {
    if (!limiters.end.hit(`${acc.role}:${acc.id}`)) throw new CallError(MSG.tooManyRequests);
    const isUser = acc.role === 'USER';
    const call = ownCall(payload, isUser ? 'userId' : 'telecallerId', acc);
    if (call.status !== 'ACCEPTED') throw new CallError(MSG.notActive);
    const summary = closeCall(call, 'COMPLETED', acc.role);
    (isUser ? toTelecaller(call.telecallerId) : toUser(call.userId)).emit('call:ended', wire('call:ended', summary));
    return { success: true, ...summary };
  }

  /** The document's disconnect table, for either side: RINGING -> MISSED, ACCEPTED -> COMPLETED. */
  function dropCallsOf(acc) {
    const isUser = acc.role === 'USER';
    const call = activeCallOf(isUser ? 'userId' : 'telecallerId', acc.id);
    if (!call) return;
    const notifyOther = isUser ? toTelecaller(call.telecallerId) : toUser(call.userId);
    if (call.status === 'RINGING') {
      closeCall(call, 'MISSED', acc.role);
      notifyOther.emit('call:missed', wire('call:missed', { callId: call._id }));
    } else {
      notifyOther.emit('call:ended', wire('call:ended', closeCall(call, 'COMPLETED', acc.role)));
    }
  }

  // --- sockets --------------------------------------------------------------------------------

  /** Handshake check of a namespace: rate, token, role, status; the reason is the connect_error message. */
  function authenticate(role, limiter) {
    return (socket, next) => {
      if (!limiter.hit(socket.handshake.address)) return next(new Error('Too many connection attempts. Please wait.'));
      const token = handshakeToken(socket.handshake);
      if (!token) return next(new Error('Authentication token required'));
      const v = verifyToken(token);
      const acc = v.ok ? ACCOUNT_BY_ID.get(String(v.claims.sub)) : null;
      if (!acc) return next(new Error('Invalid or expired token'));
      if (acc.role !== role) return next(new Error('Access denied'));
      if (state.accounts[acc.id].status !== 'ACTIVE') return next(new Error('Account suspended. Please contact support.'));
      socket.data.account = acc;
      next();
    };
  }

  /**
   * Registers `fn(account, payload)`; its result is the ack. A CallError becomes `call:error`,
   * a GeneralError or a bug becomes `error`, each with a failed ack; client input never crashes us.
   */
  function handle(socket, event, fn) {
    socket.on(event, async (payload, ack) => {
      if (typeof payload === 'function' && ack === undefined) {
        ack = payload;
        payload = undefined;
      }
      const reply = (body) => shapes.ack(event, ack, body);
      try {
        reply(await fn(socket.data.account, payload));
      } catch (e) {
        const known = e instanceof CallError || e instanceof GeneralError;
        if (!known) log('handler error', event, e && e.stack);
        const message = known ? e.message : MSG.generic;
        const errorEvent = e instanceof CallError ? 'call:error' : 'error';
        socket.emit(errorEvent, wire(errorEvent, { message }));
        reply({ success: false, message });
      }
    });
  }

  /** Socket bookkeeping common to both namespaces; `onLast` runs when an account's last socket leaves. */
  function track(socket, room, onLast) {
    const acc = socket.data.account;
    const counts = socketCounts[acc.role];
    counts.set(acc.id, (counts.get(acc.id) || 0) + 1);
    socket.join(room);
    log('connect', socket.nsp.name, acc.id, socket.id);
    socket.on('disconnect', () => {
      const left = (counts.get(acc.id) || 1) - 1;
      if (left > 0) counts.set(acc.id, left);
      else counts.delete(acc.id);
      log('disconnect', socket.nsp.name, acc.id, socket.id);
      // Shutdown disconnects everyone: calls in progress must survive a restart, not end here.
      if (left === 0 && !shuttingDown) onLast(acc);
    });
  }

  // Nothing lives on the main namespace; a client pointed at it must not wait in silence.
  io.use((_socket, next) => next(new Error('Invalid namespace')));

  userNs.use(authenticate('USER', limiters.connectUser));
  userNs.on('connection', (socket) => {
    track(socket, userRoom(socket.data.account.id), dropCallsOf);
    // Snapshot: one event per telecaller a user could see as available or on a call.
    for (const tc of TELECALLERS) {
      if (!tc.approved) continue;
      const p = presenceOf(tc.id);
      if (p !== 'OFFLINE') socket.emit('telecaller:presence-changed', wire('telecaller:presence-changed', presenceEvent(tc, p)));
    }
    handle(socket, 'call:initiate', initiate);
    handle(socket, 'call:cancel', cancel);
    handle(socket, 'call:end', end);
  });

  tcNs.use(authenticate('TELECALLER', limiters.connectTelecaller));
  tcNs.on('connection', (socket) => {
    const acc = socket.data.account;
    track(socket, tcRoom(acc.id), (a) => {
      dropCallsOf(a);
      refreshPresence(a.id);
    });
    refreshPresence(acc.id);
    handle(socket, 'presence:update', (a, payload) => {
      if (!isObject(payload) || !['ONLINE', 'OFFLINE'].includes(payload.presence)) {
        throw new GeneralError('Invalid presence: expected ONLINE or OFFLINE');
      }
      state.telecallers[a.id].presence = payload.presence;
      save();
      refreshPresence(a.id);
      return { success: true, presence: payload.presence, effective: presenceOf(a.id) };
    });
    handle(socket, 'call:accept', accept);
    handle(socket, 'call:reject', reject);
    handle(socket, 'call:end', end);
  });

  // --- HTTP: health, and an opt-in test hook ---------------------------------------------------

  /**
   * `GET /health`; with PARLOR_TEST_HOOKS=1 also `POST /__test/accounts/:id/status {status}`, the
   * stand-in for an admin suspending a connected user (the only way to reach "Your account is
   * not available").
   */
  function httpHandler(req, res) {
    const send = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (mode.serveTestRoutes(req, res)) return undefined;
    if (req.method === 'GET' && req.url === '/health') return send(200, { ok: true });
    const m = /^\/__test\/accounts\/([^/]+)\/status$/.exec(req.url || '');
    if (!config.testHooks || req.method !== 'POST' || !m) return send(404, { success: false, message: 'Not found' });
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      raw += d;
      if (raw.length > 4096) req.destroy();
    });
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { success: false, message: 'Malformed JSON body' });
      }
      const entry = own(state.accounts, m[1]);
      if (!entry) return send(404, { success: false, message: 'Account not found' });
      if (!isObject(body) || !['ACTIVE', 'SUSPENDED'].includes(body.status)) return send(400, { success: false, message: 'status must be ACTIVE or SUSPENDED' });
      entry.status = body.status;
      save();
      send(200, { success: true, id: m[1], status: entry.status });
    });
  }

  // --- restart --------------------------------------------------------------------------------

  // Nobody can answer a call that rang across a restart; an accepted call gets a grace period
  // for both parties to reconnect before it is closed.
  for (const call of Object.values(state.calls)) {
    if (call.status === 'RINGING') closeCall(call, 'MISSED', 'SYSTEM');
    else if (call.status === 'ACCEPTED') {
      setTimeout(() => {
        if (call.status !== 'ACCEPTED') return;
        if (connected('USER', call.userId) && connected('TELECALLER', call.telecallerId)) return;
        const summary = closeCall(call, 'COMPLETED', 'SYSTEM');
        toUser(call.userId).emit('call:ended', wire('call:ended', summary));
        toTelecaller(call.telecallerId).emit('call:ended', wire('call:ended', summary));
      }, config.graceMs).unref();
    }
  }
  for (const tc of TELECALLERS) if (tc.approved) reported.set(tc.id, presenceOf(tc.id));

  // Test-only (README "Counting on the server"): every call as the server recorded and billed it.
  mode.debugRoutes['/debug/calls'] = () => ({
    calls: Object.values(state.calls),
    coins: Object.fromEntries(Object.entries(state.accounts).filter(([, a]) => a.coins !== undefined).map(([id, a]) => [id, a.coins])),
  });

  serve(httpServer, io, args.port, () => {
    shuttingDown = true;
    save();
  }, mode);
}

main();
