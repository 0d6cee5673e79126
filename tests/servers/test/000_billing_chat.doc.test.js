'use strict';
// Documented behaviour of 000_billing_chat.js: what shared/seeds/000 prints, checked the way a
// client that knows only the document would read it, against the server in seed-only mode and
// in two drift seeds (helpers DOC_MODES). Extensions are tested in 000_billing_chat.ext.test.js.
// Server-side counts (billed minutes, charges, wallets) come from the test-only GET /debug/ledger.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, mint, connectRecording, tempStateFile, waitFor, debugGet, reportingDrift, DOC_MODES } = require('./helpers');
const { idOf, findId, cents, count, isIso } = require('./tolerant');

const FILE = '000_billing_chat.js';
const TOKENS = Object.fromEntries(['u-asha', 'u-ravi', 'a-sharma', 'a-meera', 'admin'].map((id) => [id, mint(FILE, id)]));
const CLOCKS = { PARLOR_BILLING_MINUTE_MS: '300', PARLOR_REQUEST_TIMEOUT_MS: '5000', PARLOR_DISCONNECT_GRACE_MS: '5000' };

/** Where a room id may sit in the astrologer's notice (a gap the document leaves; README). */
const NOTICE_ROOM = ['roomId', 'room.id', 'data.roomId'];
const isRoom = (roomId) => (p) => idOf(p.roomId) === roomId;

/** The documented shape of every `{status, message}` answer. */
function assertStatus(p, status) {
  assert.equal(p.status, status, JSON.stringify(p));
  assert.equal(typeof p.message, 'string', JSON.stringify(p));
}

/** Runs `body` against a fresh server in `mode`; closes every client and the server afterwards. */
function withServer(mode, env, body, args = []) {
  return async () => {
    const server = await startServer(FILE, { ...CLOCKS, ...mode.env, ...env }, args);
    const clients = [];
    const open = async (id) => {
      const c = await connectRecording(server.url, TOKENS[id]);
      clients.push(c);
      return c;
    };
    const ledger = async (roomId) => (await debugGet(server.url, `/debug/ledger?room=${encodeURIComponent(roomId)}`)).rooms[0];
    const wallets = async () => (await debugGet(server.url, '/debug/ledger')).wallets;
    try {
      await reportingDrift(server.url, () => body({ server, open, ledger, wallets, clients }));
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  };
}

/** The user asks; resolves `{roomId, raw}` once the astrologer has the notice (raw: as the server sent it). */
async function request(user, userId, astro, astroId, chatType = 'text') {
  user.emit('chat-request', { userId, astrologerId: astroId, chatType });
  const res = await user.next('chat-request-response');
  assertStatus(res, 'success');
  const raw = res.data.roomId;
  const roomId = idOf(raw);
  assert.ok(roomId, `data.roomId: ${JSON.stringify(res)}`);
  assert.equal(idOf(res.data.astrologerId), astroId);
  await astro.next('chat-request', (p) => findId(p, NOTICE_ROOM) === roomId);
  return { roomId, raw };
}

/** request → accept → start; resolves once both parties have chat-started. */
async function startChat(user, userId, astro, astroId) {
  const room = await request(user, userId, astro, astroId);
  astro.emit('chat-response', { roomId: room.raw, response: 'accept' });
  await user.next('chat-status', isRoom(room.roomId));
  user.emit('start-chat', { roomId: room.raw });
  await Promise.all([user.next('chat-started'), astro.next('chat-started')]);
  return room;
}

const tick = (c, roomId, minute, ms) => c.next('chat-timer', (p) => isRoom(roomId)(p) && count(p.duration) === minute, ms);

for (const mode of DOC_MODES) {
  describe(`000 documented behaviour (${mode.name})`, () => {
    test('a consultation: request, accept, start, billed minutes, pause, resume, end — as the ledger billed it', withServer(mode, { PARLOR_BILLING_MINUTE_MS: '400' }, async ({ open, ledger, wallets }) => {
      const user = await open('u-asha');
      const astro = await open('a-meera');
      const room = await request(user, 'u-asha', astro, 'a-meera', 'audio');

      astro.emit('chat-response', { roomId: room.raw, response: 'accept' });
      for (const c of [user, astro]) assertStatus(await c.next('chat-status', isRoom(room.roomId)), 'accepted');

      user.emit('start-chat', { roomId: room.raw });
      for (const c of [user, astro]) {
        const started = await c.next('chat-started');
        assertStatus(started, 'success');
        assert.ok(isIso(started.startTime), JSON.stringify(started));
      }

      for (const minute of [1, 2]) {
        for (const c of [user, astro]) assert.equal(cents((await tick(c, room.roomId, minute)).cost), minute * 1250);
      }

      astro.emit('pause-chat', { roomId: room.raw });
      for (const c of [user, astro]) assertStatus(await c.next('chat-paused'), 'success');
      await user.none('chat-timer', 900); // more than two minutes: the clock is stopped
      assert.equal((await ledger(room.roomId)).duration, 2);

      user.emit('resume-chat', { roomId: room.raw });
      for (const c of [user, astro]) assertStatus(await c.next('chat-resumed'), 'success');
      assert.equal(cents((await tick(user, room.roomId, 3)).cost), 3750);

      user.emit('end-chat', { roomId: room.raw });
      const endedU = await user.next('chat-ended');
      const endedA = await astro.next('chat-ended');
      const billed = await ledger(room.roomId);
      for (const ended of [endedU, endedA]) {
        assertStatus(ended, 'success');
        assert.equal(count(ended.duration), billed.duration, JSON.stringify({ ended, billed }));
        assert.equal(cents(ended.totalCost), cents(billed.cost));
      }
      // The started fourth minute is billed whole at the end; each minute exactly once.
      assert.ok(billed.duration >= 3, JSON.stringify(billed));
      assert.equal(cents(billed.cost), billed.duration * 1250);
      assert.deepEqual(billed.charges.map((c) => c.minute), Array.from({ length: billed.duration }, (_, i) => i + 1));
      assert.equal(cents((await wallets())['u-asha']), 50000 - billed.duration * 1250);
      await user.none('chat-timer', 400);
    }));

    test('reject: both parties told; a second answer and a start are chat-errors', withServer(mode, {}, async ({ open }) => {
      const user = await open('u-asha');
      const astro = await open('a-sharma');
      const room = await request(user, 'u-asha', astro, 'a-sharma');
      astro.emit('chat-response', { roomId: room.raw, response: 'reject' });
      for (const c of [user, astro]) assertStatus(await c.next('chat-status', isRoom(room.roomId)), 'rejected');
      astro.emit('chat-response', { roomId: room.raw, response: 'accept' });
      const again = await astro.next('chat-error');
      assert.equal(typeof again.error, 'string');
      assert.equal(typeof again.message, 'string');
      user.emit('start-chat', { roomId: room.raw });
      assert.equal(typeof (await user.next('chat-error')).message, 'string');
      // The user may ask again.
      assert.notEqual((await request(user, 'u-asha', astro, 'a-sharma')).roomId, room.roomId);
    }));

    test('two devices accept at once: exactly one wins', withServer(mode, {}, async ({ open }) => {
      const user = await open('u-asha');
      const phone = await open('a-sharma');
      const tablet = await open('a-sharma');
      const room = await request(user, 'u-asha', phone, 'a-sharma');
      await tablet.next('chat-request', (p) => findId(p, NOTICE_ROOM) === room.roomId);
      phone.emit('chat-response', { roomId: room.raw, response: 'accept' });
      tablet.emit('chat-response', { roomId: room.raw, response: 'accept' });
      for (const c of [user, phone, tablet]) assertStatus(await c.next('chat-status', isRoom(room.roomId)), 'accepted');
      const errors = await waitFor(() => {
        const all = [...phone.all('chat-error'), ...tablet.all('chat-error')];
        return all.length ? all : null;
      }, 'the losing device\'s chat-error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(user.all('chat-status').length, 1);
    }));

    test('wallet runs dry: u-ravi (25.00 at 10.00/min) is billed 2 minutes, then wallet-error and chat-ended', withServer(mode, { PARLOR_BILLING_MINUTE_MS: '200' }, async ({ open, ledger }) => {
      const user = await open('u-ravi');
      const astro = await open('a-sharma');
      const room = await startChat(user, 'u-ravi', astro, 'a-sharma');
      assert.equal(cents((await tick(user, room.roomId, 1)).cost), 1000);
      assert.equal(cents((await tick(user, room.roomId, 2)).cost), 2000);
      const walletError = await user.next('wallet-error');
      assertStatus(walletError, 'error');
      assert.equal(cents(walletError.requiredBalance), 1000);
      for (const c of [user, astro]) {
        const ended = await c.next('chat-ended');
        assert.equal(count(ended.duration), 2);
        assert.equal(cents(ended.totalCost), 2000);
      }
      assert.equal(astro.all('wallet-error').length, 0, 'wallet-error is for the user');
      assert.equal((await ledger(room.roomId)).charges.length, 2);
      // 5.00 cannot cover a minute: the next request is refused with wallet-error.
      user.emit('chat-request', { userId: 'u-ravi', astrologerId: 'a-sharma', chatType: 'text' });
      assert.equal(cents((await user.next('wallet-error')).requiredBalance), 1000);
    }));

    test('refused requests answer chat-request-response status error; busy and foreign rooms are chat-errors', withServer(mode, { PARLOR_BILLING_MINUTE_MS: '60000' }, async ({ open }) => {
      const asha = await open('u-asha');
      const ravi = await open('u-ravi');
      const sharma = await open('a-sharma');
      for (const payload of [
        { userId: 'u-ravi', astrologerId: 'a-sharma', chatType: 'text' }, // someone else's userId
        { userId: 'u-asha', astrologerId: 'a-nobody', chatType: 'text' },
        { userId: 'u-asha', astrologerId: 'a-meera', chatType: 'text' }, // offline
        { userId: 'u-asha', astrologerId: 'a-sharma', chatType: 'smoke' },
      ]) {
        asha.emit('chat-request', payload);
        assertStatus(await asha.next('chat-request-response'), 'error');
      }
      const roomRavi = await request(ravi, 'u-ravi', sharma, 'a-sharma');
      const roomAsha = await startChat(asha, 'u-asha', sharma, 'a-sharma');
      sharma.emit('chat-response', { roomId: roomRavi.raw, response: 'accept' }); // already in a chat
      assert.equal(typeof (await sharma.next('chat-error')).message, 'string');
      ravi.emit('pause-chat', { roomId: roomAsha.raw }); // not ravi's
      assert.equal(typeof (await ravi.next('chat-error')).error, 'string');
      asha.emit('resume-chat', { roomId: 'no-such-room' });
      assert.equal(typeof (await asha.next('chat-error')).error, 'string');
    }));

    test('end-chat on a request still pending ends it for both (the README\'s gap fill)', withServer(mode, {}, async ({ open, ledger }) => {
      const user = await open('u-ravi');
      const astro = await open('a-sharma');
      const room = await request(user, 'u-ravi', astro, 'a-sharma');
      user.emit('end-chat', { roomId: room.raw });
      for (const c of [user, astro]) {
        const ended = await c.next('chat-ended');
        assertStatus(ended, 'success');
        assert.equal(count(ended.duration), 0);
        assert.equal(cents(ended.totalCost), 0);
      }
      assert.equal((await ledger(room.roomId)).status, 'cancelled');
      astro.emit('chat-response', { roomId: room.raw, response: 'accept' });
      assert.equal(typeof (await astro.next('chat-error')).message, 'string');
    }));

    test('an unanswered request is rejected when it expires (the README\'s gap fill)', withServer(mode, { PARLOR_REQUEST_TIMEOUT_MS: '300' }, async ({ open }) => {
      const user = await open('u-asha');
      const astro = await open('a-sharma');
      const room = await request(user, 'u-asha', astro, 'a-sharma');
      for (const c of [user, astro]) assertStatus(await c.next('chat-status', isRoom(room.roomId), 3000), 'rejected');
    }));

    test('admin-monitor: {status, message} for the admin, an error for others; end-chat ends the room', withServer(mode, { PARLOR_BILLING_MINUTE_MS: '250' }, async ({ open, ledger }) => {
      const user = await open('u-asha');
      const astro = await open('a-sharma');
      const admin = await open('admin');
      const room = await startChat(user, 'u-asha', astro, 'a-sharma');
      await tick(user, room.roomId, 1);
      user.emit('admin-monitor', { action: 'view-chats' });
      assertStatus(await user.next('admin-monitor'), 'error');
      admin.emit('admin-monitor', { action: 'view-chats' });
      assertStatus(await admin.next('admin-monitor'), 'success');
      admin.emit('admin-monitor', { action: 'end-chat', roomId: room.raw });
      for (const c of [user, astro]) {
        const ended = await c.next('chat-ended');
        assert.equal(cents(ended.totalCost), count(ended.duration) * 1000);
      }
      assertStatus(await admin.next('admin-monitor'), 'success');
      assert.equal((await ledger(room.roomId)).endedBy, 'admin');
    }));

    test('malformed payloads get chat-error and the server keeps serving', withServer(mode, {}, async ({ open }) => {
      const user = await open('u-asha');
      const astro = await open('a-sharma');
      for (const event of ['start-chat', 'pause-chat', 'resume-chat', 'end-chat']) {
        for (const bad of [undefined, null, 'room', { roomId: '' }, { roomId: 'constructor' }]) {
          user.emit(event, bad);
          const e = await user.next('chat-error');
          assert.equal(typeof e.message, 'string', `${event} ${JSON.stringify(bad)}`);
        }
      }
      astro.emit('chat-response', { roomId: 'r', response: 'maybe' });
      assert.equal(typeof (await astro.next('chat-error')).message, 'string');
      await startChat(user, 'u-asha', astro, 'a-sharma');
    }));

    test('a restart with a state file keeps the wallet and the billed minutes', async () => {
      const stateFile = tempStateFile('000-doc');
      await withServer(mode, { PARLOR_BILLING_MINUTE_MS: '300' }, async ({ server, open, ledger, wallets, clients }) => {
        const user = await open('u-asha');
        const astro = await open('a-meera');
        const room = await startChat(user, 'u-asha', astro, 'a-meera');
        await tick(user, room.roomId, 1);
        for (const c of clients.splice(0)) c.close();
        await server.restart();
        assert.equal((await ledger(room.roomId)).duration, 1);
        const user2 = await open('u-asha');
        await open('a-meera');
        // The clock goes on from the saved progress: the second minute is billed, not the first again.
        assert.equal(cents((await tick(user2, room.roomId, 2, 5000)).cost), 2500);
        assert.equal((await wallets())['u-asha'], '475.00');
      }, ['--state-file', stateFile])();
    });
  });
}
