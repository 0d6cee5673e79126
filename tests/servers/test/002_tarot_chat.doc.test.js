'use strict';
// Documented behaviour of 002_tarot_chat.js against seed-only and two drift seeds: the fields the
// SAMIA document prints, read tolerantly (ids it does not print may sit flat, nested or nowhere),
// and stored messages counted with the test-only GET /debug/messages. Nothing here assumes the
// server keeps the client's message id: message_sent names the stored message, whatever its id.
// Extensions: 002_tarot_chat.ext.test.js.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startServer, mint, rest, connectRecording, tempStateFile, waitFor, debugGet, reportingDrift, DOC_MODES } = require('./helpers');
const { isIso } = require('./tolerant');

const FILE = '002_tarot_chat.js';
const SARAH = '11111111-1111-4111-8111-111111111111';
const SAMIA = '22222222-2222-4222-8222-222222222222';
const OMAR = '44444444-4444-4444-8444-444444444444';
const ACTIVE = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const CLOSED = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const tokens = {};

/** A tiny valid PCM WAV file. */
function wav(samples = 400) {
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

function voiceForm({ bytes = wav(), name = 'note.wav', type = 'audio/wav', sessionId = ACTIVE } = {}) {
  const form = new FormData();
  form.append('voice_note', new Blob([bytes], { type }), name);
  form.append('session_id', sessionId);
  return form;
}

/** The document's new_message: id, content, type, sender {id, name, avatar}, timestamp. */
function assertNewMessage(m, { content, senderId }) {
  assert.equal(typeof m.id, 'string', JSON.stringify(m));
  assert.equal(m.content, content);
  assert.equal(typeof m.type, 'string');
  assert.equal(m.sender.id, senderId);
  assert.equal(typeof m.sender.name, 'string');
  assert.ok(isIso(m.timestamp), JSON.stringify(m));
}

/** The document's error format. */
function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, false);
  assert.equal(res.body.code, code);
  assert.equal(typeof res.body.error, 'string');
}

before(() => {
  for (const [who, id] of Object.entries({ sarah: SARAH, samia: SAMIA, omar: OMAR })) tokens[who] = mint(FILE, id);
});

for (const mode of DOC_MODES) {
  describe(`002 documented behaviour (${mode.name})`, () => {
    let srv;
    const sockets = [];
    const drifted = (body) => () => reportingDrift(srv.url, body);
    const stored = async (sid = ACTIVE) => debugGet(srv.url, `/debug/messages?conversation=${sid}`);
    const history = (who, sid, query = '') => rest(srv.url, 'GET', `/api/chat/messages?session_id=${sid}${query}`, tokens[who]);
    /** An authenticated socket of `who` that joined `sid`. */
    async function joined(who, sid = ACTIVE) {
      const s = await connectRecording(srv.url, tokens[who]);
      sockets.push(s);
      await s.next('authenticated');
      s.emit('join_chat', { session_id: sid });
      assert.equal((await s.next('chat_joined')).session_id, sid);
      return s;
    }

    before(async () => {
      srv = await startServer(FILE, { ...mode.env });
    });
    after(async () => {
      sockets.forEach((s) => s.close());
      await srv.stop();
    });

    test('socket auth: authenticated with data.user, or auth_error with a message', drifted(async () => {
      const ok = await connectRecording(srv.url, tokens.sarah);
      sockets.push(ok);
      assert.equal(typeof (await ok.next('authenticated')).user, 'object');
      for (const token of ['not-a-jwt', undefined]) {
        const bad = await connectRecording(srv.url, token);
        sockets.push(bad);
        assert.equal(typeof (await bad.next('auth_error')).message, 'string');
      }
    }));

    test('join_chat answers chat_joined; the others get user_joined and, on a disconnect, user_left', drifted(async () => {
      const sarah = await joined('sarah');
      const samia = await joined('samia');
      assert.equal((await sarah.next('user_joined')).user_name, 'Samia Reader');
      samia.close();
      assert.equal((await sarah.next('user_left')).user_name, 'Samia Reader');
      sarah.close();
    }));

    test('send_message: message_sent names the stored message; new_message reaches both', drifted(async () => {
      const sarah = await joined('sarah');
      const samia = await joined('samia');
      const before = (await stored()).count;
      const clientId = crypto.randomUUID();
      sarah.emit('send_message', { session_id: ACTIVE, message: { id: clientId, content: 'Hello, I need help with my reading', type: 'text' } });
      const sent = await sarah.next('message_sent');
      assert.equal(typeof sent.message_id, 'string');
      for (const s of [sarah, samia]) {
        assertNewMessage(await s.next('new_message', (m) => m.id === sent.message_id), { content: 'Hello, I need help with my reading', senderId: SARAH });
      }
      const after = await stored();
      assert.equal(after.count, before + 1);
      assert.deepEqual(after.messages.slice(-1).map((m) => [m.id, m.clientRef]), [[sent.message_id, clientId]]);

      // The same send again: stored again unless the server keeps client ids (the document does
      // not say); either way every message_sent names exactly the messages stored.
      sarah.emit('send_message', { session_id: ACTIVE, message: { id: clientId, content: 'Hello, I need help with my reading', type: 'text' } });
      const again = await sarah.next('message_sent');
      await samia.next('new_message', (m) => m.id === again.message_id);
      const ids = new Set([sent.message_id, again.message_id]);
      assert.equal((await stored()).count, before + ids.size);
      sarah.close();
      samia.close();
    }));

    test('the document\'s pattern: POST /api/chat/messages, then send_message relays the stored message once', drifted(async () => {
      const sarah = await joined('sarah');
      const samia = await joined('samia');
      const before = (await stored()).count;
      const posted = await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: ACTIVE, content: 'Thank you for the reading!', type: 'text' });
      assert.ok(posted.status >= 200 && posted.status < 300, JSON.stringify(posted.body));
      assert.equal(posted.body.success, true);
      const id = posted.body.data.id;
      assert.equal(posted.body.data.sender_id, SARAH);
      await samia.next('new_message', (m) => m.id === id);
      sarah.emit('send_message', { session_id: ACTIVE, message: posted.body.data });
      assert.equal((await sarah.next('message_sent')).message_id, id);
      await samia.next('new_message', (m) => m.id === id);
      assert.equal((await stored()).count, before + 1);
      sarah.close();
      samia.close();
    }));

    test('typing_start / typing_stop reach the other member as user_typing', drifted(async () => {
      const sarah = await joined('sarah');
      const samia = await joined('samia');
      sarah.emit('typing_start');
      const on = await samia.next('user_typing');
      assert.deepEqual([on.user_name, on.is_typing], ['Sarah Johnson', true]);
      sarah.emit('typing_stop');
      assert.equal((await samia.next('user_typing')).is_typing, false);
      await sarah.none('user_typing', 200);
      sarah.close();
      samia.close();
    }));

    test('message_reaction: message_reaction_update with user_name and reaction to the room', drifted(async () => {
      const sarah = await joined('sarah');
      const samia = await joined('samia');
      const msg = await rest(srv.url, 'POST', '/api/chat/messages', tokens.samia, { session_id: ACTIVE, content: 'The Star card' });
      sarah.emit('message_reaction', { message_id: msg.body.data.id, reaction: '❤️', session_id: ACTIVE });
      for (const s of [sarah, samia]) {
        const u = await s.next('message_reaction_update');
        assert.deepEqual([u.user_name, u.reaction], ['Sarah Johnson', '❤️']);
      }
      const page = await history('sarah', ACTIVE, '&limit=100');
      const item = page.body.data.messages.find((m) => m.id === msg.body.data.id);
      assert.deepEqual(item.message_reactions.map((r) => [r.user_id, r.reaction]), [[SARAH, '❤️']]);
      sarah.close();
      samia.close();
    }));

    test('REST sessions and messages: lists, detail, create, paging, read', drifted(async () => {
      const list = await rest(srv.url, 'GET', '/api/chat/sessions', tokens.sarah);
      assert.equal(list.body.success, true);
      assert.ok(list.body.data.sessions.some((s) => s.id === ACTIVE));
      assert.equal(typeof list.body.data.pagination.total, 'number');
      const detail = await rest(srv.url, 'GET', `/api/chat/sessions/${ACTIVE}`, tokens.samia);
      assert.deepEqual(detail.body.data.participants, [SARAH, SAMIA]);
      const created = await rest(srv.url, 'POST', '/api/chat/sessions', tokens.sarah, { participant_ids: [SAMIA], session_type: 'general', metadata: {} });
      assert.equal(created.body.success, true);
      const sid = created.body.data.id;
      for (let i = 1; i <= 5; i++) await rest(srv.url, 'POST', '/api/chat/messages', tokens[i % 2 ? 'sarah' : 'samia'], { session_id: sid, content: `m${i}` });
      const p1 = await history('sarah', sid, '&limit=2');
      assert.deepEqual(p1.body.data.messages.map((m) => m.content).sort(), ['m4', 'm5']);
      assert.equal(p1.body.data.has_more, true);
      const all = await history('samia', sid);
      assert.equal(all.body.data.has_more, false);
      const fromSarah = all.body.data.messages.find((m) => m.content === 'm1');
      const read = await rest(srv.url, 'PUT', `/api/chat/messages/${fromSarah.id}/read`, tokens.samia);
      assert.deepEqual([read.body.success, typeof read.body.message], [true, 'string']);
      const again = await history('sarah', sid);
      assert.equal(again.body.data.messages.find((m) => m.id === fromSarah.id).is_read, true);
    }));

    test('REST errors use the document\'s format and codes', drifted(async () => {
      assertError(await rest(srv.url, 'GET', '/api/chat/sessions'), 401, 'AUTHENTICATION_REQUIRED');
      assertError(await rest(srv.url, 'GET', `/api/chat/sessions/${crypto.randomUUID()}`, tokens.sarah), 404, 'SESSION_NOT_FOUND');
      assertError(await history('omar', ACTIVE), 403, 'CHAT_ACCESS_DENIED');
      assertError(await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: CLOSED, content: 'hi' }), 409, 'SESSION_INACTIVE');
      assertError(await rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: ACTIVE, content: '   ' }), 400, 'VALIDATION_ERROR');
      const socket = await connectRecording(srv.url, tokens.omar);
      sockets.push(socket);
      socket.emit('join_chat', { session_id: ACTIVE });
      const e = await socket.next('error');
      assert.deepEqual([e.success, e.code, typeof e.error], [false, 'CHAT_ACCESS_DENIED', 'string']);
      socket.close();
    }));

    test('voice notes: upload, new_message, the file back; too large and unsupported types refused', drifted(async () => {
      const samia = await joined('samia');
      const bytes = wav(600);
      const up = await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.sarah, voiceForm({ bytes, name: 'q.wav' }));
      assert.ok(up.status >= 200 && up.status < 300, JSON.stringify(up.body));
      const d = up.body.data;
      assert.deepEqual([d.type, d.session_id, d.sender_id, d.file_name, d.file_size], ['voice', ACTIVE, SARAH, 'q.wav', bytes.length]);
      assert.equal((await samia.next('new_message', (m) => m.id === d.id)).type, 'voice');
      const got = await fetch(d.file_url);
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes));
      assertError(await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.sarah, voiceForm({ bytes: Buffer.alloc(11 * 1024 * 1024, 1) })), 413, 'FILE_TOO_LARGE');
      assertError(await rest(srv.url, 'POST', '/api/chat/voice-notes', tokens.sarah, voiceForm({ name: 'notes.txt', type: 'text/plain' })), 415, 'UNSUPPORTED_FILE_TYPE');
      samia.close();
    }));
  });

  describe(`002 documented behaviour (${mode.name}): rate limit and restart`, () => {
    test('RATE_LIMIT_EXCEEDED past the (scaled) limit; messages survive a restart', async () => {
      const stateFile = tempStateFile('002-doc');
      const srv = await startServer(FILE, { PARLOR_RATE_LIMIT_SCALE: '0.03', ...mode.env }, ['--state-file', stateFile]);
      try {
        await reportingDrift(srv.url, async () => {
          const post = (content) => rest(srv.url, 'POST', '/api/chat/messages', tokens.sarah, { session_id: ACTIVE, content });
          for (let i = 1; i <= 3; i++) assert.ok((await post(`m${i}`)).status < 300);
          assertError(await post('one too many'), 429, 'RATE_LIMIT_EXCEEDED');
          await srv.restart();
          const page = await rest(srv.url, 'GET', `/api/chat/messages?session_id=${ACTIVE}`, tokens.samia);
          assert.deepEqual(page.body.data.messages.map((m) => m.content), ['m1', 'm2', 'm3']);
          await waitFor(async () => (await debugGet(srv.url, '/debug/messages')).count === 3, 'three stored messages');
        });
      } finally {
        await srv.stop();
      }
    });
  });
}
