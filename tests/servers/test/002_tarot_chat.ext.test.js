'use strict';
// Extension tests of 002_tarot_chat.js (SAMIA tarot chat): the default mode pinned exactly —
// socket sends stored under the client's id, REST and voice-note client ids, leave_chat,
// reaction toggles with totals, message_read, replies, status=all, MESSAGE_NOT_FOUND, the
// README's extra fields — against the real server in a child process. The document alone is
// checked by 002_tarot_chat.doc.test.js in seed-only and drift modes.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { io } = require('socket.io-client');
const { startServer, mint, once, never, rest, tempStateFile } = require('./helpers');

const FILE = '002_tarot_chat.js';
const SARAH = '11111111-1111-4111-8111-111111111111';
const SAMIA = '22222222-2222-4222-8222-222222222222';
const ADMIN = '33333333-3333-4333-8333-333333333333';
const OMAR = '44444444-4444-4444-8444-444444444444';
const ACTIVE = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const CLOSED = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

const tokens = {};
const sockets = [];

/** Opens a socket and resolves on the server's verdict: `{ socket, user }` or `{ socket, authError, disconnected }`. */
function open(url, token) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const timer = setTimeout(() => reject(new Error('no authenticated/auth_error')), 3000);
    // Listeners go on before connecting so no event can slip past.
    const disconnected = new Promise((r) => socket.once('disconnect', r));
    socket.once('authenticated', (data) => {
      clearTimeout(timer);
      resolve({ socket, user: data.user });
    });
    socket.once('auth_error', (err) => {
      clearTimeout(timer);
      resolve({ socket, authError: err, disconnected });
    });
    socket.once('connect_error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** An authenticated socket of `who` that joined `sessionId` (chat_joined received). */
async function joined(url, who, sessionId = ACTIVE) {
  const { socket } = await open(url, tokens[who]);
  const ack = once(socket, 'chat_joined');
  socket.emit('join_chat', { session_id: sessionId });
  assert.deepEqual(await ack, { session_id: sessionId });
  return socket;
}

/** A tiny valid PCM WAV file (mono, 8 kHz, 16 bit) with `samples` samples of a ramp. */
function wav(samples = 800) {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE((i * 97) % 32767, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Multipart body of a voice-note upload. */
function voiceForm({ bytes = wav(), name = 'note.wav', type = 'audio/wav', sessionId = ACTIVE, duration } = {}) {
  const form = new FormData();
  form.append('voice_note', new Blob([bytes], { type }), name);
  if (sessionId !== null) form.append('session_id', sessionId);
  if (duration !== undefined) form.append('duration', String(duration));
  return form;
}

const history = (url, who, sessionId, query = '') => rest(url, 'GET', `/api/chat/messages?session_id=${sessionId}${query}`, tokens[who]);

before(() => {
  for (const [who, id] of Object.entries({ sarah: SARAH, samia: SAMIA, admin: ADMIN, omar: OMAR })) tokens[who] = mint(FILE, id);
  tokens.expired = mint(FILE, SARAH, -10);
});

after(() => {
  for (const s of sockets) s.close();
});

describe('002 tarot chat: default mode (document + extensions)', () => {
  let srv;
  before(async () => {
    srv = await startServer(FILE);
  });
  after(() => srv.stop());

  test('extension: health and seeded sessions', async () => {
    assert.deepEqual((await rest(srv.url, 'GET', '/health')).body, { ok: true });
    const active = await rest(srv.url, 'GET', '/api/chat/sessions', tokens.sarah);
    assert.equal(active.status, 200);
    assert.deepEqual(active.body.data.sessions.map((s) => s.id), [ACTIVE]);
    assert.deepEqual(active.body.data.pagination, { page: 1, limit: 20, total: 1, total_pages: 1 });
    const ended = await rest(srv.url, 'GET', '/api/chat/sessions?status=ended', tokens.sarah);
    assert.deepEqual(ended.body.data.sessions.map((s) => [s.id, s.status]), [[CLOSED, 'ended']]);
    const detail = await rest(srv.url, 'GET', `/api/chat/sessions/${ACTIVE}`, tokens.samia);
    assert.deepEqual(detail.body.data.participants, [SARAH, SAMIA]);
    assert.deepEqual(detail.body.data.participant_profiles.map((p) => [p.first_name, p.last_name, p.role]), [['Sarah', 'Johnson', 'client'], ['Samia', 'Reader', 'reader']]);
    assert.equal(detail.body.data.bookings.services.name, 'Full Tarot Reading');
    const none = await rest(srv.url, 'GET', '/api/chat/sessions', tokens.omar);
    assert.deepEqual(none.body.data.sessions, []);
  });

  test('extension: socket auth: authenticated, or auth_error then disconnect', async () => {
    const ok = await open(srv.url, tokens.sarah);
    assert.deepEqual(ok.user, { id: SARAH, name: 'Sarah Johnson', role: 'client', avatar: `https://cdn.samia.test/avatars/${SARAH}.png` });
    ok.socket.close();

    for (const [token, message] of [
      ['not-a-jwt', 'Invalid authentication token'],
      [undefined, 'Authentication token required'],
      [tokens.expired, 'Authentication token expired'],
    ]) {
      const bad = await open(srv.url, token);
      assert.deepEqual(bad.authError, { message, code: 'AUTHENTICATION_REQUIRED' });
      assert.equal(await bad.disconnected, 'io server disconnect');
    }
  });

  test('extension: join_chat, user_joined, leave_chat and disconnect give user_left', async () => {
    const sarah = await joined(srv.url, 'sarah');
    const joinedEvt = once(sarah, 'user_joined');
    const samia = await joined(srv.url, 'samia');
    assert.deepEqual(await joinedEvt, { session_id: ACTIVE, user_id: SAMIA, user_name: 'Samia Reader' });

    const leftEvt = once(sarah, 'user_left');
    samia.emit('leave_chat', { session_id: ACTIVE });
    assert.deepEqual(await leftEvt, { session_id: ACTIVE, user_id: SAMIA, user_name: 'Samia Reader' });

    const again = once(sarah, 'user_joined');
    samia.emit('join_chat', { session_id: ACTIVE });
    await again;
    const gone = once(sarah, 'user_left');
    samia.close();
    assert.deepEqual(await gone, { session_id: ACTIVE, user_id: SAMIA, user_name: 'Samia Reader' });
    sarah.close();
  });

  test('extension: send_message over the socket: message_sent, new_message to both, idempotent on id', async () => {
    const sarah = await joined(srv.url, 'sarah');
    const samia = await joined(srv.url, 'samia');
    const id = crypto.randomUUID();
    const sent = once(sarah, 'message_sent');
    const toSarah = once(sarah, 'new_message');
    const toSamia = once(samia, 'new_message');
    sarah.emit('send_message', { session_id: ACTIVE, message: { id, content: 'Hello, I need help with my reading', type: 'text' } });
    assert.deepEqual(await sent, { message_id: id, session_id: ACTIVE });
    const msg = await toSamia;
    assert.deepEqual(await toSarah, msg);
    assert.equal(msg.id, id);
    assert.equal(msg.session_id, ACTIVE);
    assert.equal(msg.content, 'Hello, I need help with my reading');
    assert.equal(msg.type, 'text');
    assert.deepEqual(msg.sender, { id: SARAH, name: 'Sarah Johnson', avatar: `https://cdn.samia.test/avatars/${SARAH}.png` });
    assert.ok(!Number.isNaN(Date.parse(msg.timestamp)));
    assert.equal(msg.file_url, null);

    // The same id again: acknowledged and relayed, stored once.
    const sentAgain = once(sarah, 'message_sent');
    const relayed = once(samia, 'new_message');
    sarah.emit('send_message', { session_id: ACTIVE, message: { id, content: 'Hello, I need help with my reading', type: 'text' } });
    assert.deepEqual(await sentAgain, { message_id: id, session_id: ACTIVE });
    assert.deepEqual(await relayed, msg);
    const page = await history(srv.url, 'samia', ACTIVE, '&limit=100');
    assert.equal(page.body.data.messages.filter((m) => m.id === id).length, 1);

    // A reply carries reply_to.
    const reply = crypto.randomUUID();
    const replyEvt = once(samia, 'new_message');
    samia.emit('send_message', { session_id: ACTIVE, message: { id: reply, content: 'Of course', type: 'text', reply_to: id } });
    assert.equal((await replyEvt).reply_to, id);
    sarah.close();
    samia.close();
  });

  test('extension: REST POST message: idempotent on the client id, broadcast once', async () => {
    const samia = await joined(srv.url, 'samia');
    const id = crypto.randomUUID();
    const evt = once(samia, 'new_message');
    const first = await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { id, session_id: ACTIVE, content: 'Thank you for the reading!', type: 'text', metadata: { mood: 'grateful' } });
    assert.equal(first.status, 201);
    assert.equal(first.body.success, true);
    assert.equal(first.body.message, 'Message sent successfully');
    assert.equal(first.body.data.id, id);
    assert.equal(first.body.data.sender_id, SARAH);
    assert.deepEqual(first.body.data.metadata, { mood: 'grateful' });
    assert.deepEqual(first.body.data.profiles, { first_name: 'Sarah', last_name: 'Johnson', avatar_url: `https://cdn.samia.test/avatars/${SARAH}.png` });
    const pushed = await evt;
    assert.equal(pushed.id, id);
    assert.equal(pushed.content, 'Thank you for the reading!');

    const quiet = never(samia, 'new_message', 300);
    const second = await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { id, session_id: ACTIVE, content: 'Thank you for the reading!' });
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.data, first.body.data);
    await quiet;

    // The document's pattern: REST create, then send_message relays the stored message.
    const sarah = await joined(srv.url, 'sarah');
    const sent = once(sarah, 'message_sent');
    const relayed = once(samia, 'new_message');
    sarah.emit('send_message', { session_id: ACTIVE, message: first.body.data });
    assert.deepEqual(await sent, { message_id: id, session_id: ACTIVE });
    assert.equal((await relayed).id, id);
    const page = await history(srv.url, 'sarah', ACTIVE, '&limit=100');
    assert.equal(page.body.data.messages.filter((m) => m.id === id).length, 1);

    // Someone else's id cannot be reused.
    const steal = await rest(srv.url, 'POST', '/api/chat/messages', tokens.samia, { id, session_id: ACTIVE, content: 'mine' });
    assert.equal(steal.status, 400);
    assert.equal(steal.body.code, 'VALIDATION_ERROR');
    sarah.close();
    samia.close();
  });

  test('extension: history pages: oldest first, before_message_id, has_more', async () => {
    const created = await rest(srv.url, 'POST', '/api/chat/sessions', tokens.sarah, { participant_ids: [SAMIA], session_type: 'general', metadata: { topic: 'paging' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.message, 'Chat session created successfully');
    const sid = created.body.data.id;
    assert.deepEqual(created.body.data.participants, [SAMIA, SARAH]);
    assert.equal(created.body.data.status, 'active');

    const ids = [];
    for (let i = 1; i <= 7; i++) {
      const r = await rest(srv.url, 'POST', '/api/chat/messages', tokens[i % 2 ? 'sarah' : 'samia'], { session_id: sid, content: `m${i}` });
      assert.equal(r.status, 201);
      ids.push(r.body.data.id);
    }
    const contents = (res) => res.body.data.messages.map((m) => m.content);
    const p1 = await history(srv.url, 'sarah', sid, '&limit=3');
    assert.deepEqual(contents(p1), ['m5', 'm6', 'm7']);
    assert.equal(p1.body.data.has_more, true);
    const p2 = await history(srv.url, 'sarah', sid, `&limit=3&before_message_id=${ids[4]}`);
    assert.deepEqual(contents(p2), ['m2', 'm3', 'm4']);
    assert.equal(p2.body.data.has_more, true);
    const p3 = await history(srv.url, 'sarah', sid, `&limit=3&before_message_id=${ids[1]}`);
    assert.deepEqual(contents(p3), ['m1']);
    assert.equal(p3.body.data.has_more, false);
    const byPage = await history(srv.url, 'sarah', sid, '&limit=3&page=2');
    assert.deepEqual(contents(byPage), ['m2', 'm3', 'm4']);
    const all = await history(srv.url, 'samia', sid);
    assert.deepEqual(contents(all), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    assert.equal(all.body.data.has_more, false);
  });

  test('extension: PUT read marks the message and sends message_read; unread_count follows', async () => {
    const created = await rest(srv.url, 'POST', '/api/chat/sessions', tokens.samia, { participant_ids: [SARAH] });
    const sid = created.body.data.id;
    const msg = await rest(srv.url, 'POST', '/api/chat/messages', tokens.samia, { session_id: sid, content: 'Your cards are ready' });
    const list = async () => (await rest(srv.url, 'GET', '/api/chat/sessions', tokens.sarah)).body.data.sessions.find((s) => s.id === sid);
    assert.equal((await list()).unread_count, 1);

    const samia = await joined(srv.url, 'samia', sid);
    const evt = once(samia, 'message_read');
    const r = await rest(srv.url, 'PUT', `/api/chat/messages/${msg.body.data.id}/read`, tokens.sarah);
    assert.equal(r.status, 200);
    assert.equal(r.body.success, true);
    assert.equal(r.body.message, 'Message marked as read');
    const read = await evt;
    assert.equal(read.message_id, msg.body.data.id);
    assert.equal(read.session_id, sid);
    assert.equal(read.user_id, SARAH);
    assert.ok(!Number.isNaN(Date.parse(read.read_at)));
    assert.equal((await list()).unread_count, 0);
    const page = await history(srv.url, 'samia', sid);
    assert.equal(page.body.data.messages[0].is_read, true);
    samia.close();
  });

  test('extension: typing_start / typing_stop reach the other member only', async () => {
    const sarah = await joined(srv.url, 'sarah');
    const samia = await joined(srv.url, 'samia');
    const selfQuiet = never(sarah, 'user_typing', 300);
    const start = once(samia, 'user_typing');
    sarah.emit('typing_start');
    assert.deepEqual(await start, { session_id: ACTIVE, user_id: SARAH, user_name: 'Sarah Johnson', is_typing: true });
    const stop = once(samia, 'user_typing');
    sarah.emit('typing_stop', { session_id: ACTIVE });
    assert.deepEqual(await stop, { session_id: ACTIVE, user_id: SARAH, user_name: 'Sarah Johnson', is_typing: false });
    await selfQuiet;
    sarah.close();
    samia.close();
  });

  test('extension: message_reaction toggles and carries the aggregate', async () => {
    const sarah = await joined(srv.url, 'sarah');
    const samia = await joined(srv.url, 'samia');
    const msg = await rest(srv.url, 'POST', '/api/chat/messages', tokens.samia, { session_id: ACTIVE, content: 'The Star card' });
    const mid = msg.body.data.id;
    // Both members get every update; wait for both so no copy is left in flight.
    const react = async (socket, reaction) => {
      const evts = Promise.all([once(sarah, 'message_reaction_update'), once(samia, 'message_reaction_update')]);
      socket.emit('message_reaction', { message_id: mid, reaction, session_id: ACTIVE });
      const [a, b] = await evts;
      assert.deepEqual(a, b);
      return a;
    };
    assert.deepEqual(await react(sarah, '❤️'), { message_id: mid, session_id: ACTIVE, user_id: SARAH, user_name: 'Sarah Johnson', reaction: '❤️', action: 'added', reactions: { '❤️': 1 } });
    const both = await react(samia, '❤️');
    assert.equal(both.action, 'added');
    assert.deepEqual(both.reactions, { '❤️': 2 });
    const star = await react(sarah, '⭐');
    assert.deepEqual(star.reactions, { '❤️': 2, '⭐': 1 });
    const removed = await react(sarah, '❤️');
    assert.equal(removed.action, 'removed');
    assert.equal(removed.user_id, SARAH);
    assert.deepEqual(removed.reactions, { '❤️': 1, '⭐': 1 });
    const page = await history(srv.url, 'sarah', ACTIVE, '&limit=100');
    const stored = page.body.data.messages.find((m) => m.id === mid);
    assert.deepEqual(stored.message_reactions.map((r) => [r.user_id, r.reaction, r.profiles.first_name]).sort(), [[SARAH, '⭐', 'Sarah'], [SAMIA, '❤️', 'Samia']]);
    sarah.close();
    samia.close();
  });

  test('extension: REST errors: every code in the document format', async () => {
    const expectErr = (res, status, code) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.success, false);
      assert.equal(res.body.code, code);
      assert.equal(typeof res.body.error, 'string');
    };
    expectErr(await rest(srv.url, 'GET', '/api/chat/sessions'), 401, 'AUTHENTICATION_REQUIRED');
    expectErr(await rest(srv.url, 'GET', '/api/chat/sessions', 'garbage'), 401, 'AUTHENTICATION_REQUIRED');
    expectErr(await rest(srv.url, 'GET', '/api/chat/sessions', tokens.expired), 401, 'AUTHENTICATION_REQUIRED');
    expectErr(await rest(srv.url, 'GET', `/api/chat/sessions/${crypto.randomUUID()}`, tokens.sarah), 404, 'SESSION_NOT_FOUND');
    expectErr(await history(srv.url, 'sarah', crypto.randomUUID()), 404, 'SESSION_NOT_FOUND');
    expectErr(await rest(srv.url, 'GET', `/api/chat/sessions/${ACTIVE}`, tokens.omar), 403, 'CHAT_ACCESS_DENIED');
    expectErr(await history(srv.url, 'omar', ACTIVE), 403, 'CHAT_ACCESS_DENIED');
    expectErr(await rest(srv.url, 'POST', '/api/chat/messages', tokens.omar, { session_id: ACTIVE, content: 'hi' }), 403, 'CHAT_ACCESS_DENIED');
    expectErr(await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: CLOSED, content: 'hi' }), 409, 'SESSION_INACTIVE');
    expectErr(await rest(srv.url, 'PUT', `/api/chat/messages/${crypto.randomUUID()}/read`, tokens.sarah), 404, 'MESSAGE_NOT_FOUND');

    const missing = await rest(srv.url, 'GET', '/api/chat/messages', tokens.sarah);
    expectErr(missing, 400, 'VALIDATION_ERROR');
    assert.deepEqual(missing.body.details, ['session_id is required']);
    const bad = await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: ACTIVE, content: '   ', type: 'poem', id: 'x' });
    expectErr(bad, 400, 'VALIDATION_ERROR');
    assert.deepEqual(bad.body.details, ['id must be a uuid', 'content must be a non-empty string', 'type must be "text" or "system"']);
    expectErr(await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, [1, 2]), 400, 'VALIDATION_ERROR');
    expectErr(await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: 42, content: 'x' }), 400, 'VALIDATION_ERROR');
    expectErr(await history(srv.url, 'sarah', ACTIVE, '&limit=0'), 400, 'VALIDATION_ERROR');
    expectErr(await history(srv.url, 'sarah', ACTIVE, `&before_message_id=${crypto.randomUUID()}`), 400, 'VALIDATION_ERROR');
    expectErr(await rest(srv.url, 'POST', '/api/chat/sessions', tokens.sarah, { session_type: 'party' }), 400, 'VALIDATION_ERROR');
    const raw = await fetch(`${srv.url}/api/chat/messages`, { method: 'POST', headers: { authorization: `Bearer ${tokens.sarah}`, 'content-type': 'application/json' }, body: '{"session_id":' });
    assert.equal(raw.status, 400);
    assert.equal((await raw.json()).code, 'VALIDATION_ERROR');

    // The admin may moderate any session.
    assert.equal((await history(srv.url, 'admin', ACTIVE)).status, 200);
    // Closed sessions stay readable.
    assert.equal((await history(srv.url, 'sarah', CLOSED)).status, 200);
  });

  test('extension: socket errors: access denied, inactive session, malformed payloads; the server keeps going', async () => {
    const { socket: omar } = await open(srv.url, tokens.omar);
    const denied = once(omar, 'error');
    omar.emit('join_chat', { session_id: ACTIVE });
    assert.deepEqual(await denied, { success: false, error: 'You are not a participant of this chat session', code: 'CHAT_ACCESS_DENIED' });
    const unknown = once(omar, 'error');
    omar.emit('join_chat', { session_id: crypto.randomUUID() });
    assert.equal((await unknown).code, 'SESSION_NOT_FOUND');

    const sarah = await joined(srv.url, 'sarah', CLOSED);
    const inactive = once(sarah, 'error');
    sarah.emit('send_message', { session_id: CLOSED, message: { id: crypto.randomUUID(), content: 'still there?', type: 'text' } });
    assert.deepEqual(await inactive, { success: false, error: 'Cannot send messages to an inactive session', code: 'SESSION_INACTIVE' });

    for (const [event, payload] of [
      ['join_chat', 'not-an-object'],
      ['join_chat', null],
      ['join_chat', { session_id: 7 }],
      ['send_message', { session_id: ACTIVE }],
      ['send_message', { session_id: ACTIVE, message: { id: 'nope', content: 'x' } }],
      ['send_message', { session_id: ACTIVE, message: { id: crypto.randomUUID(), content: 42 } }],
      ['typing_start', 'ACTIVE'],
      ['message_reaction', { message_id: 5 }],
    ]) {
      const err = once(sarah, 'error');
      sarah.emit(event, payload);
      const e = await err;
      assert.equal(e.success, false);
      assert.equal(e.code, 'VALIDATION_ERROR', `${event} ${JSON.stringify(payload)}`);
    }
    const noMsg = once(sarah, 'error');
    sarah.emit('message_reaction', { message_id: crypto.randomUUID(), reaction: '👍', session_id: ACTIVE });
    assert.equal((await noMsg).code, 'MESSAGE_NOT_FOUND');

    const ok = once(sarah, 'chat_joined');
    sarah.emit('join_chat', { session_id: ACTIVE });
    assert.deepEqual(await ok, { session_id: ACTIVE });
    omar.close();
    sarah.close();
  });

  test('extension: voice note: upload a WAV, new_message with file_url, GET it back byte-identical', async () => {
    const samia = await joined(srv.url, 'samia');
    const bytes = wav(1200);
    const evt = once(samia, 'new_message');
    const up = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.sarah, voiceForm({ bytes, name: 'my_question.wav', duration: 3 }));
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.message, 'Voice note uploaded successfully');
    const d = up.body.data;
    assert.equal(d.type, 'voice');
    assert.equal(d.content, 'Voice message');
    assert.equal(d.session_id, ACTIVE);
    assert.equal(d.sender_id, SARAH);
    assert.equal(d.file_name, 'my_question.wav');
    assert.equal(d.file_size, bytes.length);
    assert.deepEqual(d.metadata, { duration: 3, audio_format: 'wav' });
    assert.equal(d.file_url, `http://127.0.0.1:${srv.port}/files/voice_notes/${d.id}.wav`);
    const pushed = await evt;
    assert.equal(pushed.id, d.id);
    assert.equal(pushed.type, 'voice');
    assert.equal(pushed.file_url, d.file_url);
    assert.equal(pushed.file_name, 'my_question.wav');

    const got = await fetch(d.file_url);
    assert.equal(got.status, 200);
    assert.match(got.headers.get('content-type'), /^audio\/(x-)?wav/);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes));
    samia.close();
  });

  test('extension: voice note errors: 413, 415, 400, 403, 409, 401', async () => {
    const big = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.sarah, voiceForm({ bytes: Buffer.alloc(11 * 1024 * 1024, 1), name: 'long.wav' }));
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'FILE_TOO_LARGE');
    for (const [name, type] of [
      ['notes.txt', 'text/plain'],
      ['note.wav', 'text/plain'],
      ['song.flac', 'audio/flac'],
      ['note.mp3', 'audio/wav'],
    ]) {
      const r = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.sarah, voiceForm({ name, type }));
      assert.equal(r.status, 415, `${name} ${type}`);
      assert.equal(r.body.code, 'UNSUPPORTED_FILE_TYPE');
      assert.equal(r.body.success, false);
    }
    const noSession = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, voiceForm({ sessionId: null }));
    assert.equal(noSession.status, 400);
    assert.equal(noSession.body.code, 'VALIDATION_ERROR');
    const badDuration = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, voiceForm({ duration: 'long' }));
    assert.equal(badDuration.body.code, 'VALIDATION_ERROR');
    const notMultipart = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, { session_id: ACTIVE });
    assert.equal(notMultipart.body.code, 'VALIDATION_ERROR');
    const denied = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.omar, voiceForm());
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, 'CHAT_ACCESS_DENIED');
    const closed = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, voiceForm({ sessionId: CLOSED }));
    assert.equal(closed.status, 409);
    assert.equal(closed.body.code, 'SESSION_INACTIVE');
    const anon = await rest(srv.url, 'POST', '/api/chat/voice-notes', undefined, voiceForm());
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'AUTHENTICATION_REQUIRED');
    // Other audio formats are accepted by extension + MIME.
    const ogg = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, voiceForm({ bytes: Buffer.from('OggS fake'), name: 'a.ogg', type: 'audio/ogg' }));
    assert.equal(ogg.status, 201);
    assert.equal(ogg.body.data.metadata.audio_format, 'ogg');
    assert.equal(ogg.body.data.metadata.duration, null);
    const missing = await fetch(`${srv.url}/files/voice_notes/${crypto.randomUUID()}.wav`);
    assert.equal(missing.status, 404);
  });

  test('extension: voice note with a client id (extension): a repeat is answered 200 and stored once', async () => {
    const id = crypto.randomUUID();
    const form = () => {
      const f = voiceForm({ bytes: Buffer.from('OggS retry'), name: 'retry.ogg', type: 'audio/ogg', duration: 1.5 });
      f.append('id', id);
      return f;
    };
    const first = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, form());
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.data.id, id);
    assert.equal(first.body.data.file_url, `http://127.0.0.1:${srv.port}/files/voice_notes/${id}.ogg`);
    const again = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, form());
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.data.id, id);
    const page = await history(srv.url, 'admin', ACTIVE, '&limit=100');
    assert.equal(page.body.data.messages.filter((m) => m.id === id).length, 1);
    const bad = voiceForm({ bytes: Buffer.from('OggS'), name: 'b.ogg', type: 'audio/ogg' });
    bad.append('id', 'not-a-uuid');
    const refused = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.admin, bad);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'VALIDATION_ERROR');
  });

  test('extension: voice notes: the 11th in a minute is 429', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.samia, voiceForm({ bytes: wav(100) }));
      assert.equal(r.status, 201, `upload ${i + 1}`);
    }
    const r = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.samia, voiceForm({ bytes: wav(100) }));
    assert.equal(r.status, 429);
    assert.deepEqual([r.body.success, r.body.code], [false, 'RATE_LIMIT_EXCEEDED']);
  });
});

describe('002 tarot chat: default mode, message rate limit and restart (PARLOR_RATE_LIMIT_SCALE=0.05)', () => {
  let srv;
  const stateFile = tempStateFile('002');
  before(async () => {
    srv = await startServer(FILE, { PARLOR_RATE_LIMIT_SCALE: '0.05' }, ['--state-file', stateFile]);
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(path.dirname(stateFile), { recursive: true, force: true });
  });

  test('extension: 5 messages a minute over socket and REST together, then RATE_LIMIT_EXCEEDED; state survives a restart', async () => {
    const sarah = await joined(srv.url, 'sarah');
    const ids = [];
    for (let i = 1; i <= 3; i++) {
      const r = await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: ACTIVE, content: `rest ${i}` });
      assert.equal(r.status, 201);
      ids.push(r.body.data.id);
    }
    for (let i = 4; i <= 5; i++) {
      const id = crypto.randomUUID();
      const sent = once(sarah, 'message_sent');
      sarah.emit('send_message', { session_id: ACTIVE, message: { id, content: `socket ${i}`, type: 'text' } });
      assert.equal((await sent).message_id, id);
      ids.push(id);
    }
    const limited = await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: ACTIVE, content: 'one too many' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'RATE_LIMIT_EXCEEDED');
    const err = once(sarah, 'error');
    sarah.emit('send_message', { session_id: ACTIVE, message: { id: crypto.randomUUID(), content: 'again', type: 'text' } });
    assert.equal((await err).code, 'RATE_LIMIT_EXCEEDED');
    // Another user has their own budget.
    assert.equal((await rest(srv.url, 'POST', '/api/chat/messages', tokens.samia, { session_id: ACTIVE, content: 'reader here' })).status, 201);

    // Read state, a reaction and a voice note, then restart.
    assert.equal((await rest(srv.url, 'PUT', `/api/chat/messages/${ids[0]}/read`, tokens.samia)).status, 200);
    const samia = await joined(srv.url, 'samia');
    const upd = once(samia, 'message_reaction_update');
    samia.emit('message_reaction', { message_id: ids[1], reaction: '🔮', session_id: ACTIVE });
    await upd;
    const bytes = wav(300);
    const voice = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.samia, voiceForm({ bytes, duration: 1 }));
    assert.equal(voice.status, 201);
    sarah.close();
    samia.close();

    await srv.restart();
    const page = await history(srv.url, 'sarah', ACTIVE);
    const msgs = page.body.data.messages;
    assert.deepEqual(msgs.map((m) => m.content), ['rest 1', 'rest 2', 'rest 3', 'socket 4', 'socket 5', 'reader here', 'Voice message']);
    assert.equal(msgs[0].is_read, true);
    assert.equal(msgs[2].is_read, false);
    assert.deepEqual(msgs[1].message_reactions.map((r) => [r.user_id, r.reaction]), [[SAMIA, '🔮']]);
    const got = await fetch(msgs[6].file_url);
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes));
    const sessions = await rest(srv.url, 'GET', '/api/chat/sessions', tokens.sarah);
    assert.equal(sessions.body.data.sessions[0].last_message_at, msgs[6].created_at);
  });
});
