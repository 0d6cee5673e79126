'use strict';
// 003 support chat: reference server for shared/seeds/003_7e5b6fa173606475.txt, a NestJS-style
// Socket.IO gateway on `/` (no REST besides /health).
//
// Auth is checked in the handshake (a bad token is a connect_error). Client events: joinChat,
// leaveChat, sendMessage, typing, readMessages, getActiveUsers and the extension setChatStatus.
// Each answers through the socket.io ack with `{event, data}` when the client asks for one, and
// emits `event` with `data` otherwise; errors are `{event:'error', data: message}` / `error`.
// Where the document is silent, tests/servers/README.md ("003 support chat") decides.
// The wire depends on the mode (modes.js); shapes/003_support_chat.js builds every payload.
// GET /debug/messages?conversation=<chatId> lists what was stored (test-only).

const { Server } = require('socket.io');
const { ioOptions, parseArgs, handleCliModes, verifyToken, handshakeToken, persistentState, serve, httpServerFor, log, nowIso } = require('./common');
const { createMode } = require('./modes');
const { createShapes } = require('./shapes/003_support_chat');

// ---------------------------------------------------------------------------------------------
// Seed data (README "003 support chat")
// ---------------------------------------------------------------------------------------------

const ACCOUNTS = [
  { id: 1, name: 'Client One', email: 'client@parlor.test', role: 'CLIENT' },
  { id: 2, name: 'Second Client', email: 'second@parlor.test', role: 'CLIENT' },
  { id: 10, name: 'Support Agent', email: 'support@parlor.test', role: 'ADMIN' },
];

function initialState() {
  const at = '2024-12-01T09:00:00.000Z';
  const chat = (id, clientId, adminId, status) => ({ id, clientId, adminId, status, createdAt: at, updatedAt: at });
  return {
    chats: {
      'chat-1': chat('chat-1', 1, 10, 'ACTIVE'),
      'chat-2': chat('chat-2', 2, null, 'PENDING'),
      'chat-closed': chat('chat-closed', 1, null, 'CLOSED'),
    },
    messages: [],
  };
}

const STATUSES = ['ACTIVE', 'CLOSED', 'PENDING'];
const HISTORY = 50;
const MAX_TEXT = 5000;
const MAX_READ_IDS = 500;

// The error strings clients match on (README "003 support chat").
const E = {
  chatNotFound: 'Chat not found',
  notParticipant: 'You are not a participant of this chat',
  closed: 'Chat is closed',
  empty: 'Message must have text or fileId',
  replyNotFound: 'Reply target not found',
  adminOnly: 'Only admins can change the chat status',
  internal: 'Internal server error',
};

/** A failure answered as `{event:'error', data: message}`. */
class WsError extends Error {}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

const args = parseArgs();
const mode = createMode('003');
const shapes = createShapes(mode);
if (handleCliModes(args, { name: '003 support chat reference server', usage: 'node 003_support_chat.js --port 0', accounts: ACCOUNTS })) {
  process.exit();
}

const store = persistentState(args.stateFile, initialState);
const state = store.load();
const messagesById = new Map(state.messages.map((m) => [m.id, m]));
// A resend is found by its sender's clientMessageId in a map, not by a walk through every
// message ever stored (which made each send slower than the last).
const resendKey = (chatId, senderId, ref) => JSON.stringify([chatId, senderId, ref]);
const byClientRef = new Map();
const rememberResend = (m) => {
  const key = resendKey(m.chatId, m.senderId, m.clientMessageId);
  // The first stored wins, as a search from the start found it (a seed-only run stores resends too).
  if (m.clientMessageId && !byClientRef.has(key)) byClientRef.set(key, m);
};
state.messages.forEach(rememberResend);
const save = () => store.save(state);

const accountById = (id) => ACCOUNTS.find((a) => a.id === id);
const isAdmin = (user) => user.role === 'ADMIN';

function chatById(chatId) {
  const chat = Object.prototype.hasOwnProperty.call(state.chats, chatId) ? state.chats[chatId] : null;
  if (!chat) throw new WsError(E.chatNotFound);
  return chat;
}

/** The chat a user may use: its client, or any admin. */
function participantChat(user, chatId) {
  const chat = chatById(chatId);
  if (chat.clientId !== user.id && !isAdmin(user)) throw new WsError(E.notParticipant);
  return chat;
}

function setStatus(chat, status) {
  chat.status = status;
  chat.updatedAt = nowIso();
}

// ---------------------------------------------------------------------------------------------
// Payload validation
// ---------------------------------------------------------------------------------------------

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isOptString = (v) => v === undefined || v === null || typeof v === 'string';

/** The document sends a bare chat id; the default mode accepts `{chatId}` too (extension). */
function chatIdOf(payload) {
  const id = isPlainObject(payload) && shapes.acceptsChatIdObject ? payload.chatId : payload;
  if (typeof id !== 'string' || id === '') throw new WsError('chatId must be a non-empty string');
  return id;
}

/** `{chatId, ...}` with a string chatId. */
function chatPayload(payload, event) {
  if (!isPlainObject(payload)) throw new WsError(`${event} expects an object payload`);
  if (typeof payload.chatId !== 'string' || payload.chatId === '') throw new WsError('chatId must be a non-empty string');
  return payload;
}

function messageInput(payload) {
  const body = chatPayload(payload, 'sendMessage');
  const m = body.message;
  if (!isPlainObject(m)) throw new WsError('message must be an object');
  // clientMessageId is a default-mode extension; seed-only ignores it (but records it for /debug).
  const clientRef = mode.extensions ? m.clientMessageId : typeof m.clientMessageId === 'string' || typeof m.clientMessageId === 'number' ? m.clientMessageId : null;
  if (!isOptString(m.text) || !isOptString(m.fileId) || !isOptString(m.replyToId) || (mode.extensions && !isOptString(clientRef))) {
    throw new WsError(mode.extensions ? 'message.text, fileId, replyToId and clientMessageId must be strings' : 'message.text, fileId and replyToId must be strings');
  }
  if (typeof m.text === 'string' && m.text.length > MAX_TEXT) throw new WsError(`Message text must be at most ${MAX_TEXT} characters`);
  return { chatId: body.chatId, text: m.text || null, fileId: m.fileId || null, replyToId: m.replyToId || null, clientMessageId: clientRef || null };
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/** A stored message with its sender embedded (the document's `sender?`). */
function withSender(m) {
  const a = accountById(m.senderId);
  return { ...m, sender: a ? { id: a.id, email: a.email, role: a.role } : null };
}

/**
 * A Message as the document defines it; `replyTo` is embedded one level deep (the nested
 * message is shallow, like an ORM include: its own replyTo is not expanded).
 */
function messageView(m) {
  const target = m.replyToId ? messagesById.get(m.replyToId) : null;
  return shapes.message(withSender(m), target ? withSender(target) : null);
}

const chatMessages = (chatId) => state.messages.filter((m) => m.chatId === chatId);

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const httpServer = httpServerFor((req, res) => {
  if (mode.serveTestRoutes(req, res)) return;
  const found = req.method === 'GET' && req.url === '/health';
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(found ? { ok: true } : { statusCode: 404, message: 'Not Found' }));
});
const io = new Server(httpServer, ioOptions());

/** Reasons a handshake is refused, as the connect_error message. */
const AUTH_REASONS = { missing: 'Authentication token missing', expired: 'Token expired', invalid: 'Invalid token' };

io.use((socket, next) => {
  const v = verifyToken(handshakeToken(socket.handshake));
  if (!v.ok) return next(new Error(AUTH_REASONS[v.reason]));
  const user = accountById(Number(v.claims.sub));
  if (!user) return next(new Error('Unknown user'));
  socket.data.user = user;
  next();
});

/** Ids of the users with a socket in the chat room. */
function activeUserIds(chatId) {
  const ids = new Set();
  for (const sid of io.sockets.adapter.rooms.get(chatId) || []) {
    const s = io.sockets.sockets.get(sid);
    if (s) ids.add(s.data.user.id);
  }
  return [...ids].sort((a, b) => a - b);
}

const participantUpdate = (chatId, user, action) => shapes.participantUpdate(chatId, user.id, action);

/**
 * Registers a gateway handler. The handler returns `{event, data}` (or null for no answer);
 * the answer goes to the ack when the client passed one, else it is emitted. Thrown errors
 * become `{event:'error', data}`; nothing a client sends can crash the server.
 */
function gateway(socket, event, handler) {
  socket.on(event, (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    let answer;
    try {
      answer = handler(args[0], { acked: !!ack });
    } catch (e) {
      if (!(e instanceof WsError)) log('003 handler failed', event, e.stack || e);
      answer = { event: 'error', data: e instanceof WsError ? e.message : E.internal };
    }
    shapes.deliver(socket, event, answer || null, ack, socket.data.answerMode);
  });
}

io.on('connection', (socket) => {
  const user = socket.data.user;
  socket.data.answerMode = shapes.answerMode();
  log('003 connected', user.email, socket.id, socket.data.answerMode);

  gateway(socket, 'joinChat', (payload) => {
    const chat = participantChat(user, chatIdOf(payload));
    const already = socket.rooms.has(chat.id);
    socket.join(chat.id);
    // An admin opening a waiting chat takes it.
    if (isAdmin(user) && chat.status === 'PENDING') {
      chat.adminId = user.id;
      setStatus(chat, 'ACTIVE');
      save();
      io.to(chat.id).emit('chatStatusChanged', shapes.chatStatusChanged(chat.id, chat.status));
    }
    if (!already) io.to(chat.id).emit('participantUpdate', participantUpdate(chat.id, user, 'joined'));
    const messages = chatMessages(chat.id).slice(-HISTORY).map((m) => messageView(m));
    return { event: 'joinedChat', data: shapes.joinedChat(chat, messages) };
  });

  gateway(socket, 'leaveChat', (payload) => {
    const chat = chatById(chatIdOf(payload));
    if (socket.rooms.has(chat.id)) {
      socket.leave(chat.id);
      io.to(chat.id).emit('participantUpdate', participantUpdate(chat.id, user, 'left'));
    }
    return { event: 'leftChat', data: chat.id };
  });

  gateway(socket, 'sendMessage', (payload) => {
    const input = messageInput(payload);
    const chat = participantChat(user, input.chatId);
    // Default mode: a resend (same sender, same clientMessageId) gets the stored message, even if
    // closed since. The document has no clientMessageId: seed-only stores every send.
    const resent = shapes.dedupesByClientMessageId && input.clientMessageId && byClientRef.get(resendKey(chat.id, user.id, input.clientMessageId));
    if (resent) return { event: 'messageSent', data: messageView(resent) };
    if (chat.status === 'CLOSED') throw new WsError(E.closed);
    if (!(input.text && input.text.trim()) && !input.fileId) throw new WsError(E.empty);
    if (input.replyToId) {
      const target = messagesById.get(input.replyToId);
      if (!target || target.chatId !== chat.id) throw new WsError(E.replyNotFound);
    }
    const message = {
      id: shapes.newMessageId((id) => messagesById.has(id)),
      chatId: chat.id,
      senderId: user.id,
      text: input.text,
      fileUrl: input.fileId ? `/files/${encodeURIComponent(input.fileId)}` : null,
      replyToId: input.replyToId,
      createdAt: nowIso(),
      clientMessageId: input.clientMessageId,
      readBy: [],
    };
    state.messages.push(message);
    messagesById.set(message.id, message);
    rememberResend(message);
    chat.updatedAt = message.createdAt;
    save();
    io.to(chat.id).emit('newMessage', messageView(message));
    return { event: 'messageSent', data: messageView(message) };
  });

  gateway(socket, 'typing', (payload) => {
    const body = chatPayload(payload, 'typing');
    if (typeof body.isTyping !== 'boolean') throw new WsError('isTyping must be a boolean');
    const chat = participantChat(user, body.chatId);
    const data = shapes.userTyping(user, body.isTyping, chat.id);
    socket.to(chat.id).emit('userTyping', data);
    // The document defines no answer; in the default mode an ack gets what the others received.
    return mode.extensions ? { event: 'userTyping', data, silent: true } : null;
  });

  gateway(socket, 'readMessages', (payload) => {
    const body = chatPayload(payload, 'readMessages');
    const ids = body.messageIds;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string') || ids.length > MAX_READ_IDS) {
      throw new WsError(`messageIds must be an array of at most ${MAX_READ_IDS} strings`);
    }
    const chat = participantChat(user, body.chatId);
    // Only messages of this chat written by someone else can be read; other ids are skipped.
    const readable = [...new Set(ids)].map((id) => messagesById.get(id)).filter((m) => m && m.chatId === chat.id && m.senderId !== user.id);
    const fresh = readable.filter((m) => !m.readBy.includes(user.id));
    for (const m of fresh) m.readBy.push(user.id);
    if (fresh.length) {
      save();
      io.to(chat.id).emit('messagesRead', shapes.messagesRead(user.id, fresh.map((m) => m.id), chat.id));
    }
    return { event: 'messagesMarkedRead', data: shapes.messagesMarkedRead(readable.map((m) => ({ id: m.id, readBy: user.id }))) };
  });

  gateway(socket, 'getActiveUsers', (payload) => {
    const chat = participantChat(user, chatIdOf(payload));
    return { event: 'activeUsers', data: shapes.activeUsers(chat.id, activeUserIds(chat.id)) };
  });

  if (shapes.hasSetChatStatus) gateway(socket, 'setChatStatus', (payload, { acked }) => {
    const body = chatPayload(payload, 'setChatStatus');
    if (!STATUSES.includes(body.status)) throw new WsError('status must be ACTIVE, CLOSED or PENDING');
    if (!isAdmin(user)) throw new WsError(E.adminOnly);
    const chat = chatById(body.chatId);
    const changed = chat.status !== body.status;
    if (changed) {
      if (body.status === 'ACTIVE' && chat.adminId === null) chat.adminId = user.id;
      setStatus(chat, body.status);
      save();
      io.to(chat.id).emit('chatStatusChanged', shapes.chatStatusChanged(chat.id, chat.status));
    }
    const data = { chatId: chat.id, status: chat.status };
    // Without an ack, a caller in the room already heard the broadcast: do not repeat it.
    return { event: 'chatStatusChanged', data, silent: !acked && changed && socket.rooms.has(chat.id) };
  });

  socket.on('disconnecting', () => {
    for (const room of socket.rooms) {
      if (room !== socket.id) socket.to(room).emit('participantUpdate', participantUpdate(room, user, 'left'));
    }
  });
});

/**
 * Test-only (GET /debug/messages, README "Counting on the server"): every stored message of one
 * chat (`conversation`), or of all chats, with the clientMessageId the client sent (`clientRef`).
 */
mode.debugRoutes['/debug/messages'] = (query) => {
  const list = state.messages.filter((m) => !query.conversation || m.chatId === query.conversation);
  return {
    conversation: query.conversation || null,
    count: list.length,
    messages: list.map((m) => ({ id: m.id, conversation: m.chatId, sender: m.senderId, text: m.text, fileUrl: m.fileUrl, replyToId: m.replyToId, createdAt: m.createdAt, clientRef: m.clientMessageId })),
  };
};

serve(httpServer, io, args.port, save, mode);
