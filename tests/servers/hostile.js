'use strict';
// A hostile Socket.IO server: it speaks one dialect's event names (000 … 004, chosen with
// PARLOR_HOSTILE_DIALECT) with malformed values, binary attachments and floods, then sends a
// marker — a valid, documented event — so a test can check the client is still delivering.
// Accepts any token. Prints `READY <port>` like the reference servers.
//
// A connected client drives it with two events (ack'd):
//   hostile:start {phase}   phase "values": every event of the dialect, first as documented
//                           (a valid sample), then with each field replaced by each hostile
//                           value, then whole-payload mutations; "binary": every event with
//                           binary attachments, and nesting deeper than JSON parsers allow;
//                           "flood": PARLOR_HOSTILE_FLOOD (2000) harmless valid events at once.
//                           Every phase ends with the marker; the ack carries the counts
//                           {phase, variants, marker: {event, id}}.
//   hostile:emit {event, args}  sends that one event with those arguments (scripted tests).

const http = require('node:http');
const { Server } = require('socket.io');

const DIALECTS = {
  '000': '000', 'billing-chat': '000',
  '001': '001', 'presence-sessions': '001',
  '002': '002', 'tarot-chat': '002',
  '003': '003', 'support-chat': '003',
  '004': '004', telecaller: '004',
};

// Valid samples of every event a client of the dialect decodes (the protocol documents' shapes),
// in the order of a consultation's life so the valid ones build real state.
const SAMPLES = {
  '000': [
    ['chat-request', { roomId: 'h-room', userId: 'u-h', userName: 'Hostile User', chatType: 'audio', ratePerMinute: '12.50', expiresAt: '2026-01-01T00:00:00Z' }],
    ['chat-request-response', { status: 'success', message: 'Chat request sent to astrologer.', data: { roomId: 'h-room-2', astrologerId: 'a-h', ratePerMinute: '10.00', currency: 'INR' } }],
    ['chat-status', { status: 'accepted', message: 'Astrologer has accepted the request.', roomId: 'h-room' }],
    ['chat-started', { status: 'success', message: 'Chat session started.', roomId: 'h-room', startTime: '2026-01-01T00:00:00Z', ratePerMinute: '12.50', balance: '500.00', currency: 'INR' }],
    ['chat-timer', { roomId: 'h-room', duration: '1', cost: '12.50', balance: '487.50', state: 'active' }],
    ['chat-paused', { roomId: 'h-room', pausedBy: 'user' }],
    ['chat-resumed', { roomId: 'h-room', resumedBy: 'user' }],
    ['wallet-error', { status: 'error', message: 'Insufficient wallet balance to continue the chat.', requiredBalance: '10.00', currency: 'INR' }],
    ['chat-error', { status: 'error', message: 'Chat not found.', error: 'ROOM_NOT_FOUND' }],
    ['admin-monitor', { status: 'success', message: 'ok', data: { chats: [{ roomId: 'h-room', userId: 'u-h', astrologerId: 'a-h', status: 'active', duration: '2', cost: '20.00' }] } }],
    ['chat-ended', { status: 'success', message: 'Chat session ended.', roomId: 'h-room', duration: 3, totalCost: '37.50', endedBy: 'user', reason: 'ended', balance: '462.50', currency: 'INR' }],
  ],
  '001': [
    ['presence:online-list', [{ _id: 'a-h', name: 'Hostile Astrologer', isOnline: true, busy: false, ratePerMinute: '10.00' }]],
    ['session:request', { sessionId: 'h-s1', userId: 'u-h', userName: 'Hostile User', sessionType: 'video', ratePerMinute: '10.00', createdAt: '2026-01-01T00:00:00Z' }],
    ['session:accepted', { sessionId: 'h-s1', astrologerId: 'a-h', acceptedAt: '2026-01-01T00:00:00Z', sessionType: 'chat', channelName: 'ch', ratePerMinute: '10.00' }],
    ['message:receive', { _id: 'h-m1', sessionId: 'h-s1', senderId: 'u-h', senderName: 'Hostile', text: 'hello', clientId: 'c1', createdAt: '2026-01-01T00:00:00Z' }],
    ['message:error', { code: 'NOT_A_PARTICIPANT', message: 'no', sessionId: 'h-s1', clientId: 'c1' }],
    ['session:ended', { sessionId: 'h-s1', endedBy: 'user', endReason: 'ended', duration: 3, coinsDeducted: '30.00' }],
  ],
  '002': [
    // auth_error is left out on purpose: it is the documented refusal, after which a client
    // stops for good (a marker could not arrive).
    ['authenticated', { user: { id: 'u-h', name: 'Hostile' } }],
    ['chat_joined', { session_id: 'h-s1' }],
    ['user_joined', { session_id: 'h-s1', user_id: 'u-h2', user_name: 'Other', timestamp: '2026-01-01T00:00:00Z' }],
    ['new_message', { id: 'h-m1', session_id: 'h-s1', content: 'message text', type: 'text', sender: { id: 'u-h2', name: 'Other', avatar: 'a.png' }, timestamp: '2026-01-01T00:00:00Z' }],
    ['message_sent', { message_id: 'h-m2', session_id: 'h-s1' }],
    ['user_typing', { session_id: 'h-s1', user_id: 'u-h2', user_name: 'Other', is_typing: true }],
    ['message_reaction_update', { session_id: 'h-s1', message_id: 'h-m1', user_id: 'u-h2', user_name: 'Other', reaction: '👍', action: 'added', reactions: { '👍': 1 } }],
    ['message_read', { session_id: 'h-s1', user_id: 'u-h2', message_id: 'h-m1', read_at: '2026-01-01T00:00:00Z' }],
    ['user_left', { session_id: 'h-s1', user_id: 'u-h2', user_name: 'Other', timestamp: '2026-01-01T00:00:00Z' }],
    ['error', { code: 'E', error: 'bad', message: 'An error occurred' }],
  ],
  '003': [
    ['joinedChat', { chatId: 'h-c1', messages: [{ id: 'h-m0', chatId: 'h-c1', senderId: 'u2', text: 'earlier', sender: { id: 'u2', email: 'u2@example.com', role: 'USER' } }] }],
    ['newMessage', { id: 'h-m1', chatId: 'h-c1', senderId: 'u2', text: 'hello', clientMessageId: 'cm1', replyToId: null, fileUrl: null, sender: { id: 'u2', email: 'u2@example.com', role: 'USER' } }],
    ['messageSent', { id: 'h-m2', chatId: 'h-c1', senderId: 'u1', text: 'mine', clientMessageId: 'cm2' }],
    ['userTyping', { chatId: 'h-c1', userId: 'u2', email: 'u2@example.com', isTyping: true }],
    ['messagesMarkedRead', [{ id: 'h-m1', readBy: 2 }]],
    ['messagesRead', { chatId: 'h-c1', userId: 'u2', messageIds: ['h-m2'] }],
    ['activeUsers', { chatId: 'h-c1', userIds: ['u1', 'u2'] }],
    ['participantUpdate', { chatId: 'h-c1', userId: 'u2', action: 'joined', timestamp: '2026-01-01T00:00:00Z' }],
    ['joined', { chatId: 'h-c1' }],
    ['chatStatusChanged', { chatId: 'h-c1', status: 'ACTIVE' }],
    ['left', { chatId: 'h-c1' }],
    ['leftChat', { chatId: 'h-c1' }],
    ['error', { message: 'An error occurred' }],
  ],
  '004': [
    ['telecaller:presence-changed', { telecallerId: 't-h', presence: 'ONLINE', telecaller: { _id: 't-h', name: 'Hostile Caller', profile: 'avatar-3', language: 'hindi', about: 'x' } }],
    ['call:incoming', { callId: 'h-call', callType: 'VIDEO', caller: { _id: 'u-h', name: 'Arjun', profile: null } }],
    ['call:ringing', { callId: 'h-call', telecaller: { _id: 't-h', name: 'Jane Smith', profile: 'avatar-3' } }],
    ['call:accepted', { callId: 'h-call', callType: 'VIDEO', livekit: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.x', url: 'ws://127.0.0.1:7880', roomName: 'h-call' }, caller: { _id: 'u-h', name: 'Arjun' } }],
    ['call:ended', { callId: 'h-call', duration: 65, coins: 12, endedBy: 'USER' }],
    ['call:rejected', { callId: 'h-call' }],
    ['call:cancelled', { callId: 'h-call' }],
    ['call:missed', { callId: 'h-call' }],
    ['call:error', { message: 'Call is not active.' }],
    ['error', { message: 'An error occurred' }],
  ],
};

// The marker: a valid, documented event that decodes to one recognisable domain event.
const MARKERS = {
  '000': ['chat-request', { roomId: 'marker-000', userId: 'u-marker', userName: 'Marker', chatType: 'audio', ratePerMinute: '10.00' }],
  '001': ['message:receive', { _id: 'marker-001', sessionId: 's-marker', senderId: 'u-marker', senderName: 'Marker', text: 'marker' }],
  '002': ['new_message', { id: 'marker-002', session_id: 's-marker', content: 'marker', type: 'text', sender: { id: 'u-marker', name: 'Marker' }, timestamp: '2026-01-01T00:00:00Z' }],
  '003': ['newMessage', { id: 'marker-003', chatId: 'c-marker', senderId: 'u-marker', text: 'marker', sender: { id: 'u-marker', email: 'm@example.com', role: 'USER' } }],
  '004': ['telecaller:presence-changed', { telecallerId: 'marker-004', presence: 'ONLINE', telecaller: { _id: 'marker-004', name: 'Marker' } }],
};

// A harmless valid event per dialect for the flood: each decodes to exactly one domain event
// whose message is `flood <n>`.
const FLOOD = {
  '000': (n) => ['chat-error', { status: 'error', message: `flood ${n}` }],
  '001': (n) => ['message:error', { code: 'FLOOD', message: `flood ${n}` }],
  '002': (n) => ['error', { message: `flood ${n}` }],
  '003': (n) => ['error', { message: `flood ${n}` }],
  '004': (n) => ['call:error', { message: `flood ${n}` }],
};

function nested(depth, leaf, asArray) {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { n: v };
  return v;
}

// Values no field should have to survive: wrong types, huge, negative, NaN-like, empty,
// null, overlong, odd text, nesting a parser still accepts.
const HOSTILE_VALUES = [
  null, true, false, 0, -1, -1e308, 1e308, 1.5, 9007199254740993, 1e21, -0.0000001,
  '', ' ', 'NaN', 'Infinity', '-Infinity', '1e999', '-1', '-0.01', '1000000000000000000',
  '79228162514264337593543950336', '79228162514264337593543950335', '0.0000000000000000000000000001',
  '9'.repeat(400), 'x'.repeat(200000), '\u0000\u0001\u001f', '💥'.repeat(2000), '\ud800',
  '__proto__', 'constructor', '1; DROP TABLE messages', '../../etc/passwd',
  [], [1, 2, 3], {}, { $gt: '' }, nested(60, 'deep', true), nested(60, 'deep', false),
];

/** Every field path of a sample (objects and arrays, to depth 4). */
function paths(v, prefix = [], out = []) {
  if (prefix.length > 4) return out;
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push([...prefix, k]); paths(v[k], [...prefix, k], out); }
  return out;
}

function withValue(sample, path, value) {
  const copy = structuredClone(sample);
  let at = copy;
  for (let i = 0; i < path.length - 1; i++) at = at[path[i]];
  at[path[path.length - 1]] = value;
  return copy;
}

/** [event, args] pairs of the "values" phase. */
function valueVariants(dialect) {
  const out = [];
  for (const [event, sample] of SAMPLES[dialect]) {
    out.push([event, [sample]]);
    for (const p of paths(sample)) for (const v of HOSTILE_VALUES) out.push([event, [withValue(sample, p, v)]]);
    // Whole-payload mutations.
    for (const whole of [[], [null], ['text'], [42], [true], [[sample]], [sample, sample], [{}], [nested(100, sample, false)]]) {
      out.push([event, whole]);
    }
    // The sample again, so the valid path runs after the mutations too.
    out.push([event, [sample]]);
  }
  // Names the dialect does not know.
  for (const name of ['message', 'unknown-event', '__proto__', 'constructor']) out.push([name, [{}]]);
  return out;
}

/** [event, args] pairs of the "binary" phase. */
function binaryVariants(dialect) {
  const out = [];
  for (const [event, sample] of SAMPLES[dialect]) {
    out.push([event, [Buffer.from('not json \x00\xff')]]);
    out.push([event, [{ ...(Array.isArray(sample) ? {} : sample), file: Buffer.alloc(1024, 7) }]]);
    out.push([event, [sample, Buffer.alloc(16)]]);
    out.push([event, [nested(300, 'deeper than a JSON parser allows (128)', true)]]);
  }
  return out;
}

function main() {
  const argv = process.argv.slice(2);
  let port = 0;
  for (let i = 0; i < argv.length; i++) if (argv[i] === '--port') port = Number.parseInt(argv[++i], 10) || 0;
  const dialect = DIALECTS[process.env.PARLOR_HOSTILE_DIALECT || ''];
  if (!dialect) {
    console.error(`PARLOR_HOSTILE_DIALECT must be one of ${Object.keys(DIALECTS).join(', ')}`);
    process.exit(2);
  }
  const flood = Math.max(1, Number.parseInt(process.env.PARLOR_HOSTILE_FLOOD || '2000', 10) || 2000);
  const server = http.createServer();
  // Large frames allowed: the hostile values include 200 KB strings.
  const io = new Server(server, { maxHttpBufferSize: 1e8, cors: { origin: '*' } });

  function onConnection(socket) {
    const send = ([event, args]) => socket.emit(event, ...args);
    const marker = () => {
      send([MARKERS[dialect][0], [MARKERS[dialect][1]]]);
      const m = MARKERS[dialect][1];
      return { event: MARKERS[dialect][0], id: m.roomId || m._id || m.id || m.telecallerId };
    };
    socket.on('hostile:start', (opts, ack) => {
      const phase = (opts && opts.phase) || 'values';
      let variants;
      if (phase === 'values') variants = valueVariants(dialect);
      else if (phase === 'binary') variants = binaryVariants(dialect);
      else if (phase === 'flood') variants = Array.from({ length: flood }, (_, n) => [...FLOOD[dialect](n)].map((x, i) => (i === 1 ? [x] : x)));
      else variants = [];
      for (const v of variants) send(v);
      const m = marker();
      if (typeof ack === 'function') ack({ phase, variants: variants.length, marker: m });
    });
    socket.on('hostile:emit', (opts, ack) => {
      if (opts && typeof opts.event === 'string') send([opts.event, Array.isArray(opts.args) ? opts.args : [opts.args]]);
      if (typeof ack === 'function') ack({ ok: true });
    });
  }
  for (const ns of ['/', '/user', '/telecaller']) io.of(ns).on('connection', onConnection);

  server.listen(port, '127.0.0.1', () => {
    console.log(`READY ${server.address().port}`);
  });
  const stop = () => { io.close(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();

module.exports = { SAMPLES, MARKERS, HOSTILE_VALUES, valueVariants, binaryVariants };
