'use strict';
// Reference server for protocol document 001 (astrologer presence, consultation sessions over
// REST, Agora RTC tokens and chat messages over socket.io). It follows the document and, where
// the document is silent, the "001 presence, sessions, Agora" section of README.md:
//
//   REST   POST /api/v1/astrologers/:id/online|offline   GET /api/v1/astrologers/online
//          POST /api/sessions/start|accept|end           POST|GET /api/agora/token
//   socket presence:on|off, session:request, join-session, leave-session, message:send
//          -> presence:online-list, session:request, session:accepted, session:ended,
//             message:receive, message:error
//
// Money is integer cents inside and "12.50" strings outside. State (wallets, presence flags,
// sessions, messages) is saved to the state file after every change.
//
// The wire depends on the mode (modes.js); shapes/001_presence_sessions.js builds every payload.
// GET /debug/messages and GET /debug/ledger show what was stored and billed (test-only).

const express = require('express');
const { Server } = require('socket.io');
const { RtcTokenBuilder, RtcRole } = require('agora-token');
const {
  parseArgs,
  handleCliModes,
  verifyToken,
  handshakeToken,
  bearer,
  toCents,
  fmtCents,
  persistentState,
  serve,
  httpServerFor,
  envInt,
  log,
  nowIso,
  ioOptions,
} = require('./common');
const { createMode } = require('./modes');
const { createShapes } = require('./shapes/001_presence_sessions');

const USAGE = 'Protocol 001: astrologer presence, sessions over REST, Agora tokens, socket chat.';

/** Seeded accounts; ids stand in for the document's Clerk ids. */
const ACCOUNTS = [
  { id: 'user_asha', role: 'user', name: 'Asha Verma', coins: '500.00' },
  { id: 'user_ravi', role: 'user', name: 'Ravi Kumar', coins: '25.00' },
  { id: 'astro_sharma', role: 'astrologer', name: 'Pandit Sharma', ratePerMinute: '10.00' },
  { id: 'astro_meera', role: 'astrologer', name: 'Meera Iyer', ratePerMinute: '12.50' },
  { id: 'admin_root', role: 'admin', name: 'Admin' },
];
// Load-test accounts (`PARLOR_LOAD_ACCOUNTS=N`): N users with deep wallets and N astrologers,
// so `parlor load` can run thousands of simulated people against one server.
for (let i = 1; i <= Math.max(0, envInt('PARLOR_LOAD_ACCOUNTS', 0)); i++) {
  ACCOUNTS.push({ id: `load_user_${i}`, role: 'user', name: `Load User ${i}`, coins: '1000000.00' });
  ACCOUNTS.push({ id: `load_astro_${i}`, role: 'astrologer', name: `Load Astrologer ${i}`, ratePerMinute: '1.00' });
}
const ACCOUNT_BY_ID = new Map(ACCOUNTS.map((a) => [a.id, a]));

const SESSION_TYPES = ['chat', 'audio', 'video'];
const MAX_TEXT = 4000;
const MAX_CLIENT_ID = 128;
// Agora's own rule for channel names: < 64 bytes from this character set.
const CHANNEL_RE = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{|}~,]{1,63}$/;
const AGORA_TOKEN_TTL_S = 3600;

const config = {
  minuteMs: Math.max(1, envInt('PARLOR_BILLING_MINUTE_MS', 60000)),
  requestTimeoutMs: Math.max(1, envInt('PARLOR_REQUEST_TIMEOUT_MS', 60000)),
  // Dev defaults are 32 hex chars, the shape real Agora credentials have.
  agoraAppId: process.env.AGORA_APP_ID || '0123456789abcdef0123456789abcdef',
  agoraCertificate: process.env.AGORA_APP_CERTIFICATE || 'fedcba9876543210fedcba9876543210',
};

// ---------------------------------------------------------------------------------------------
// State

/** The initial state: seeded wallets, every astrologer offline, no sessions or messages. */
function initialState() {
  const state = { wallets: {}, astrologers: {}, sessions: {}, messages: [] };
  for (const a of ACCOUNTS) {
    if (a.role === 'user') state.wallets[a.id] = toCents(a.coins);
    if (a.role === 'astrologer') state.astrologers[a.id] = { isOnline: false, lastSeen: null, currentSessionId: null };
  }
  return state;
}

/** Error answered by REST handlers as `{success:false, error, code}` with `status`. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

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

// ---------------------------------------------------------------------------------------------
// The server

function main() {
  const args = parseArgs();
  if (handleCliModes(args, { name: '001_presence_sessions', usage: USAGE, accounts: ACCOUNTS })) return;

  const mode = createMode('001');
  const shapes = createShapes(mode);
  const store = persistentState(args.stateFile, initialState);
  const state = store.load();
  let shuttingDown = false;
  const save = () => store.save(state);

  // Idempotency index of messages (default mode): sessionId|senderId|clientId -> message.
  const byClientId = new Map();
  const clientKey = (m) => `${m.sessionId}|${m.senderId}|${m.clientId}`;
  for (const m of state.messages) if (typeof m.clientId === 'string') byClientId.set(clientKey(m), m);
  let connectionCount = 0;

  const app = express();
  const httpServer = httpServerFor(app);
  const io = new Server(httpServer, ioOptions());

  /** Connected socket count per account: an astrologer's last socket leaving takes them offline. */
  const socketCounts = new Map();
  /** Expiry timers of pending sessions. */
  const pendingTimers = new Map();

  const accountRoom = (id) => `acct:${id}`;
  const sessionRoom = (id) => `session:${id}`;

  // --- views ----------------------------------------------------------------------------------

  function astrologerView(id) {
    const acc = ACCOUNT_BY_ID.get(id);
    const p = state.astrologers[id];
    return {
      id,
      name: acc.name,
      ratePerMinute: acc.ratePerMinute,
      isOnline: p.isOnline,
      busy: p.currentSessionId !== null,
      currentSessionId: p.currentSessionId,
      lastSeen: p.lastSeen,
    };
  }

  function onlineList() {
    return Object.keys(state.astrologers)
      .filter((id) => state.astrologers[id].isOnline)
      .map(astrologerView);
  }

  function sessionView(s) {
    const view = {
      _id: s._id,
      userId: s.userId,
      userName: s.userName,
      astrologerId: s.astrologerId,
      sessionType: s.sessionType,
      ratePerMinute: fmtCents(s.rateCents),
      status: s.status,
      createdAt: s.createdAt,
      acceptedAt: s.acceptedAt,
      acceptedBy: s.acceptedBy,
      endedAt: s.endedAt,
      duration: s.duration,
      coinsDeducted: fmtCents(s.coinsCents),
      endReason: s.endReason,
      channelName: s.channelName,
    };
    if (s.clientDuration !== undefined) view.clientDuration = s.clientDuration;
    return view;
  }

  function messageView(m) {
    return shapes.message(m, state.sessions[m.sessionId]);
  }

  // --- presence -------------------------------------------------------------------------------

  function broadcastOnlineList() {
    io.emit('presence:online-list', shapes.onlineList(onlineList()));
  }

  /** Sets an astrologer's flag; broadcasts only when it actually changed. */
  function setOnline(id, online) {
    const p = state.astrologers[id];
    p.lastSeen = nowIso();
    if (p.isOnline === online) {
      save();
      return;
    }
    p.isOnline = online;
    save();
    broadcastOnlineList();
  }

  // --- sessions -------------------------------------------------------------------------------

  function armPendingExpiry(s) {
    const left = Math.max(0, Date.parse(s.createdAt) + config.requestTimeoutMs - Date.now());
    const t = setTimeout(() => {
      pendingTimers.delete(s._id);
      if (s.status === 'pending') finishSession(s, 'system', 'expired');
    }, left);
    t.unref();
    pendingTimers.set(s._id, t);
  }

  function clearPendingExpiry(id) {
    const t = pendingTimers.get(id);
    if (t) clearTimeout(t);
    pendingTimers.delete(id);
  }

  /**
   * Ends a session. A pending one ends without a charge (rejected / cancelled / expired); an
   * active one is charged for every started minute since acceptedAt, never below a zero balance.
   */
  function finishSession(s, endedBy, endReason, clientDuration) {
    const wasActive = s.status === 'active';
    clearPendingExpiry(s._id);
    s.status = 'ended';
    s.endedAt = nowIso();
    s.endReason = endReason;
    if (clientDuration !== undefined) s.clientDuration = clientDuration;
    if (wasActive) {
      const elapsed = Date.parse(s.endedAt) - Date.parse(s.acceptedAt);
      s.duration = Math.max(1, Math.ceil(elapsed / config.minuteMs));
      const due = s.duration * s.rateCents;
      const balance = state.wallets[s.userId] || 0;
      s.coinsCents = Math.min(due, balance);
      state.wallets[s.userId] = balance - s.coinsCents;
      const p = state.astrologers[s.astrologerId];
      if (p.currentSessionId === s._id) p.currentSessionId = null;
    }
    save();
    if (shapes.sessionEndedEvent) {
      io.to(accountRoom(s.userId)).to(accountRoom(s.astrologerId)).emit('session:ended', shapes.sessionEnded(s, endedBy, endReason));
    }
    io.in(sessionRoom(s._id)).socketsLeave(sessionRoom(s._id));
    if (wasActive) broadcastOnlineList();
  }

  const requestNotice = (s) => shapes.sessionRequest(s);

  function channelSession(channelName) {
    return Object.values(state.sessions).find((s) => s.channelName === channelName) || null;
  }

  // --- REST -----------------------------------------------------------------------------------

  app.disable('x-powered-by');
  app.use((req, res, next) => (mode.serveTestRoutes(req, res) ? undefined : next()));
  // A browser frontend on another origin is the document's setup; allow it.
  app.use((req, res, next) => {
    res.set('access-control-allow-origin', '*');
    res.set('access-control-allow-headers', 'authorization, content-type');
    res.set('access-control-allow-methods', 'GET, POST, OPTIONS');
    if (req.method === 'OPTIONS') return res.status(204).end();
    next();
  });
  app.use(express.json({ limit: '64kb' }));

  /** The caller's account from `Authorization: Bearer`, or a 401. */
  function authenticate(req) {
    const token = bearer(req.get('authorization'));
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Authentication required');
    const v = verifyToken(token);
    const acc = v.ok ? ACCOUNT_BY_ID.get(String(v.claims.sub)) : null;
    if (!acc) throw new ApiError(401, 'UNAUTHORIZED', 'Invalid or expired token');
    return acc;
  }

  /** The JSON body as an object (express leaves it undefined when absent), or a 400. */
  function bodyOf(req) {
    if (!isObject(req.body)) throw new ApiError(400, 'VALIDATION_ERROR', 'Request body must be a JSON object');
    return req.body;
  }

  const validation = (message) => new ApiError(400, 'VALIDATION_ERROR', message);

  app.get('/health', (_req, res) => res.json({ ok: true }));

  // Public on purpose: the marketplace lists who is online before anyone signs in.
  app.get('/api/v1/astrologers/online', (_req, res) => {
    res.json(shapes.onlineAnswer(onlineList()));
  });

  for (const action of ['online', 'offline']) {
    app.post(`/api/v1/astrologers/:id/${action}`, (req, res) => {
      const acc = authenticate(req);
      if (acc.role !== 'astrologer' || acc.id !== req.params.id) {
        throw new ApiError(403, 'FORBIDDEN', 'Only the astrologer themself can change their presence');
      }
      setOnline(acc.id, action === 'online');
      res.json(shapes.astrologerAnswer(astrologerView(acc.id)));
    });
  }

  app.post('/api/sessions/start', (req, res) => {
    const acc = authenticate(req);
    if (acc.role !== 'user') throw new ApiError(403, 'FORBIDDEN', 'Only users can start a session');
    const body = bodyOf(req);
    if (!nonEmptyString(body.astrologerId)) throw validation('astrologerId is required');
    if (!SESSION_TYPES.includes(body.sessionType)) throw validation('sessionType must be one of chat, audio, video');
    let clientRate = null;
    if (body.ratePerMinute !== undefined && body.ratePerMinute !== null) {
      clientRate = toCents(body.ratePerMinute);
      if (clientRate === null) throw validation('ratePerMinute must be a non-negative amount');
    }
    const astro = ACCOUNT_BY_ID.get(body.astrologerId);
    if (!astro || astro.role !== 'astrologer') throw new ApiError(404, 'ASTROLOGER_NOT_FOUND', 'Astrologer not found');
    const rateCents = toCents(astro.ratePerMinute);
    // The astrologer's own rate is authoritative; a stale client price must not go unnoticed.
    if (clientRate !== null && clientRate !== rateCents) {
      throw validation(`ratePerMinute does not match the astrologer's rate (${astro.ratePerMinute})`);
    }
    const presence = state.astrologers[astro.id];
    if (!presence.isOnline) throw new ApiError(409, 'ASTROLOGER_OFFLINE', 'Astrologer is offline');
    if (presence.currentSessionId) throw new ApiError(409, 'ASTROLOGER_BUSY', 'Astrologer already in a session');
    if ((state.wallets[acc.id] || 0) < rateCents) {
      throw new ApiError(402, 'INSUFFICIENT_BALANCE', `Insufficient balance: at least ${astro.ratePerMinute} coins are needed for one minute`);
    }
    const createdAt = nowIso();
    const { id, idForm } = shapes.newSessionId((x) => Object.hasOwn(state.sessions, x));
    const s = {
      _id: id,
      idForm,
      userId: acc.id,
      userName: acc.name,
      astrologerId: astro.id,
      sessionType: body.sessionType,
      rateCents,
      status: 'pending',
      createdAt,
      acceptedAt: null,
      acceptedBy: null,
      endedAt: null,
      duration: 0,
      coinsCents: 0,
      endReason: null,
      channelName: `session_${acc.id}_${astro.id}_${Date.parse(createdAt)}`,
    };
    state.sessions[s._id] = s;
    save();
    armPendingExpiry(s);
    io.to(accountRoom(astro.id)).emit('session:request', requestNotice(s));
    res.status(201).json(shapes.sessionAnswer(s, sessionView(s)));
  });

  /** The session named by `body.sessionId`, or a 400 / 404. */
  function sessionFromBody(body) {
    const sessionId = shapes.idArg(body.sessionId);
    if (!sessionId) throw validation('sessionId is required');
    const s = own(state.sessions, sessionId);
    if (!s) throw new ApiError(404, 'SESSION_NOT_FOUND', 'Session not found');
    return s;
  }

  app.post('/api/sessions/accept', (req, res) => {
    const acc = authenticate(req);
    if (acc.role !== 'astrologer') throw new ApiError(403, 'FORBIDDEN', 'Only astrologers can accept sessions');
    const s = sessionFromBody(bodyOf(req));
    if (s.astrologerId !== acc.id) throw new ApiError(403, 'FORBIDDEN', 'This session is not addressed to you');
    // Check-and-set without an await in between: atomic on node's single thread, so of two
    // racing accepts exactly one sees `pending`.
    if (s.status !== 'pending') throw new ApiError(409, 'SESSION_NOT_PENDING', 'Session is not pending');
    const presence = state.astrologers[acc.id];
    if (presence.currentSessionId) throw new ApiError(409, 'ASTROLOGER_BUSY', 'Astrologer already in a session');
    clearPendingExpiry(s._id);
    s.status = 'active';
    s.acceptedAt = nowIso();
    s.acceptedBy = acc.id;
    presence.currentSessionId = s._id;
    save();
    io.to(accountRoom(s.userId)).emit('session:accepted', shapes.sessionAccepted(s, sessionView(s)));
    broadcastOnlineList();
    res.json(shapes.sessionAnswer(s, sessionView(s)));
  });

  app.post('/api/sessions/end', (req, res) => {
    const acc = authenticate(req);
    const body = bodyOf(req);
    const s = sessionFromBody(body);
    let clientDuration;
    if (body.duration !== undefined && body.duration !== null) {
      if (typeof body.duration !== 'number' || !Number.isFinite(body.duration) || body.duration < 0) {
        throw validation('duration must be a non-negative number');
      }
      clientDuration = body.duration;
    }
    // Accepted for compatibility with the document's body; the session's own rate is charged.
    if (body.ratePerMinute !== undefined && body.ratePerMinute !== null && toCents(body.ratePerMinute) === null) {
      throw validation('ratePerMinute must be a non-negative amount');
    }
    const isUser = acc.id === s.userId;
    const isAstrologer = acc.id === s.astrologerId;
    if (!isUser && !isAstrologer && acc.role !== 'admin') {
      throw new ApiError(403, 'FORBIDDEN', 'You are not a participant of this session');
    }
    if (s.status === 'ended') throw new ApiError(409, 'SESSION_NOT_ACTIVE', 'Session already ended');
    const endedBy = isUser ? 'user' : isAstrologer ? 'astrologer' : 'admin';
    let endReason = 'completed';
    if (s.status === 'pending') endReason = endedBy === 'user' ? 'cancelled' : 'rejected';
    finishSession(s, endedBy, endReason, clientDuration);
    res.json(shapes.sessionAnswer(s, sessionView(s), isUser ? state.wallets[s.userId] : undefined));
  });

  /** Parses the optional uid: digits are an Agora integer uid, any other string a user account. */
  function parseUid(raw) {
    if (raw === undefined || raw === null || raw === '') return { uid: 0 };
    if (typeof raw === 'number') {
      if (Number.isInteger(raw) && raw >= 0 && raw <= 0xffffffff) return { uid: raw };
      return null;
    }
    if (typeof raw !== 'string' || raw.length > 255) return null;
    if (/^\d+$/.test(raw)) {
      const n = Number(raw);
      return n <= 0xffffffff ? { uid: n } : null;
    }
    return { uid: raw };
  }

  function agoraToken(acc, channelName, rawUid) {
    if (typeof channelName !== 'string' || !CHANNEL_RE.test(channelName)) {
      throw validation('channelName is required (1-63 characters of Agora\'s channel alphabet)');
    }
    const parsed = parseUid(rawUid);
    if (!parsed) throw validation('uid must be a 32-bit unsigned integer or a user account string');
    const s = channelSession(channelName);
    if (s && acc.id !== s.userId && acc.id !== s.astrologerId) {
      throw new ApiError(403, 'FORBIDDEN', 'You are not a participant of this session');
    }
    const build = typeof parsed.uid === 'number' ? RtcTokenBuilder.buildTokenWithUid : RtcTokenBuilder.buildTokenWithUserAccount;
    const token = build.call(RtcTokenBuilder, config.agoraAppId, config.agoraCertificate, channelName, parsed.uid, RtcRole.PUBLISHER, AGORA_TOKEN_TTL_S, AGORA_TOKEN_TTL_S);
    const expiresAt = new Date(Date.now() + AGORA_TOKEN_TTL_S * 1000).toISOString();
    return { success: true, token, appId: config.agoraAppId, channelName, uid: parsed.uid, expiresAt };
  }

  app.post('/api/agora/token', (req, res) => {
    const acc = authenticate(req);
    const body = bodyOf(req);
    res.json(shapes.tokenAnswer(agoraToken(acc, body.channelName, body.uid)));
  });

  app.get('/api/agora/token', (req, res) => {
    const acc = authenticate(req);
    res.json(shapes.tokenAnswer(agoraToken(acc, req.query.channelName, req.query.uid)));
  });

  // Our extension: POST /api/login for the desktop app's provider sign-in (see login.js).
  require('./login').attachLogin(app, { accounts: ACCOUNTS, mintToken: require('./common').mintToken });

  app.use((_req, _res) => {
    throw new ApiError(404, 'NOT_FOUND', 'Not found');
  });

  // Every failure, thrown or from the JSON parser, leaves as `{success:false, error, code}`.
  app.use((err, _req, res, _next) => {
    if (err instanceof ApiError) return res.status(err.status).json(shapes.restError(err.code, err.message));
    if (err && err.status >= 400 && err.status < 500) {
      const tooLarge = err.status === 413;
      return res.status(err.status).json(shapes.restError(tooLarge ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_ERROR', tooLarge ? 'Request body too large' : 'Malformed JSON body'));
    }
    log('internal error', err && err.stack);
    res.status(500).json(shapes.restError('INTERNAL_ERROR', 'Internal server error'));
  });

  // --- sockets --------------------------------------------------------------------------------

  io.use((socket, next) => {
    const token = handshakeToken(socket.handshake);
    if (!token) return next(new Error('Authentication required'));
    const v = verifyToken(token);
    const acc = v.ok ? ACCOUNT_BY_ID.get(String(v.claims.sub)) : null;
    if (!acc) return next(new Error('Invalid or expired token'));
    socket.data.account = acc;
    next();
  });

  /**
   * Registers a handler that never throws into socket.io. `reply(body, ownBody)` answers the
   * ack: the default mode sends `body`; seed-only never acks (the document defines no acks);
   * drift never acks, acks empty, or acks `ownBody` (a body of its own).
   */
  function handle(socket, event, fn) {
    socket.on(event, (payload, ack) => {
      if (typeof payload === 'function' && ack === undefined) {
        ack = payload;
        payload = undefined;
      }
      let answered = false;
      const reply = (body, ownBody) => {
        if (answered) return;
        answered = true;
        shapes.ack(event, ack, body, ownBody);
      };
      try {
        fn(payload, reply);
      } catch (e) {
        log('handler error', event, e && e.stack);
        reply(nack('INTERNAL_ERROR', 'Internal server error'), { ok: false });
      }
    });
  }

  const nack = (code, message) => ({ ok: false, code, message });

  /** The session id a socket payload names (drift ids may come back as numbers). */
  const sessionIdOf = (payload) => (isObject(payload) ? shapes.idArg(payload.sessionId) : null);

  /** The active session `payload.sessionId` names for this participant, or a `{code, message}`. */
  function participantSession(acc, payload) {
    const sessionId = sessionIdOf(payload);
    if (!sessionId) return { error: nack('VALIDATION_ERROR', 'sessionId is required') };
    const s = own(state.sessions, sessionId);
    if (!s) return { error: nack('SESSION_NOT_FOUND', 'Session not found') };
    if (acc.id !== s.userId && acc.id !== s.astrologerId) return { error: nack('NOT_A_PARTICIPANT', 'You are not a participant of this session') };
    if (s.status !== 'active') return { error: nack('SESSION_NOT_ACTIVE', 'Session is not active') };
    return { session: s };
  }

  /** A clientId as the default mode takes it: absent, or a string of at most 128 characters. */
  function badClientId(v) {
    return v !== undefined && v !== null && (!nonEmptyString(v) || v.length > MAX_CLIENT_ID);
  }

  io.on('connection', (socket) => {
    const acc = socket.data.account;
    const echo = shapes.echoMode(`connection-${connectionCount++}`);
    socket.join(accountRoom(acc.id));
    socketCounts.set(acc.id, (socketCounts.get(acc.id) || 0) + 1);
    log('connect', acc.id, socket.id);
    if (shapes.connectSnapshot) socket.emit('presence:online-list', onlineList());

    for (const [event, online] of [['presence:on', true], ['presence:off', false]]) {
      handle(socket, event, (_payload, reply) => {
        if (acc.role !== 'astrologer') return reply(nack('FORBIDDEN', 'Only astrologers have a presence'), { ok: false });
        setOnline(acc.id, online);
        reply({ ok: true, isOnline: online });
      });
    }

    // The document's `session:request` from the user: notify the astrologer (again) of a pending
    // session. Idempotent; the client dedupes by id.
    handle(socket, 'session:request', (payload, reply) => {
      const sessionId = sessionIdOf(payload);
      if (!sessionId) return reply(nack('VALIDATION_ERROR', 'sessionId is required'), { ok: false });
      const s = own(state.sessions, sessionId);
      if (!s) return reply(nack('SESSION_NOT_FOUND', 'Session not found'), { ok: false });
      if (s.userId !== acc.id) return reply(nack('NOT_A_PARTICIPANT', 'You are not the user of this session'), { ok: false });
      if (s.status !== 'pending') return reply(nack('SESSION_NOT_PENDING', 'Session is not pending'), { ok: false });
      io.to(accountRoom(s.astrologerId)).emit('session:request', requestNotice(s));
      reply({ ok: true });
    });

    handle(socket, 'join-session', (payload, reply) => {
      const { session, error } = participantSession(acc, payload);
      if (error) return reply(error, { ok: false, error: error.message });
      socket.join(sessionRoom(session._id));
      reply({ ok: true });
    });

    handle(socket, 'leave-session', (payload, reply) => {
      const sessionId = sessionIdOf(payload);
      if (!sessionId) return reply(nack('VALIDATION_ERROR', 'sessionId is required'), { ok: false });
      socket.leave(sessionRoom(sessionId));
      reply({ ok: true });
    });

    handle(socket, 'message:send', (payload, reply) => {
      const sessionId = sessionIdOf(payload);
      // Only the default mode knows clientId; the others record what came (for /debug) and ignore it.
      const rawClientId = isObject(payload) ? payload.clientId : undefined;
      const clientId = typeof rawClientId === 'string' || (!mode.extensions && typeof rawClientId === 'number') ? rawClientId : null;
      // The default mode echoes the sessionId string as sent (even an empty one).
      const echoedId = mode.extensions ? (isObject(payload) && typeof payload.sessionId === 'string' ? payload.sessionId : null) : sessionId;
      const fail = (code, message) => {
        socket.emit('message:error', shapes.messageError(code, message, echoedId, clientId));
        reply(nack(code, message), { ok: false, error: message });
      };
      if (!isObject(payload)) return fail('VALIDATION_ERROR', 'Payload must be an object');
      if (!sessionId) return fail('VALIDATION_ERROR', 'sessionId is required');
      if (!nonEmptyString(payload.text)) return fail('VALIDATION_ERROR', 'text is required');
      if (payload.text.length > MAX_TEXT) return fail('VALIDATION_ERROR', `text is longer than ${MAX_TEXT} characters`);
      if (mode.extensions && badClientId(payload.clientId)) {
        return fail('VALIDATION_ERROR', `clientId must be a non-empty string of at most ${MAX_CLIENT_ID} characters`);
      }
      const { session, error } = participantSession(acc, payload);
      if (error) return fail(error.code, error.message);

      const { id, idForm } = shapes.newMessageId((x) => state.messages.some((m) => m._id === x));
      const m = { _id: id, idForm, sessionId: session._id, senderId: acc.id, senderName: acc.name, text: payload.text, clientId, createdAt: nowIso() };
      // Default mode: a resend (same sender, same clientId) gets the stored message back, not a second one.
      const stored = shapes.dedupesByClientId && typeof clientId === 'string' ? byClientId.get(clientKey(m)) : null;
      if (stored) {
        socket.emit('message:receive', messageView(stored));
        return reply({ ok: true, message: messageView(stored), duplicate: true });
      }
      state.messages.push(m);
      if (typeof clientId === 'string') byClientId.set(clientKey(m), m);
      save();
      // Default: the room plus the sender's socket, so a sender that never joined still sees its
      // echo. Seed-only: the room. Drift: the room, or the room without the sender.
      if (echo === 'room+sender') io.to(sessionRoom(session._id)).to(socket.id).emit('message:receive', messageView(m));
      else if (echo === 'room') io.to(sessionRoom(session._id)).emit('message:receive', messageView(m));
      else socket.to(sessionRoom(session._id)).emit('message:receive', messageView(m));
      const view = messageView(m);
      reply({ ok: true, message: view }, mode.drift && mode.drift.chance('001.message:send.ackShape', 0.5) ? { ok: true, message: view } : { success: true, data: view });
    });

    socket.on('disconnect', () => {
      const left = (socketCounts.get(acc.id) || 1) - 1;
      if (left > 0) socketCounts.set(acc.id, left);
      else socketCounts.delete(acc.id);
      log('disconnect', acc.id, socket.id);
      // Shutdown disconnects everyone; the saved presence must survive the restart.
      if (shuttingDown) return;
      if (left === 0 && acc.role === 'astrologer') setOnline(acc.id, false);
    });
  });

  // Pending sessions loaded from the state file expire on the same clock as fresh ones.
  for (const s of Object.values(state.sessions)) if (s.status === 'pending') armPendingExpiry(s);

  // Test-only (README "Counting on the server"): every stored message of one session, and the
  // sessions as billed with the wallets.
  mode.debugRoutes['/debug/messages'] = (query) => {
    const list = state.messages.filter((m) => !query.conversation || m.sessionId === query.conversation);
    return {
      conversation: query.conversation || null,
      count: list.length,
      messages: list.map((m) => ({ id: m._id, conversation: m.sessionId, sender: m.senderId, text: m.text, createdAt: m.createdAt, clientRef: m.clientId })),
    };
  };
  // Who is in a session's room now (the accounts of its sockets): a join is an emit with no
  // answer, so a test waits here until the server has taken it.
  mode.debugRoutes['/debug/rooms'] = (query) => {
    const sids = io.of('/').adapter.rooms.get(sessionRoom(query.session || '')) || new Set();
    const members = [...sids].map((sid) => io.of('/').sockets.get(sid)).filter(Boolean).map((s) => s.data.account && s.data.account.id);
    return { session: query.session || null, members };
  };
  mode.debugRoutes['/debug/ledger'] = () => ({
    sessions: Object.values(state.sessions).map((x) => ({
      sessionId: x._id,
      userId: x.userId,
      astrologerId: x.astrologerId,
      status: x.status,
      endReason: x.endReason,
      ratePerMinute: fmtCents(x.rateCents),
      duration: x.duration,
      coinsDeducted: fmtCents(x.coinsCents),
      createdAt: x.createdAt,
      acceptedAt: x.acceptedAt,
      endedAt: x.endedAt,
    })),
    wallets: Object.fromEntries(Object.entries(state.wallets).map(([k, c]) => [k, fmtCents(c)])),
  });

  serve(httpServer, io, args.port, () => {
    shuttingDown = true;
    save();
  }, mode);
}

main();
