'use strict';
// Extension tests of 001_presence_sessions.js: the default mode pinned exactly — the README's
// response bodies and event payloads, the socket acks ({ok, ...}), the presence snapshot on
// connect, session:ended, clientId resends and echo — against the real server in a child process
// with fast clocks. The document alone is checked by 001_presence_sessions.doc.test.js.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, mint, rest, tempStateFile, waitFor, connectRecording } = require('./helpers');

const FILE = '001_presence_sessions.js';
const MINUTE_MS = 1000; // one billed minute
const CLOCKS = { PARLOR_BILLING_MINUTE_MS: String(MINUTE_MS), PARLOR_REQUEST_TIMEOUT_MS: '60000' };

// Minted once up front: `mint` spawns a process, too slow for the inside of a timed window.
const tokens = Object.fromEntries(['user_asha', 'user_ravi', 'astro_sharma', 'astro_meera', 'admin_root'].map((id) => [id, mint(FILE, id)]));
const tok = (id) => tokens[id];


const ids = (list) => list.map((a) => a.id).sort();

/** Waits until `ms` have passed since an ISO instant of the server (e.g. a session's acceptedAt). */
const since = (iso, ms) => waitFor(() => Date.now() - Date.parse(iso) >= ms, `${ms} ms after ${iso}`, ms + 5000);

/** Starts a session of `user` with online astrologer `astro` and accepts it. */
async function activeSession(srv, user, astro, sessionType = 'chat') {
  const started = await rest(srv.url, 'POST', '/api/sessions/start', tok(user), { astrologerId: astro, sessionType });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const accepted = await rest(srv.url, 'POST', '/api/sessions/accept', tok(astro), { sessionId: started.body.session._id });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  return accepted.body.session;
}

describe('default mode (document + extensions): presence', () => {
  let srv;
  const sockets = [];
  before(async () => {
    srv = await startServer(FILE, { ...CLOCKS });
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await srv.stop();
  });

  test('extension: rejects handshakes without or with a bad token', async () => {
    await assert.rejects(connectRecording(srv.url), { message: 'Authentication required' });
    await assert.rejects(connectRecording(srv.url, 'not-a-jwt'), { message: 'Invalid or expired token' });
  });

  test('extension: socket and REST presence, snapshot on connect, broadcast on change', async () => {
    const user = await connectRecording(srv.url, tok('user_asha'));
    sockets.push(user);
    assert.deepEqual(await user.next('presence:online-list'), []);

    const sharma = await connectRecording(srv.url, tok('astro_sharma'));
    sockets.push(sharma);
    assert.deepEqual(await sharma.ack('presence:on', {}), { ok: true, isOnline: true });
    const list1 = await user.next('presence:online-list');
    assert.equal(list1.length, 1);
    const s = list1[0];
    assert.deepEqual(
      { id: s.id, name: s.name, ratePerMinute: s.ratePerMinute, isOnline: s.isOnline, busy: s.busy, currentSessionId: s.currentSessionId },
      { id: 'astro_sharma', name: 'Pandit Sharma', ratePerMinute: '10.00', isOnline: true, busy: false, currentSessionId: null },
    );
    assert.ok(!Number.isNaN(Date.parse(s.lastSeen)));

    const viaRest = await rest(srv.url, 'POST', '/api/v1/astrologers/astro_meera/online', tok('astro_meera'));
    assert.equal(viaRest.status, 200);
    assert.equal(viaRest.body.success, true);
    assert.equal(viaRest.body.astrologer.ratePerMinute, '12.50');
    assert.deepEqual(ids(await user.next('presence:online-list')), ['astro_meera', 'astro_sharma']);

    const listed = await rest(srv.url, 'GET', '/api/v1/astrologers/online');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.success, true);
    assert.deepEqual(ids(listed.body.astrologers), ['astro_meera', 'astro_sharma']);

    // A late joiner gets the current list as its snapshot.
    const late = await connectRecording(srv.url, tok('user_ravi'));
    sockets.push(late);
    assert.deepEqual(ids(await late.next('presence:online-list')), ['astro_meera', 'astro_sharma']);

    assert.deepEqual(await sharma.ack('presence:off'), { ok: true, isOnline: false });
    assert.deepEqual(ids(await user.next('presence:online-list')), ['astro_meera']);
    const off = await rest(srv.url, 'POST', '/api/v1/astrologers/astro_meera/offline', tok('astro_meera'));
    assert.equal(off.status, 200);
    assert.equal(off.body.astrologer.isOnline, false);
    assert.deepEqual(await user.next('presence:online-list'), []);
  });

  test('extension: presence is the astrologer\'s own: 403 and 401 otherwise', async () => {
    const other = await rest(srv.url, 'POST', '/api/v1/astrologers/astro_meera/online', tok('astro_sharma'));
    assert.equal(other.status, 403);
    assert.deepEqual(other.body, { success: false, error: other.body.error, code: 'FORBIDDEN' });
    const byUser = await rest(srv.url, 'POST', '/api/v1/astrologers/user_asha/online', tok('user_asha'));
    assert.equal(byUser.status, 403);
    const anon = await rest(srv.url, 'POST', '/api/v1/astrologers/astro_meera/online');
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'UNAUTHORIZED');

    const user = await connectRecording(srv.url, tok('user_asha'));
    sockets.push(user);
    assert.deepEqual(await user.ack('presence:on', {}), { ok: false, code: 'FORBIDDEN', message: 'Only astrologers have a presence' });
  });

  test('extension: the last socket of an astrologer going away takes them offline', async () => {
    const watcher = await connectRecording(srv.url, tok('user_ravi'));
    sockets.push(watcher);
    await watcher.next('presence:online-list');
    const a1 = await connectRecording(srv.url, tok('astro_meera'));
    const a2 = await connectRecording(srv.url, tok('astro_meera'));
    await a1.ack('presence:on');
    assert.deepEqual(ids(await watcher.next('presence:online-list')), ['astro_meera']);
    a1.close();
    await watcher.none('presence:online-list', 300); // a2 is still connected
    a2.close();
    assert.deepEqual(await watcher.next('presence:online-list'), []);
  });
});

describe('default mode (document + extensions): sessions', () => {
  let srv;
  const sockets = [];
  let asha;
  let meera;
  let ashaBalance;
  before(async () => {
    srv = await startServer(FILE, { ...CLOCKS });
    asha = await connectRecording(srv.url, tok('user_asha'));
    meera = await connectRecording(srv.url, tok('astro_meera'));
    sockets.push(asha, meera);
    await meera.ack('presence:on');
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await srv.stop();
  });

  test('extension: start, request, accept, end: the coins are deducted to the cent', async () => {
    const started = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_asha'), { astrologerId: 'astro_meera', sessionType: 'audio', ratePerMinute: 12.5 });
    assert.equal(started.status, 201);
    const s = started.body.session;
    assert.equal(started.body.success, true);
    assert.deepEqual(
      { userId: s.userId, userName: s.userName, astrologerId: s.astrologerId, sessionType: s.sessionType, ratePerMinute: s.ratePerMinute, status: s.status, acceptedAt: s.acceptedAt, coinsDeducted: s.coinsDeducted, endReason: s.endReason },
      { userId: 'user_asha', userName: 'Asha Verma', astrologerId: 'astro_meera', sessionType: 'audio', ratePerMinute: '12.50', status: 'pending', acceptedAt: null, coinsDeducted: '0.00', endReason: null },
    );
    assert.match(s._id, /^[0-9a-f]{24}$/);
    assert.match(s.channelName, /^session_user_asha_astro_meera_\d+$/);

    const req = await meera.next('session:request');
    assert.deepEqual(req, { sessionId: s._id, userId: 'user_asha', userName: 'Asha Verma', sessionType: 'audio', ratePerMinute: '12.50', createdAt: s.createdAt });
    // The user's nudge re-sends the same notification.
    assert.deepEqual(await asha.ack('session:request', { sessionId: s._id }), { ok: true });
    assert.deepEqual(await meera.next('session:request'), req);

    asha.clear('presence:online-list');
    const accepted = await rest(srv.url, 'POST', '/api/sessions/accept', tok('astro_meera'), { sessionId: s._id });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.session.status, 'active');
    assert.equal(accepted.body.session.acceptedBy, 'astro_meera');
    const ev = await asha.next('session:accepted');
    assert.deepEqual(ev, { sessionId: s._id, astrologerId: 'astro_meera', acceptedAt: accepted.body.session.acceptedAt, sessionType: 'audio', channelName: s.channelName });
    const busyList = await asha.next('presence:online-list');
    assert.equal(busyList[0].busy, true);
    assert.equal(busyList[0].currentSessionId, s._id);

    await since(accepted.body.session.acceptedAt, MINUTE_MS + 100); // into the second billed minute
    const ended = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: s._id, duration: 1, ratePerMinute: '12.50' });
    assert.equal(ended.status, 200);
    assert.equal(ended.body.balance, '475.00'); // 500.00 - 2 × 12.50
    const e = ended.body.session;
    assert.deepEqual(
      { status: e.status, duration: e.duration, clientDuration: e.clientDuration, coinsDeducted: e.coinsDeducted, endReason: e.endReason },
      { status: 'ended', duration: 2, clientDuration: 1, coinsDeducted: '25.00', endReason: 'completed' },
    );
    const expected = { sessionId: s._id, endedBy: 'user', endReason: 'completed', duration: 2, coinsDeducted: '25.00' };
    assert.deepEqual(await asha.next('session:ended'), expected);
    assert.deepEqual(await meera.next('session:ended'), expected);

    const again = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: s._id });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'SESSION_NOT_ACTIVE');
  });

  test('extension: every REST error status is reachable', async () => {
    const start = (who, body) => rest(srv.url, 'POST', '/api/sessions/start', who && tok(who), body);
    const accept = (who, body) => rest(srv.url, 'POST', '/api/sessions/accept', who && tok(who), body);
    const expect = (res, status, code) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.success, false);
      assert.equal(res.body.code, code);
      assert.equal(typeof res.body.error, 'string');
    };
    expect(await start(null, { astrologerId: 'astro_meera', sessionType: 'chat' }), 401, 'UNAUTHORIZED');
    expect(await rest(srv.url, 'POST', '/api/sessions/start', 'garbage', {}), 401, 'UNAUTHORIZED');
    expect(await start('astro_sharma', { astrologerId: 'astro_meera', sessionType: 'chat' }), 403, 'FORBIDDEN');
    expect(await start('user_asha', { sessionType: 'chat' }), 400, 'VALIDATION_ERROR');
    expect(await start('user_asha', { astrologerId: 'astro_meera', sessionType: 'telepathy' }), 400, 'VALIDATION_ERROR');
    expect(await start('user_asha', { astrologerId: 42, sessionType: 'chat' }), 400, 'VALIDATION_ERROR');
    expect(await start('user_asha', [1, 2]), 400, 'VALIDATION_ERROR');
    expect(await start('user_asha', { astrologerId: 'astro_meera', sessionType: 'chat', ratePerMinute: '1.00' }), 400, 'VALIDATION_ERROR');
    const malformed = await fetch(`${srv.url}/api/sessions/start`, { method: 'POST', headers: { authorization: `Bearer ${tok('user_asha')}`, 'content-type': 'application/json' }, body: '{oops' });
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).code, 'VALIDATION_ERROR');
    expect(await start('user_asha', { astrologerId: 'astro_nobody', sessionType: 'chat' }), 404, 'ASTROLOGER_NOT_FOUND');
    expect(await start('user_asha', { astrologerId: 'astro_sharma', sessionType: 'chat' }), 409, 'ASTROLOGER_OFFLINE');

    // Ravi asks first; Asha's session then makes Meera busy.
    const pending = await start('user_ravi', { astrologerId: 'astro_meera', sessionType: 'chat' });
    assert.equal(pending.status, 201);
    const active = await activeSession(srv, 'user_asha', 'astro_meera');
    expect(await start('user_ravi', { astrologerId: 'astro_meera', sessionType: 'chat' }), 409, 'ASTROLOGER_BUSY');
    const busy = await accept('astro_meera', { sessionId: pending.body.session._id });
    expect(busy, 409, 'ASTROLOGER_BUSY');
    assert.equal(busy.body.error, 'Astrologer already in a session');
    expect(await accept('astro_sharma', { sessionId: pending.body.session._id }), 403, 'FORBIDDEN');
    expect(await accept('user_ravi', { sessionId: pending.body.session._id }), 403, 'FORBIDDEN');
    expect(await accept('astro_meera', { sessionId: 'ffffffffffffffffffffffff' }), 404, 'SESSION_NOT_FOUND');
    expect(await accept('astro_meera', {}), 400, 'VALIDATION_ERROR');
    expect(await accept('astro_meera', { sessionId: active._id }), 409, 'SESSION_NOT_PENDING');
    expect(await rest(srv.url, 'POST', '/api/sessions/end', tok('user_ravi'), { sessionId: active._id }), 403, 'FORBIDDEN');
    expect(await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: active._id, duration: 'long' }), 400, 'VALIDATION_ERROR');
    expect(await rest(srv.url, 'GET', '/api/nowhere', tok('user_asha')), 404, 'NOT_FOUND');

    // An admin may end anyone's session.
    const byAdmin = await rest(srv.url, 'POST', '/api/sessions/end', tok('admin_root'), { sessionId: active._id });
    assert.equal(byAdmin.status, 200);
    assert.equal(byAdmin.body.balance, undefined);
    assert.deepEqual(await meera.next('session:ended', (e) => e.sessionId === active._id), { sessionId: active._id, endedBy: 'admin', endReason: 'completed', duration: 1, coinsDeducted: '12.50' });

    // Ravi (25.00) spends exactly two of Meera's minutes, then cannot afford one more.
    const ravi = await rest(srv.url, 'POST', '/api/sessions/accept', tok('astro_meera'), { sessionId: pending.body.session._id });
    assert.equal(ravi.status, 200);
    await since(ravi.body.session.acceptedAt, MINUTE_MS + 100);
    const raviEnd = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_ravi'), { sessionId: pending.body.session._id });
    assert.equal(raviEnd.body.session.coinsDeducted, '25.00');
    assert.equal(raviEnd.body.balance, '0.00');
    expect(await start('user_ravi', { astrologerId: 'astro_meera', sessionType: 'chat' }), 402, 'INSUFFICIENT_BALANCE');
  });

  test('extension: two racing accepts: exactly one 200', async () => {
    asha.clear('session:accepted');
    const started = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_asha'), { astrologerId: 'astro_meera', sessionType: 'video' });
    const body = { sessionId: started.body.session._id };
    const results = await Promise.all([
      rest(srv.url, 'POST', '/api/sessions/accept', tok('astro_meera'), body),
      rest(srv.url, 'POST', '/api/sessions/accept', tok('astro_meera'), body),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    assert.equal(results.find((r) => r.status === 409).body.code, 'SESSION_NOT_PENDING');
    await asha.next('session:accepted', (e) => e.sessionId === body.sessionId);
    await asha.none('session:accepted', 200); // a single notification
    const ended = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), body);
    assert.equal(ended.status, 200);
    assert.equal(ended.body.session.endReason, 'completed');
    assert.equal(ended.body.balance, (475 - 12.5 - 12.5 * ended.body.session.duration).toFixed(2));
    ashaBalance = ended.body.balance;
    assert.equal((await meera.next('session:ended', (e) => e.sessionId === body.sessionId)).endedBy, 'user');
  });

  test('extension: ending a pending session: rejected by the astrologer, cancelled by the user, free', async () => {
    const first = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_asha'), { astrologerId: 'astro_meera', sessionType: 'chat' });
    const rejected = await rest(srv.url, 'POST', '/api/sessions/end', tok('astro_meera'), { sessionId: first.body.session._id });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.session.status, 'ended');
    assert.equal(rejected.body.session.endReason, 'rejected');
    assert.equal(rejected.body.session.coinsDeducted, '0.00');
    const ev = { sessionId: first.body.session._id, endedBy: 'astrologer', endReason: 'rejected', duration: 0, coinsDeducted: '0.00' };
    assert.deepEqual(await asha.next('session:ended', (e) => e.sessionId === ev.sessionId), ev);

    const second = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_asha'), { astrologerId: 'astro_meera', sessionType: 'chat' });
    const before = (await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: second.body.session._id })).body;
    assert.equal(before.session.endReason, 'cancelled');
    assert.equal(before.balance, ashaBalance); // unchanged by the two free endings
    assert.equal((await meera.next('session:ended', (e) => e.sessionId === second.body.session._id)).endReason, 'cancelled');
  });
});

describe('default mode (document + extensions): messaging', () => {
  let srv;
  const sockets = [];
  before(async () => {
    srv = await startServer(FILE, { ...CLOCKS });
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await srv.stop();
  });

  test('extension: join-session, message:send to both, idempotent clientId, message:error', async () => {
    const asha = await connectRecording(srv.url, tok('user_asha'));
    const meera = await connectRecording(srv.url, tok('astro_meera'));
    const ravi = await connectRecording(srv.url, tok('user_ravi'));
    sockets.push(asha, meera, ravi);
    await meera.ack('presence:on');
    const pendingOne = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_ravi'), { astrologerId: 'astro_meera', sessionType: 'chat' });
    const s = await activeSession(srv, 'user_asha', 'astro_meera');

    assert.deepEqual(await asha.ack('join-session', { sessionId: s._id }), { ok: true });
    assert.deepEqual(await meera.ack('join-session', { sessionId: s._id }), { ok: true });
    assert.deepEqual(await ravi.ack('join-session', { sessionId: s._id }), { ok: false, code: 'NOT_A_PARTICIPANT', message: 'You are not a participant of this session' });
    assert.equal((await ravi.ack('join-session', 'nope')).code, 'VALIDATION_ERROR');

    asha.emit('message:send', { sessionId: s._id, text: 'Namaste', clientId: 'c-1' });
    const mine = await asha.next('message:receive');
    const theirs = await meera.next('message:receive');
    assert.deepEqual(mine, theirs);
    assert.equal(mine.sessionId, s._id);
    assert.equal(mine.senderId, 'user_asha');
    assert.equal(mine.senderName, 'Asha Verma');
    assert.equal(mine.text, 'Namaste');
    assert.equal(mine.clientId, 'c-1');
    assert.match(mine._id, /^[0-9a-f]{24}$/);
    assert.ok(!Number.isNaN(Date.parse(mine.createdAt)));

    // The resend returns the stored message, to the sender only.
    const resend = await asha.ack('message:send', { sessionId: s._id, text: 'Namaste', clientId: 'c-1' });
    assert.equal(resend.ok, true);
    assert.equal(resend.duplicate, true);
    assert.equal(resend.message._id, mine._id);
    assert.equal((await asha.next('message:receive'))._id, mine._id);
    await meera.none('message:receive', 250);

    // A different sender may use the same clientId.
    meera.emit('message:send', { sessionId: s._id, text: 'Welcome', clientId: 'c-1' });
    const reply = await asha.next('message:receive');
    assert.notEqual(reply._id, mine._id);
    assert.equal(reply.senderId, 'astro_meera');
    assert.deepEqual(await meera.next('message:receive'), reply); // the sender's own echo

    const errors = [
      [asha, 'hello', { code: 'VALIDATION_ERROR', sessionId: null, clientId: null }],
      [asha, { sessionId: s._id, text: '   ', clientId: 'c-2' }, { code: 'VALIDATION_ERROR', sessionId: s._id, clientId: 'c-2' }],
      [asha, { sessionId: s._id, text: 7 }, { code: 'VALIDATION_ERROR', sessionId: s._id, clientId: null }],
      [asha, { sessionId: s._id, text: 'x'.repeat(4001) }, { code: 'VALIDATION_ERROR', sessionId: s._id, clientId: null }],
      [asha, { sessionId: 'ffffffffffffffffffffffff', text: 'hi', clientId: 'c-3' }, { code: 'SESSION_NOT_FOUND', sessionId: 'ffffffffffffffffffffffff', clientId: 'c-3' }],
      [ravi, { sessionId: s._id, text: 'let me in' }, { code: 'NOT_A_PARTICIPANT', sessionId: s._id, clientId: null }],
      [ravi, { sessionId: pendingOne.body.session._id, text: 'early' }, { code: 'SESSION_NOT_ACTIVE', sessionId: pendingOne.body.session._id, clientId: null }],
    ];
    for (const [sock, payload, want] of errors) {
      sock.emit('message:send', payload);
      const got = await sock.next('message:error');
      assert.equal(typeof got.message, 'string');
      assert.deepEqual({ code: got.code, sessionId: got.sessionId, clientId: got.clientId }, want, JSON.stringify(payload));
    }
    await meera.none('message:receive', 100);

    // Ended sessions take no more messages.
    await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: s._id });
    asha.emit('message:send', { sessionId: s._id, text: 'after' });
    assert.equal((await asha.next('message:error')).code, 'SESSION_NOT_ACTIVE');
  });

  test('extension: Agora tokens over POST and GET, only for participants of a session channel', async () => {
    const meera = await connectRecording(srv.url, tok('astro_meera'));
    sockets.push(meera);
    await meera.ack('presence:on');
    const s = await activeSession(srv, 'user_asha', 'astro_meera', 'video');

    const post = await rest(srv.url, 'POST', '/api/agora/token', tok('user_asha'), { channelName: s.channelName, uid: 42 });
    assert.equal(post.status, 200);
    assert.equal(post.body.success, true);
    assert.ok(post.body.token.startsWith('007'), post.body.token);
    assert.match(post.body.appId, /^[0-9a-f]{32}$/);
    assert.equal(post.body.channelName, s.channelName);
    assert.equal(post.body.uid, 42);
    assert.ok(Date.parse(post.body.expiresAt) > Date.now() + 3000 * 1000);

    const get = await rest(srv.url, 'GET', `/api/agora/token?channelName=${encodeURIComponent(s.channelName)}&uid=astro_meera`, tok('astro_meera'));
    assert.equal(get.status, 200);
    assert.ok(get.body.token.startsWith('007'));
    assert.equal(get.body.uid, 'astro_meera');
    assert.notEqual(get.body.token, post.body.token);

    const outsider = await rest(srv.url, 'POST', '/api/agora/token', tok('user_ravi'), { channelName: s.channelName });
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.code, 'FORBIDDEN');
    const outsiderGet = await rest(srv.url, 'GET', `/api/agora/token?channelName=${encodeURIComponent(s.channelName)}`, tok('user_ravi'));
    assert.equal(outsiderGet.status, 403);

    // A channel tied to no session is open to any signed-in account.
    const free = await rest(srv.url, 'GET', '/api/agora/token?channelName=lobby', tok('user_ravi'));
    assert.equal(free.status, 200);
    assert.equal(free.body.uid, 0);
    assert.equal((await rest(srv.url, 'POST', '/api/agora/token', null, { channelName: 'lobby' })).status, 401);
    assert.equal((await rest(srv.url, 'POST', '/api/agora/token', tok('user_ravi'), {})).body.code, 'VALIDATION_ERROR');
    assert.equal((await rest(srv.url, 'POST', '/api/agora/token', tok('user_ravi'), { channelName: 'x'.repeat(64) })).status, 400);
    assert.equal((await rest(srv.url, 'POST', '/api/agora/token', tok('user_ravi'), { channelName: 'lobby', uid: -1 })).status, 400);
  });
});

describe('default mode (document + extensions): clocks and restarts', () => {
  test('extension: an unanswered request expires', async () => {
    const srv = await startServer(FILE, { ...CLOCKS, PARLOR_REQUEST_TIMEOUT_MS: '300' });
    try {
      await rest(srv.url, 'POST', '/api/v1/astrologers/astro_sharma/online', tok('astro_sharma'));
      const asha = await connectRecording(srv.url, tok('user_asha'));
      const started = await rest(srv.url, 'POST', '/api/sessions/start', tok('user_asha'), { astrologerId: 'astro_sharma', sessionType: 'chat' });
      const ev = await asha.next('session:ended', () => true, 2000);
      assert.deepEqual(ev, { sessionId: started.body.session._id, endedBy: 'system', endReason: 'expired', duration: 0, coinsDeducted: '0.00' });
      const late = await rest(srv.url, 'POST', '/api/sessions/accept', tok('astro_sharma'), { sessionId: started.body.session._id });
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'SESSION_NOT_PENDING');
      asha.close();
    } finally {
      await srv.stop();
    }
  });

  test('extension: a restart keeps sessions, wallets, presence and messages', async () => {
    const stateFile = tempStateFile('001');
    const srv = await startServer(FILE, { ...CLOCKS }, ['--state-file', stateFile]);
    try {
      await rest(srv.url, 'POST', '/api/v1/astrologers/astro_sharma/online', tok('astro_sharma'));
      const s = await activeSession(srv, 'user_asha', 'astro_sharma');
      let asha = await connectRecording(srv.url, tok('user_asha'));
      await asha.ack('join-session', { sessionId: s._id });
      const first = await asha.ack('message:send', { sessionId: s._id, text: 'before restart', clientId: 'r-1' });
      asha.close();

      await srv.restart();
      const listed = await rest(srv.url, 'GET', '/api/v1/astrologers/online');
      assert.deepEqual(listed.body.astrologers.map((a) => [a.id, a.busy, a.currentSessionId]), [['astro_sharma', true, s._id]]);
      asha = await connectRecording(srv.url, tok('user_asha'));
      assert.deepEqual(await asha.ack('join-session', { sessionId: s._id }), { ok: true });
      const resend = await asha.ack('message:send', { sessionId: s._id, text: 'before restart', clientId: 'r-1' });
      assert.equal(resend.message._id, first.message._id);
      const ended = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: s._id });
      assert.equal(ended.status, 200);
      assert.equal(ended.body.balance, (500 - 10 * ended.body.session.duration).toFixed(2));
      asha.close();

      await srv.restart();
      const again = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: s._id });
      assert.equal(again.body.code, 'SESSION_NOT_ACTIVE');
      const next = await activeSession(srv, 'user_asha', 'astro_sharma');
      const done = await rest(srv.url, 'POST', '/api/sessions/end', tok('user_asha'), { sessionId: next._id });
      assert.equal(done.body.balance, (Number(ended.body.balance) - 10 * done.body.session.duration).toFixed(2));
    } finally {
      await srv.stop();
    }
  });
});
