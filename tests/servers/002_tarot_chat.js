'use strict';
// 002 SAMIA tarot chat: reference server for shared/seeds/002_5aa154ea80991d2b.txt.
//
// Socket.IO on `/`: the handshake is always accepted, then the server answers `authenticated` or
// `auth_error` + disconnect (as the document shows). Events: join_chat / leave_chat, send_message,
// typing_start / typing_stop, message_reaction; errors are `error` {success:false, error, code}.
// REST under /api/chat: sessions (list, detail, create), messages (page, post, read) and
// multipart voice notes, whose files are served back at /files/voice_notes/<id>.<ext>.
// Where the document is silent, tests/servers/README.md ("002 SAMIA tarot chat") decides.
// The wire depends on the mode (modes.js); shapes/002_tarot_chat.js trims and varies every payload.
// GET /debug/messages?conversation=<session id> lists what was stored (test-only).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { pipeline } = require('node:stream/promises');
const express = require('express');
const busboy = require('busboy');
const { Server } = require('socket.io');
const {
  parseArgs,
  handleCliModes,
  verifyToken,
  handshakeToken,
  bearer,
  rateLimiter,
  persistentState,
  serve,
  httpServerFor,
  log,
  nowIso,
  ioOptions,
} = require('./common');
const { createMode } = require('./modes');
const { createShapes } = require('./shapes/002_tarot_chat');

const mode = createMode('002');
const shapes = createShapes(mode);

// ---------------------------------------------------------------------------------------------
// Seed data (README "002 SAMIA tarot chat")
// ---------------------------------------------------------------------------------------------

const SARAH = '11111111-1111-4111-8111-111111111111';
const SAMIA = '22222222-2222-4222-8222-222222222222';
const ADMIN = '33333333-3333-4333-8333-333333333333';
const OMAR = '44444444-4444-4444-8444-444444444444';
const ACTIVE_SESSION = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const CLOSED_SESSION = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

const ACCOUNTS = [
  account(SARAH, 'Sarah', 'Johnson', 'client', 'sarah@samia.test', `https://cdn.samia.test/avatars/${SARAH}.png`),
  account(OMAR, 'Omar', 'Haddad', 'client', 'omar@samia.test', null),
  account(SAMIA, 'Samia', 'Reader', 'reader', 'samia@samia.test', `https://cdn.samia.test/avatars/${SAMIA}.png`),
  account(ADMIN, 'Platform', 'Admin', 'admin', 'admin@samia.test', null),
];

function account(id, firstName, lastName, role, email, avatarUrl) {
  return { id, name: `${firstName} ${lastName}`, role, email, first_name: firstName, last_name: lastName, avatar_url: avatarUrl };
}

/** Bookings the seeded sessions hang off (the document embeds them as `bookings`). */
const BOOKINGS = {
  'cccccccc-cccc-4ccc-8ccc-cccccccccccc': { service: { name: 'Full Tarot Reading', type: 'comprehensive' }, client: SARAH, reader: SAMIA },
  'dddddddd-dddd-4ddd-8ddd-dddddddddddd': { service: { name: 'Love & Relationships Spread', type: 'focused' }, client: SARAH, reader: SAMIA },
};

/** The seeded booking with this id, or null (own keys only: ids come from clients). */
const bookingOf = (id) => (typeof id === 'string' && Object.prototype.hasOwnProperty.call(BOOKINGS, id) ? BOOKINGS[id] : null);

function initialState() {
  const created = '2024-12-01T10:00:00.000Z';
  return {
    sessions: {
      [ACTIVE_SESSION]: seedSession(ACTIVE_SESSION, 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'active', created),
      [CLOSED_SESSION]: { ...seedSession(CLOSED_SESSION, 'dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'ended', '2024-11-20T18:00:00.000Z'), ended_at: '2024-11-20T19:00:00.000Z' },
    },
    messages: [],
  };
}

function seedSession(id, bookingId, status, createdAt) {
  return { id, booking_id: bookingId, session_type: 'booking', status, participants: [SARAH, SAMIA], metadata: {}, created_at: createdAt, last_message_at: null };
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

const RATE_SCALE = Number.parseFloat(process.env.PARLOR_RATE_LIMIT_SCALE || '1') || 1;
/** Documented limit × PARLOR_RATE_LIMIT_SCALE, never below one. */
const scaled = (n) => Math.max(1, Math.round(n * RATE_SCALE));
const MINUTE = 60_000;
const MESSAGE_LIMIT = scaled(100);
const VOICE_LIMIT = scaled(10);
const MAX_VOICE_BYTES = 10 * 1024 * 1024;
const MAX_CONTENT = 5000;
const MAX_PAGE = 100;

/** Allowed voice-note extensions and the MIME types each may arrive with. */
const AUDIO_TYPES = {
  mp3: ['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3'],
  wav: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
  ogg: ['audio/ogg', 'application/ogg'],
  webm: ['audio/webm', 'video/webm'],
};
/** A generic upload type; accepted because the extension already names the format. */
const GENERIC_MIME = 'application/octet-stream';

// ---------------------------------------------------------------------------------------------
// Errors and validation
// ---------------------------------------------------------------------------------------------

/** An answer in the document's error format; `status` only matters on REST. */
class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
  body() {
    const b = { success: false, error: this.message, code: shapes.code(this.code) };
    if (this.details && this.details.length) b.details = this.details;
    return shapes.errorBody(b);
  }
  /** The HTTP status; seed-only answers an extension code's situation as a 400 VALIDATION_ERROR. */
  httpStatus() {
    return shapes.code(this.code) === this.code ? this.status : 400;
  }
}

const invalid = (message, details) => new ApiError(400, 'VALIDATION_ERROR', message, details || [message]);
const authRequired = (message = 'Authentication required') => new ApiError(401, 'AUTHENTICATION_REQUIRED', message);
const sessionNotFound = () => new ApiError(404, 'SESSION_NOT_FOUND', 'Chat session not found');
const accessDenied = () => new ApiError(403, 'CHAT_ACCESS_DENIED', 'You are not a participant of this chat session');
const sessionInactive = () => new ApiError(409, 'SESSION_INACTIVE', 'Cannot send messages to an inactive session');
const messageNotFound = () => new ApiError(404, 'MESSAGE_NOT_FOUND', 'Message not found');
const tooManyMessages = () => new ApiError(429, 'RATE_LIMIT_EXCEEDED', 'Too many messages, please slow down');

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (v) => typeof v === 'string' && UUID_RE.test(v);
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A required session id: a uuid string (anything else cannot name a session). */
function requireSessionId(value, field = 'session_id') {
  if (value === undefined || value === null || value === '') throw invalid(`${field} is required`);
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return value;
}

/**
 * Checks the fields of a new text message (REST body or socket `message`) and returns them
 * normalised; every problem is listed in `details`.
 */
function validateNewMessage(input, { idRequired }) {
  const problems = [];
  if (idRequired || input.id !== undefined) {
    if (!isUuid(input.id)) problems.push(idRequired ? 'message.id must be a uuid' : 'id must be a uuid');
  }
  if (typeof input.content !== 'string' || input.content.trim() === '') problems.push('content must be a non-empty string');
  else if (input.content.length > MAX_CONTENT) problems.push(`content must be at most ${MAX_CONTENT} characters`);
  const type = input.type === undefined ? 'text' : input.type;
  if (type !== 'text' && type !== 'system') problems.push('type must be "text" or "system"');
  if (input.metadata !== undefined && input.metadata !== null && !isPlainObject(input.metadata)) problems.push('metadata must be an object');
  const replyTo = shapes.replies ? input.reply_to : undefined; // replies are an extension
  if (replyTo !== undefined && replyTo !== null && !isUuid(replyTo)) problems.push('reply_to must be a message id');
  if (problems.length) throw invalid('Invalid message data', problems);
  return { id: input.id, content: input.content, type, metadata: input.metadata || {}, reply_to: replyTo || null };
}

/** A positive integer query parameter with a default and a maximum. */
function queryInt(query, name, fallback, max) {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number.parseInt(raw, 10) : NaN;
  if (!Number.isInteger(n) || n < 1 || (max && n > max)) throw invalid(`${name} must be an integer between 1 and ${max || 'any'}`);
  return n;
}

/** An optional string query parameter (a repeated parameter is an error, not an array). */
function queryString(query, name) {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw invalid(`${name} must be a single string`);
  return raw;
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

const args = parseArgs();
if (handleCliModes(args, { name: '002 SAMIA tarot chat reference server', usage: 'node 002_tarot_chat.js --port 0', accounts: ACCOUNTS })) {
  process.exit();
}

const store = persistentState(args.stateFile, initialState);
const state = store.load();
/** id -> message, rebuilt from the ordered list (the list order is the chronological order). */
const messagesById = new Map(state.messages.map((m) => [m.id, m]));
const save = () => store.save(state);

/** Voice files live next to the state file so they survive a restart with it; else in a temp dir. */
const voiceDirIsTemp = !args.stateFile;
const voiceDir = args.stateFile
  ? path.join(path.dirname(path.resolve(args.stateFile)), 'voice_notes')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'parlor-002-voice-'));
fs.mkdirSync(voiceDir, { recursive: true });

const accountById = (id) => ACCOUNTS.find((a) => a.id === id);
const isAdmin = (user) => user.role === 'admin';
const roomOf = (sessionId) => `session:${sessionId}`;

/** The session the user may see: 404 when unknown, 403 unless participant (admins may moderate). */
function accessibleSession(user, sessionId) {
  const session = Object.prototype.hasOwnProperty.call(state.sessions, sessionId) ? state.sessions[sessionId] : null;
  if (!session) throw sessionNotFound();
  if (!session.participants.includes(user.id) && !isAdmin(user)) throw accessDenied();
  return session;
}

/** The session a user may write to: accessible and still active. */
function writableSession(user, sessionId) {
  const session = accessibleSession(user, sessionId);
  if (session.status !== 'active') throw sessionInactive();
  return session;
}

const sessionMessages = (sessionId) => state.messages.filter((m) => m.session_id === sessionId);

/**
 * Stores a new message, or returns the stored one when the same sender repeats its id
 * (idempotent resends). `created` tells whether anything was stored.
 */
function storeMessage(user, session, fields, limiter) {
  if (fields.id && messagesById.has(fields.id)) {
    const existing = messagesById.get(fields.id);
    if (existing.session_id !== session.id || existing.sender_id !== user.id) throw invalid('Message id already in use', ['id is taken by another message']);
    return { message: existing, created: false };
  }
  if (fields.reply_to) {
    const target = messagesById.get(fields.reply_to);
    if (!target || target.session_id !== session.id) throw invalid('Reply target not found', ['reply_to must name a message of this session']);
  }
  if (limiter && !limiter.hit(user.id)) throw tooManyMessages();
  const message = {
    id: fields.id || crypto.randomUUID(),
    session_id: session.id,
    sender_id: user.id,
    content: fields.content,
    type: fields.type,
    file_path: fields.file_path || null,
    file_name: fields.file_name || null,
    file_size: fields.file_size === undefined ? null : fields.file_size,
    metadata: fields.metadata || {},
    reply_to: fields.reply_to || null,
    created_at: nowIso(),
    read_by: {},
    reactions: [],
    // The id the client sent, whatever the server stored the message under (for /debug).
    client_ref: fields.client_ref === undefined ? fields.id || null : fields.client_ref,
  };
  state.messages.push(message);
  messagesById.set(message.id, message);
  session.last_message_at = message.created_at;
  save();
  return { message, created: true };
}

/** Toggles one reaction of one user; returns what happened. */
function toggleReaction(message, user, reaction) {
  const i = message.reactions.findIndex((r) => r.user_id === user.id && r.reaction === reaction);
  if (i >= 0) message.reactions.splice(i, 1);
  else message.reactions.push({ user_id: user.id, reaction, created_at: nowIso() });
  save();
  return i >= 0 ? 'removed' : 'added';
}

/** Adds one reaction of one user (a repeat keeps one); returns 'added'. */
function addReaction(message, user, reaction) {
  if (!message.reactions.some((r) => r.user_id === user.id && r.reaction === reaction)) {
    message.reactions.push({ user_id: user.id, reaction, created_at: nowIso() });
    save();
  }
  return 'added';
}

/** {emoji: count} over all users. */
function reactionCounts(message) {
  const counts = Object.create(null); // any emoji string is a safe key, even "__proto__"
  for (const r of message.reactions) counts[r.reaction] = (counts[r.reaction] || 0) + 1;
  return counts;
}

/** Records that `user` read `message`; false when nothing changed (own message or already read). */
function markRead(message, user) {
  if (message.sender_id === user.id || message.read_by[user.id]) return false;
  message.read_by[user.id] = nowIso();
  save();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Views (what leaves the server)
// ---------------------------------------------------------------------------------------------

let baseUrl = 'http://127.0.0.1';
/** Absolute URL of a stored voice file, built with the server's own host:port. */
const fileUrl = (m) => (m.file_path ? `${baseUrl}/files/voice_notes/${m.file_path}` : null);

function profileOf(id) {
  const a = accountById(id);
  return a ? { id: a.id, first_name: a.first_name, last_name: a.last_name, avatar_url: a.avatar_url, role: a.role } : { id, first_name: null, last_name: null, avatar_url: null, role: null };
}

/** A message as REST returns it (the document's `messages[]` item). */
function restMessage(m) {
  const p = profileOf(m.sender_id);
  return {
    id: m.id,
    session_id: m.session_id,
    sender_id: m.sender_id,
    content: m.content,
    type: m.type,
    file_url: fileUrl(m),
    file_name: m.file_name,
    file_size: m.file_size,
    metadata: m.metadata,
    reply_to: m.reply_to,
    // The column the document shows: read by someone other than its sender.
    is_read: Object.keys(m.read_by).some((uid) => uid !== m.sender_id),
    created_at: m.created_at,
    profiles: { first_name: p.first_name, last_name: p.last_name, avatar_url: p.avatar_url },
    message_reactions: m.reactions.map((r) => ({ user_id: r.user_id, reaction: r.reaction, profiles: { first_name: profileOf(r.user_id).first_name } })),
  };
}

/** A message as the socket delivers it (`new_message`). */
function socketMessage(m) {
  const a = accountById(m.sender_id);
  return {
    id: m.id,
    session_id: m.session_id,
    content: m.content,
    type: m.type,
    sender: { id: m.sender_id, name: a ? a.name : null, avatar: a ? a.avatar_url : null },
    timestamp: m.created_at,
    file_url: fileUrl(m),
    file_name: m.file_name,
    metadata: m.metadata,
    reply_to: m.reply_to,
  };
}

function bookingView(bookingId) {
  const b = bookingOf(bookingId);
  if (!b) return null;
  return { id: bookingId, services: b.service, profiles: [profileOf(b.client), profileOf(b.reader)] };
}

function unreadCount(session, user) {
  return sessionMessages(session.id).filter((m) => m.sender_id !== user.id && !m.read_by[user.id]).length;
}

function sessionSummary(session, user) {
  return {
    id: session.id,
    booking_id: session.booking_id,
    session_type: session.session_type,
    status: session.status,
    participants: session.participants,
    last_message_at: session.last_message_at,
    unread_count: unreadCount(session, user),
    metadata: session.metadata,
    created_at: session.created_at,
    ended_at: session.ended_at || null,
    bookings: bookingView(session.booking_id),
  };
}

function sessionDetail(session, user) {
  return { ...sessionSummary(session, user), participant_profiles: session.participants.map(profileOf) };
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const app = express();
const httpServer = httpServerFor(app);
const io = new Server(httpServer, ioOptions());
const messageLimiter = rateLimiter(MESSAGE_LIMIT, MINUTE);
const voiceLimiter = rateLimiter(VOICE_LIMIT, MINUTE);

/** Sends `new_message` to everyone in the session room. */
function broadcastMessage(message) {
  io.to(roomOf(message.session_id)).emit('new_message', shapes.newMessage(socketMessage(message)));
}

/** The account behind a token, or an ApiError saying why not. */
function userFromToken(token) {
  const v = verifyToken(token);
  if (!v.ok) {
    throw authRequired(v.reason === 'missing' ? 'Authentication token required' : v.reason === 'expired' ? 'Authentication token expired' : 'Invalid authentication token');
  }
  const user = accountById(String(v.claims.sub));
  if (!user) throw authRequired('Unknown user');
  return user;
}

// --- REST ---------------------------------------------------------------------------------------

app.use(express.json({ limit: '100kb' }));

const authenticate = (req) => userFromToken(bearer(req.headers.authorization));
/** The JSON body as an object; anything else (array, missing) is a validation error. */
function bodyOf(req) {
  if (req.body === undefined) return {};
  if (!isPlainObject(req.body)) throw invalid('Request body must be a JSON object');
  return req.body;
}

app.use((req, res, next) => (mode.serveTestRoutes(req, res) ? undefined : next()));
app.get('/health', (req, res) => res.json({ ok: true }));

app.get('/api/chat/sessions', (req, res) => {
  const user = authenticate(req);
  const page = queryInt(req.query, 'page', 1);
  const limit = queryInt(req.query, 'limit', 20, MAX_PAGE);
  const status = queryString(req.query, 'status') || 'active';
  const bookingId = queryString(req.query, 'booking_id');
  const mine = Object.values(state.sessions)
    .filter((s) => isAdmin(user) || s.participants.includes(user.id))
    .filter((s) => (shapes.statusAll && status === 'all') || s.status === status) // extension: status=all
    .filter((s) => !bookingId || s.booking_id === bookingId)
    .sort((a, b) => (b.last_message_at || b.created_at).localeCompare(a.last_message_at || a.created_at));
  const sessions = mine.slice((page - 1) * limit, page * limit).map((s) => shapes.sessionSummary(sessionSummary(s, user)));
  res.json(shapes.envelope('sessions', { success: true, data: { sessions, pagination: { page, limit, total: mine.length, total_pages: Math.ceil(mine.length / limit) } } }));
});

app.get('/api/chat/sessions/:id', (req, res) => {
  const user = authenticate(req);
  res.json(shapes.envelope('session', { success: true, data: shapes.sessionDetail(sessionDetail(accessibleSession(user, req.params.id), user)) }));
});

app.post('/api/chat/sessions', (req, res) => {
  const user = authenticate(req);
  const body = bodyOf(req);
  const session = createSession(user, body);
  const { id, booking_id, session_type, status, participants, created_at, metadata } = session;
  const data = shapes.sessionCreated({ id, booking_id, session_type, status, participants, metadata, created_at });
  res.status(201).json(shapes.envelope('session-created', { success: true, data, message: 'Chat session created successfully' }));
});

/** Creates a session from a booking (its client and reader) and/or explicit participant ids. */
function createSession(user, body) {
  const problems = [];
  const { booking_id: bookingId, participant_ids: ids, metadata } = body;
  if (bookingId !== undefined && bookingId !== null && !bookingOf(bookingId)) problems.push('booking_id does not name a booking');
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string' && accountById(id)))) problems.push('participant_ids must be an array of user ids');
  const type = body.session_type === undefined ? (bookingId ? 'booking' : 'general') : body.session_type;
  if (!['booking', 'support', 'general'].includes(type)) problems.push('session_type must be booking, support or general');
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) problems.push('metadata must be an object');
  if (!bookingId && ids === undefined) problems.push('booking_id or participant_ids is required');
  if (problems.length) throw invalid('Invalid session data', problems);
  const booking = bookingOf(bookingId);
  if (booking && !isAdmin(user) && user.id !== booking.client && user.id !== booking.reader) throw accessDenied();
  // The booking's client and reader, the listed ids, and the creator (unless an admin opening a booking chat).
  const everyone = [...(booking ? [booking.client, booking.reader] : []), ...(ids || [])];
  if (!(booking && isAdmin(user))) everyone.push(user.id);
  const participants = [...new Set(everyone)];
  if (participants.length < 2) throw invalid('A chat session needs at least two participants');
  const session = { id: crypto.randomUUID(), booking_id: bookingId || null, session_type: type, status: 'active', participants, metadata: metadata || {}, created_at: nowIso(), last_message_at: null };
  state.sessions[session.id] = session;
  save();
  return session;
}

app.get('/api/chat/messages', (req, res) => {
  const user = authenticate(req);
  const sessionId = requireSessionId(queryString(req.query, 'session_id'));
  const page = queryInt(req.query, 'page', 1);
  const limit = queryInt(req.query, 'limit', 50, MAX_PAGE);
  const before = queryString(req.query, 'before_message_id');
  const session = accessibleSession(user, sessionId);
  res.json(shapes.envelope('messages', { success: true, data: messagePage(session, { page, limit, before }) }));
});

/**
 * One page of history. Page 1 holds the newest `limit` messages (older than `before` when given),
 * page 2 the ones before them, and so on; each page is oldest first. `has_more`: older ones exist.
 */
function messagePage(session, { page, limit, before }) {
  let all = sessionMessages(session.id);
  if (before !== undefined) {
    const cut = all.findIndex((m) => m.id === before);
    if (cut < 0) throw invalid('before_message_id does not name a message of this session');
    all = all.slice(0, cut);
  }
  const end = Math.max(0, all.length - (page - 1) * limit);
  const start = Math.max(0, end - limit);
  return { messages: all.slice(start, end).map((m) => shapes.listMessage(restMessage(m))), has_more: start > 0 };
}

app.post('/api/chat/messages', (req, res) => {
  const user = authenticate(req);
  const body = bodyOf(req);
  const sessionId = requireSessionId(body.session_id);
  // The body's `id` (a client id that makes the post idempotent) is an extension: seed-only
  // stores every post under a new id and only records what the client sent.
  const input = shapes.restClientIds ? body : { ...body, id: undefined };
  const fields = validateNewMessage(input, { idRequired: false });
  if (!shapes.restClientIds) fields.client_ref = typeof body.id === 'string' ? body.id : null;
  const session = accessibleSession(user, sessionId);
  // A resend of a stored id answers the stored message even if the session ended since.
  const replay = fields.id && messagesById.get(fields.id);
  if (!replay || replay.session_id !== session.id || replay.sender_id !== user.id) writableSession(user, sessionId);
  const { message, created } = storeMessage(user, session, fields, messageLimiter);
  if (created) broadcastMessage(message);
  res.status(created ? 201 : 200).json(shapes.envelope('message', { success: true, data: shapes.postMessage(restMessage(message)), message: 'Message sent successfully' }));
});

app.put('/api/chat/messages/:id/read', (req, res) => {
  const user = authenticate(req);
  const message = messagesById.get(req.params.id);
  if (!message) throw messageNotFound();
  accessibleSession(user, message.session_id);
  if (markRead(message, user) && shapes.messageReadEvent) {
    io.to(roomOf(message.session_id)).emit('message_read', { message_id: message.id, session_id: message.session_id, user_id: user.id, read_at: message.read_by[user.id] });
  }
  res.json(shapes.readAnswer(message.id, message.read_by[user.id] || null));
});

app.post('/api/chat/voice-notes', (req, res, next) => {
  receiveVoiceNote(req, res).catch(next);
});

/** Voice files are public like a CDN URL: an <audio> element cannot send a bearer token. */
app.get('/files/voice_notes/:name', (req, res, next) => {
  if (!/^[0-9a-f-]{36}\.(mp3|wav|ogg|webm)$/i.test(req.params.name)) return next();
  res.sendFile(req.params.name, { root: voiceDir }, (err) => {
    if (err && !res.headersSent) next();
  });
});

app.use((req, res) => res.status(404).json({ success: false, error: 'Not found', code: 'NOT_FOUND' }));

// Express 5 routes thrown errors (sync or async) here.
app.use((err, req, res, next) => {
  if (res.headersSent) return next(err);
  if (err instanceof ApiError) return res.status(err.httpStatus()).json(err.body());
  if (err.type === 'entity.parse.failed') return res.status(400).json(invalid('Malformed JSON body').body());
  if (err.type === 'entity.too.large') return res.status(413).json(new ApiError(413, 'VALIDATION_ERROR', 'Request body too large').body());
  log('002 internal error', err.stack || err);
  return res.status(500).json({ success: false, error: 'Internal server error', code: 'INTERNAL_ERROR' });
});

// --- voice notes ----------------------------------------------------------------------------------

/** Answers an upload once its body is consumed, so the client reads the answer instead of a reset. */
function answerAfterBody(req, res, status, body) {
  const send = () => {
    if (!res.headersSent) res.status(status).json(body);
  };
  if (req.readableEnded) return send();
  req.unpipe();
  req.once('end', send);
  req.once('error', () => {});
  req.resume();
}

/** Extension (lower case) of a file name, '' without one. */
function extensionOf(name) {
  const m = typeof name === 'string' ? /\.([A-Za-z0-9]+)$/.exec(name) : null;
  return m ? m[1].toLowerCase() : '';
}

/** The audio format of an upload when both its extension and its MIME type allow it. */
function audioFormat(filename, mimeType) {
  const ext = extensionOf(filename);
  const mime = String(mimeType || '').toLowerCase();
  if (!Object.prototype.hasOwnProperty.call(AUDIO_TYPES, ext)) return null;
  return AUDIO_TYPES[ext].includes(mime) || mime === GENERIC_MIME ? ext : null;
}

/**
 * POST /api/chat/voice-notes: streams `voice_note` to disk (10 MB cap enforced while streaming),
 * then checks the fields and the session, stores a `voice` message and broadcasts it.
 * Fields may come before or after the file, so the session is checked once the body is read.
 */
async function receiveVoiceNote(req, res) {
  let user;
  try {
    user = authenticate(req);
    // Counts attempts, as a rate-limit middleware in front of the upload would.
    if (!voiceLimiter.hit(user.id)) throw new ApiError(429, 'RATE_LIMIT_EXCEEDED', 'Too many voice notes, please wait a minute');
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] || '')) throw invalid('Content-Type must be multipart/form-data');
  } catch (e) {
    return answerAfterBody(req, res, e.httpStatus(), e.body());
  }

  const parsed = await parseVoiceUpload(req);
  const { upload } = parsed;
  try {
    const { sessionId, duration, clientId } = checkVoiceUpload(parsed);
    const session = writableSession(user, sessionId);
    // Extension: a client id makes a retried upload idempotent (200, the stored message, no broadcast).
    const existing = clientId ? messagesById.get(clientId) : null;
    if (existing) {
      if (existing.session_id !== session.id || existing.sender_id !== user.id) throw invalid('Message id already in use', ['id is taken by another message']);
      return res.status(200).json({ success: true, data: restMessage(existing), message: 'Voice note already uploaded' });
    }
    if (clientId) upload.id = clientId;
    const finalName = `${upload.id}.${upload.ext}`;
    fs.renameSync(upload.tmp, path.join(voiceDir, finalName));
    upload.tmp = null;
    const { message } = storeMessage(user, session, {
      id: upload.id,
      content: 'Voice message',
      type: 'voice',
      file_path: finalName,
      file_name: upload.filename,
      file_size: upload.size,
      metadata: { duration, audio_format: upload.ext },
      client_ref: clientId,
    });
    broadcastMessage(message);
    res.status(201).json(shapes.envelope('voice-note', { success: true, data: shapes.voiceMessage(restMessage(message)), message: 'Voice note uploaded successfully' }));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    res.status(e.httpStatus()).json(e.body());
  } finally {
    if (upload && upload.tmp) fs.rm(upload.tmp, { force: true }, () => {});
  }
}

/** Validates what the multipart body held; returns the session id and duration. */
function checkVoiceUpload({ problem, upload, fields }) {
  if (problem) throw problem;
  if (!upload) throw invalid('voice_note file is required');
  const sessionId = requireSessionId(fields.session_id);
  let duration = null;
  if (fields.duration !== undefined && fields.duration !== '') {
    duration = Number(fields.duration);
    if (!Number.isFinite(duration) || duration < 0 || duration > 3600) throw invalid('duration must be a number of seconds between 0 and 3600');
  }
  let clientId = null;
  if (shapes.restClientIds && fields.id !== undefined && fields.id !== '') {
    if (!isUuid(fields.id)) throw invalid('id must be a uuid');
    clientId = fields.id.toLowerCase();
  }
  return { sessionId, duration, clientId };
}

/**
 * Reads the multipart body. Resolves `{ fields, upload, problem }`: `upload` is the file written
 * to a temporary path (or null), `problem` the first ApiError met while streaming.
 */
function parseVoiceUpload(req) {
  return new Promise((resolve) => {
    const fields = {};
    let upload = null;
    let fileStream = null;
    let problem = null;
    const writes = [];
    const fail = (e) => {
      if (!problem) problem = e;
    };
    let bb;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: MAX_VOICE_BYTES, files: 1, fields: 10, fieldSize: 1024 } });
    } catch (e) {
      fail(invalid('Malformed multipart body'));
      req.resume();
      return req.once('end', () => resolve({ fields, upload, problem }));
    }
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    const onFile = (name, stream, info) => {
      if (name !== 'voice_note') {
        fail(invalid(`Unexpected file field ${name}`));
        return stream.resume();
      }
      const ext = audioFormat(info.filename, info.mimeType);
      if (!ext) {
        fail(new ApiError(415, 'UNSUPPORTED_FILE_TYPE', 'Unsupported file type: voice notes must be mp3, wav, ogg or webm', [`got ${info.filename || 'no file name'} (${info.mimeType})`]));
        return stream.resume();
      }
      const id = crypto.randomUUID();
      upload = { id, ext, filename: info.filename, tmp: path.join(voiceDir, `${id}.${ext}.part`), size: 0 };
      fileStream = stream;
      stream.on('data', (chunk) => {
        upload.size += chunk.length;
      });
      stream.on('limit', () => fail(new ApiError(413, 'FILE_TOO_LARGE', 'File too large: the limit is 10 MB', [`max ${MAX_VOICE_BYTES} bytes`])));
      writes.push(pipeline(stream, fs.createWriteStream(upload.tmp)).catch((e) => fail(invalid(`Upload failed: ${e.message}`))));
    };
    // busboy calls this outside Express: a throw here must not take the process down.
    bb.on('file', (name, stream, info) => {
      try {
        onFile(name, stream, info);
      } catch (e) {
        log('002 upload handler failed', e.stack || e);
        fail(new ApiError(500, 'INTERNAL_ERROR', 'Internal server error'));
        stream.resume();
      }
    });
    bb.on('filesLimit', () => fail(invalid('Only one file may be uploaded')));
    const finish = () => Promise.all(writes).then(() => resolve({ fields, upload, problem }));
    bb.once('close', finish);
    // A client that goes away mid-upload never ends the body: stop writing and give up.
    req.once('close', () => {
      if (req.complete) return;
      fail(invalid('Upload aborted'));
      if (fileStream) fileStream.destroy();
      resolve({ fields, upload, problem });
    });
    bb.once('error', (e) => {
      fail(invalid(`Malformed multipart body: ${e.message}`));
      req.unpipe(bb);
      req.resume();
      finish();
    });
    req.pipe(bb);
  });
}

// --- sockets ------------------------------------------------------------------------------------

/** Emits the document's socket error `{success:false, error, code}`. */
function socketError(socket, e) {
  if (!(e instanceof ApiError)) {
    log('002 socket handler failed', e.stack || e);
    e = new ApiError(500, 'INTERNAL_ERROR', 'Internal server error');
  }
  socket.emit('error', e.body());
}

/** Registers a handler whose thrown ApiErrors become `error` events; client input never crashes us. */
function on(socket, event, handler) {
  socket.on(event, (payload, ack) => {
    if (mode.drift && typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
    let ok = true;
    try {
      handler(payload);
    } catch (e) {
      ok = false;
      socketError(socket, e);
    }
    // The document defines no acks: only a drifted server answers one (never, empty, or its own body).
    if (mode.drift) mode.drift.ack(`002.${event}`, ack, { success: ok });
  });
}

/** The payload as an object, or a VALIDATION_ERROR naming the event. */
function objectPayload(payload, event) {
  if (!isPlainObject(payload)) throw invalid(`${event} expects an object payload`);
  return payload;
}

io.on('connection', (socket) => {
  let user;
  try {
    user = userFromToken(handshakeToken(socket.handshake));
  } catch (e) {
    // The document's flow: the connection opens, then `auth_error` and a server disconnect.
    socket.emit('auth_error', shapes.authError(e.message));
    socket.disconnect();
    return;
  }
  socket.data.user = user;
  socket.emit('authenticated', shapes.authenticated(user));
  log('002 connected', user.name, socket.id);

  const joinedSessions = () => [...socket.rooms].filter((r) => r.startsWith('session:')).map((r) => r.slice('session:'.length));
  const presence = (event, sessionId) => shapes.presence(event, sessionId, user);

  on(socket, 'join_chat', (payload) => {
    const sessionId = requireSessionId(objectPayload(payload, 'join_chat').session_id);
    accessibleSession(user, sessionId);
    const room = roomOf(sessionId);
    const already = socket.rooms.has(room);
    socket.join(room);
    socket.emit('chat_joined', shapes.chatJoined(sessionId));
    if (!already) socket.to(room).emit('user_joined', presence('user_joined', sessionId));
  });

  if (shapes.hasLeaveChat) {
    on(socket, 'leave_chat', (payload) => {
      const sessionId = requireSessionId(objectPayload(payload, 'leave_chat').session_id);
      const room = roomOf(sessionId);
      if (!socket.rooms.has(room)) return;
      socket.leave(room);
      socket.to(room).emit('user_left', presence('user_left', sessionId));
    });
  }

  on(socket, 'send_message', (payload) => {
    const body = objectPayload(payload, 'send_message');
    const sessionId = requireSessionId(body.session_id);
    if (!isPlainObject(body.message)) throw invalid('message must be an object');
    const session = accessibleSession(user, sessionId);
    const stored = isUuid(body.message.id) ? messagesById.get(body.message.id) : null;
    let message;
    if (stored) {
      // Relay of a message created over REST (the document's pattern), or a resend.
      if (stored.session_id !== session.id || stored.sender_id !== user.id) throw invalid('Message id already in use', ['message.id is taken by another message']);
      if (session.status !== 'active') throw sessionInactive();
      message = stored;
    } else {
      // Stored under the client's id (default; drift "client"), or under a new server id with
      // the client's id only recorded (seed-only; drift "server"): then a resend is a new message.
      const keep = shapes.keepsClientId;
      const fields = validateNewMessage(keep ? body.message : { ...body.message, id: undefined }, { idRequired: mode.extensions });
      if (!keep) fields.client_ref = typeof body.message.id === 'string' || typeof body.message.id === 'number' ? body.message.id : null;
      writableSession(user, sessionId);
      message = storeMessage(user, session, fields, messageLimiter).message;
    }
    socket.emit('message_sent', shapes.messageSent(message.id, session.id));
    broadcastMessage(message);
  });

  // The document's typing events carry no payload: every joined session hears them. The default
  // mode also takes {session_id} (extension); seed-only ignores any payload.
  const typing = (isTyping) => (payload) => {
    let sessions;
    if (payload === undefined || payload === null || !shapes.typingTakesSession) sessions = joinedSessions();
    else {
      const sessionId = requireSessionId(objectPayload(payload, isTyping ? 'typing_start' : 'typing_stop').session_id);
      accessibleSession(user, sessionId);
      sessions = [sessionId];
    }
    for (const sessionId of sessions) socket.to(roomOf(sessionId)).emit('user_typing', shapes.typing(sessionId, user, isTyping));
  };
  on(socket, 'typing_start', typing(true));
  on(socket, 'typing_stop', typing(false));

  on(socket, 'message_reaction', (payload) => {
    const body = objectPayload(payload, 'message_reaction');
    const problems = [];
    if (typeof body.message_id !== 'string' || body.message_id === '') problems.push('message_id is required');
    if (typeof body.reaction !== 'string' || body.reaction.trim() === '' || body.reaction.length > 32) problems.push('reaction must be an emoji string');
    if (typeof body.session_id !== 'string' || body.session_id === '') problems.push('session_id is required');
    if (problems.length) throw invalid('Invalid reaction data', problems);
    const session = accessibleSession(user, body.session_id);
    const message = messagesById.get(body.message_id);
    if (!message || message.session_id !== session.id) throw messageNotFound();
    // Default: a repeat toggles the reaction off. Seed-only only adds (the document shows no removal).
    const action = shapes.reactionToggles ? toggleReaction(message, user, body.reaction) : addReaction(message, user, body.reaction);
    io.to(roomOf(session.id)).emit('message_reaction_update', shapes.reaction({
      message_id: message.id,
      session_id: session.id,
      user_id: user.id,
      user_name: user.name,
      reaction: body.reaction,
      action,
      reactions: reactionCounts(message),
    }));
  });

  socket.on('disconnecting', () => {
    for (const sessionId of joinedSessions()) socket.to(roomOf(sessionId)).emit('user_left', presence('user_left', sessionId));
  });
});

/**
 * Test-only (GET /debug/messages, README "Counting on the server"): every stored message of one
 * session (`conversation`), or of all sessions, with the id the client sent (`clientRef`).
 */
mode.debugRoutes['/debug/messages'] = (query) => {
  const list = state.messages.filter((m) => !query.conversation || m.session_id === query.conversation);
  return {
    conversation: query.conversation || null,
    count: list.length,
    messages: list.map((m) => ({ id: m.id, conversation: m.session_id, sender: m.sender_id, text: m.content, type: m.type, createdAt: m.created_at, clientRef: m.client_ref === undefined ? null : m.client_ref })),
  };
};

serve(httpServer, io, args.port, () => {
  save();
  if (voiceDirIsTemp) fs.rmSync(voiceDir, { recursive: true, force: true });
}, mode);
httpServer.on('listening', () => {
  baseUrl = `http://127.0.0.1:${httpServer.address().port}`;
});
