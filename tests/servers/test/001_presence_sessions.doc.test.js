'use strict';
// Documented behaviour of 001_presence_sessions.js against seed-only and two drift seeds.
// Document 001 lists endpoints, request bodies and event names but prints no response body and
// no event payload: these tests read ids wherever a server commonly puts them (flat, `_id`/`id`,
// nested in `session`/`user`/`data`), accept any ack or none, and count what the server stored
// with the test-only GET /debug/messages and /debug/ledger. Extensions: 001_presence_sessions.ext.test.js.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, mint, rest, connectRecording, tempStateFile, waitFor, debugGet, reportingDrift, DOC_MODES } = require('./helpers');
const { idOf, findId, rawId, cents } = require('./tolerant');

const FILE = '001_presence_sessions.js';
const CLOCKS = { PARLOR_BILLING_MINUTE_MS: '1000', PARLOR_REQUEST_TIMEOUT_MS: '60000' };
const tokens = Object.fromEntries(['user_asha', 'user_ravi', 'astro_sharma', 'astro_meera', 'admin_root'].map((id) => [id, mint(FILE, id)]));
const tok = (id) => tokens[id];

/** Where a session id may sit in a REST answer, and in the socket events about a session. */
const REST_SESSION = ['session._id', 'session.id', 'data._id', 'data.id', '_id', 'id'];
const EVENT_SESSION = ['sessionId', 'session._id', 'session.id', 'data.sessionId', 'data._id', '_id', 'id'];
/** The online list: an array, or `{astrologers}`; each astrologer's id as `id`, `_id` or `clerkId`. */
const listOf = (p) => (Array.isArray(p) ? p : p && (p.astrologers || p.data)) || [];
const astroIds = (list) => list.map((a) => findId(a, ['id', '_id', 'clerkId'])).sort();
/** A received message: flat, or under `data`. */
const textOf = (m) => (m && m.data && typeof m.data === 'object' ? m.data.text : m.text);

const is2xx = (res) => assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${JSON.stringify(res.body)}`);
const is4xx = (res) => assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${JSON.stringify(res.body)}`);

for (const mode of DOC_MODES) {
  describe(`001 documented behaviour (${mode.name})`, () => {
    let srv;
    const sockets = [];
    const open = async (id) => {
      const s = await connectRecording(srv.url, tok(id));
      sockets.push(s);
      return s;
    };
    const drifted = (body) => () => reportingDrift(srv.url, body);
    const post = (path, who, body) => rest(srv.url, 'POST', path, who && tok(who), body);
    /** POST /api/sessions/start and its session id: `{id, raw}` (raw: as the server sent it). */
    async function start(user, astro, sessionType = 'chat', ratePerMinute = 12.5) {
      const res = await post('/api/sessions/start', user, { astrologerId: astro, sessionType, ratePerMinute });
      is2xx(res);
      const raw = rawId(res.body, REST_SESSION);
      assert.ok(raw !== undefined, `no session id in ${JSON.stringify(res.body)}`);
      return { id: idOf(raw), raw };
    }

    before(async () => {
      srv = await startServer(FILE, { ...CLOCKS, ...mode.env });
    });
    after(async () => {
      sockets.forEach((s) => s.close());
      await srv.stop();
    });

    test('auth: sockets and presence endpoints need a token; presence is the astrologer\'s own', drifted(async () => {
      await assert.rejects(connectRecording(srv.url));
      is4xx(await post('/api/v1/astrologers/astro_meera/online', null));
      is4xx(await post('/api/v1/astrologers/user_asha/online', 'user_asha'));
    }));

    test('presence: online / offline over REST and socket, the online list, presence:online-list broadcasts', drifted(async () => {
      const watcher = await open('user_ravi');
      const sharma = await open('astro_sharma');
      sharma.emit('presence:on', {});
      assert.deepEqual(astroIds(listOf(await watcher.next('presence:online-list'))), ['astro_sharma']);
      is2xx(await post('/api/v1/astrologers/astro_meera/online', 'astro_meera'));
      assert.deepEqual(astroIds(listOf(await watcher.next('presence:online-list'))), ['astro_meera', 'astro_sharma']);
      const listed = await rest(srv.url, 'GET', '/api/v1/astrologers/online');
      is2xx(listed);
      assert.deepEqual(astroIds(listOf(listed.body)), ['astro_meera', 'astro_sharma']);
      sharma.emit('presence:off');
      assert.deepEqual(astroIds(listOf(await watcher.next('presence:online-list'))), ['astro_meera']);
      sharma.close();
    }));

    test('sessions: start notifies the astrologer, accept notifies the user, end deducts the coins', drifted(async () => {
      const asha = await open('user_asha');
      const meera = await open('astro_meera');
      is2xx(await post('/api/v1/astrologers/astro_meera/online', 'astro_meera'));
      const s = await start('user_asha', 'astro_meera', 'audio');
      await meera.next('session:request', (p) => findId(p, EVENT_SESSION) === s.id);
      // The user's socket may nudge the astrologer again (the document's session:request).
      asha.emit('session:request', { sessionId: s.raw });
      await meera.next('session:request', (p) => findId(p, EVENT_SESSION) === s.id);

      is2xx(await post('/api/sessions/accept', 'astro_meera', { sessionId: s.raw }));
      await asha.next('session:accepted', (p) => findId(p, EVENT_SESSION) === s.id);
      const ledger = () => debugGet(srv.url, '/debug/ledger');
      const accepted = (await ledger()).sessions.find((x) => x.sessionId === s.id);
      await waitFor(() => Date.now() - Date.parse(accepted.acceptedAt) > 1000, 'the second billed minute');
      is2xx(await post('/api/sessions/end', 'user_asha', { sessionId: s.raw, duration: 1, ratePerMinute: 12.5 }));
      const billed = (await ledger()).sessions.find((x) => x.sessionId === s.id);
      // Every started minute since the accept (here two, unless the machine stalled for a second).
      assert.equal(billed.status, 'ended');
      assert.ok(billed.duration >= 2, JSON.stringify(billed));
      assert.equal(cents(billed.coinsDeducted), billed.duration * 1250);
      assert.equal(cents((await ledger()).wallets.user_asha), 50000 - billed.duration * 1250);
      is4xx(await post('/api/sessions/end', 'user_asha', { sessionId: s.raw }));
    }));

    test('accept is atomic: of two racing accepts exactly one succeeds', drifted(async () => {
      is2xx(await post('/api/v1/astrologers/astro_meera/online', 'astro_meera'));
      const s = await start('user_ravi', 'astro_meera', 'video');
      const results = await Promise.all([0, 1].map(() => post('/api/sessions/accept', 'astro_meera', { sessionId: s.raw })));
      assert.deepEqual(results.map((r) => r.status >= 200 && r.status < 300).sort(), [false, true]);
      is2xx(await post('/api/sessions/end', 'user_ravi', { sessionId: s.raw }));
    }));

    test('messages: join-session, message:send reaches the other party; every send is stored (no client-id dedupe)', drifted(async () => {
      const asha = await open('user_asha');
      const meera = await open('astro_meera');
      is2xx(await post('/api/v1/astrologers/astro_meera/online', 'astro_meera'));
      const s = await start('user_asha', 'astro_meera');
      is2xx(await post('/api/sessions/accept', 'astro_meera', { sessionId: s.raw }));
      asha.emit('join-session', { sessionId: s.raw });
      meera.emit('join-session', { sessionId: s.raw });
      // Joining has no documented answer: wait until a message gets through (and every ping is stored).
      let pings = 0;
      await waitFor(async () => {
        asha.emit('message:send', { sessionId: s.raw, text: 'ping' });
        pings += 1;
        return meera.next('message:receive', (m) => textOf(m) === 'ping', 300).catch(() => null);
      }, 'a message through the joined session');
      const stored = () => debugGet(srv.url, `/debug/messages?conversation=${s.id}`);
      const before = await waitFor(async () => {
        const now = await stored();
        return now.messages.filter((m) => m.text === 'ping').length === pings && now.count;
      }, 'every ping stored');

      asha.emit('message:send', { sessionId: s.raw, text: 'Namaste', clientId: 'c-1' });
      asha.emit('message:send', { sessionId: s.raw, text: 'Namaste', clientId: 'c-1' });
      await meera.next('message:receive', (m) => textOf(m) === 'Namaste');
      await meera.next('message:receive', (m) => textOf(m) === 'Namaste');
      const after = await stored();
      assert.equal(after.count, before + 2);
      assert.deepEqual(after.messages.slice(-2).map((m) => [m.sender, m.text, m.clientRef]), [['user_asha', 'Namaste', 'c-1'], ['user_asha', 'Namaste', 'c-1']]);

      const ravi = await open('user_ravi');
      ravi.emit('message:send', { sessionId: s.raw, text: 'let me in' });
      const err = await ravi.next('message:error');
      assert.equal(typeof err, 'object');
      is2xx(await post('/api/sessions/end', 'user_asha', { sessionId: s.raw }));
      asha.emit('message:send', { sessionId: s.raw, text: 'after the end' });
      await asha.next('message:error');
      assert.equal((await stored()).count, before + 2);
    }));

    test('Agora tokens over POST and GET', drifted(async () => {
      const post1 = await post('/api/agora/token', 'user_ravi', { channelName: 'lobby', uid: 42 });
      is2xx(post1);
      assert.equal(typeof post1.body.token, 'string');
      const get = await rest(srv.url, 'GET', '/api/agora/token?channelName=lobby', tok('user_ravi'));
      is2xx(get);
      assert.equal(typeof get.body.token, 'string');
      is4xx(await post('/api/agora/token', null, { channelName: 'lobby' }));
    }));
  });

  describe(`001 documented behaviour (${mode.name}): restart`, () => {
    test('sessions, wallets and messages survive a restart with a state file', async () => {
      const srv = await startServer(FILE, { ...CLOCKS, PARLOR_BILLING_MINUTE_MS: '60000', ...mode.env }, ['--state-file', tempStateFile('001-doc')]);
      try {
        await reportingDrift(srv.url, async () => {
          is2xx(await rest(srv.url, 'POST', '/api/v1/astrologers/astro_sharma/online', tok('astro_sharma')));
          const started = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_asha'), { astrologerId: 'astro_sharma', sessionType: 'chat', ratePerMinute: 10 });
          const raw = rawId(started.body, REST_SESSION);
          is2xx(await rest(srv.url, 'POST', '/api/sessions/accept', tok('astro_sharma'), { sessionId: raw }));
          const asha = await connectRecording(srv.url, tok('user_asha'));
          asha.emit('message:send', { sessionId: raw, text: 'before restart' });
          await waitFor(async () => (await debugGet(srv.url, `/debug/messages?conversation=${idOf(raw)}`)).count === 1, 'the stored message');
          asha.close();
          await srv.restart();
          assert.equal((await debugGet(srv.url, `/debug/messages?conversation=${idOf(raw)}`)).count, 1);
          is2xx(await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: raw }));
          const { wallets } = await debugGet(srv.url, '/debug/ledger');
          assert.equal(cents(wallets.user_asha), 49000);
        });
      } finally {
        await srv.stop();
      }
    });
  });
}
