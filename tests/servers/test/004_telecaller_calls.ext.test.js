'use strict';
// Extension tests of 004_telecaller_calls.js: the default mode pinned exactly — acks on every
// client event ({success, callId, ...}), presence:update's `effective`, call:ended's duration /
// coins / endedBy, the connection limit, restarts — against the real server in a child process
// with fast clocks. The document alone is checked by 004_telecaller_calls.doc.test.js.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const jwt = require('jsonwebtoken');
const { startServer, mint, tempStateFile, waitFor, debugGet, connectRecording } = require('./helpers');

const FILE = '004_telecaller_calls.js';
const ARJUN = '507f1f77bcf86cd799439011';
const KAVYA = '507f1f77bcf86cd799439012';
const SUSPENDED = '507f1f77bcf86cd799439013';
const JANE = '507f1f77bcf86cd799439031';
const PRIYA = '507f1f77bcf86cd799439032';
const PENDING = '507f1f77bcf86cd799439033';

const MINUTE_MS = 1000;
const LIVEKIT = { LIVEKIT_API_KEY: 'testkey', LIVEKIT_API_SECRET: 'test-livekit-secret-0123456789abcdef', LIVEKIT_URL: 'ws://127.0.0.1:7880' };
const JANE_DETAILS = { _id: JANE, name: 'Jane Smith', profile: 'avatar-3', language: 'hindi', about: 'Experienced telecaller with 5 years of experience.' };
const ARJUN_CALLER = { _id: ARJUN, name: 'Arjun Mehta', profile: 'avatar-1' };

// Minted once up front: `mint` spawns a process, too slow for the inside of a timed window.
const tokens = Object.fromEntries([ARJUN, KAVYA, SUSPENDED, JANE, PRIYA, PENDING].map((id) => [id, mint(FILE, id)]));
const tok = (id) => tokens[id];


/** Asserts both halves of a call failure: the failed ack and the `call:error` event. */
async function expectCallError(socket, event, payload, message) {
  assert.deepEqual(await socket.ack(event, payload), { success: false, message }, `${event} ${JSON.stringify(payload)}`);
  assert.deepEqual(await socket.next('call:error'), { message });
}

/** A telecaller connected to /telecaller and switched ONLINE. */
async function onlineTelecaller(srv, id) {
  const s = await connectRecording(`${srv.url}/telecaller`, tok(id));
  assert.deepEqual(await s.ack('presence:update', { presence: 'ONLINE' }), { success: true, presence: 'ONLINE', effective: 'ONLINE' });
  return s;
}

const presenceOf = (id, presence) => (e) => e.telecallerId === id && e.presence === presence;

describe('default mode (document + extensions): connection', () => {
  test('extension: every connection error row, then the 10 per minute per IP limit', async () => {
    const srv = await startServer(FILE, { PARLOR_RATE_LIMIT_SCALE: '1' });
    const open = [];
    try {
      const user = `${srv.url}/user`;
      await assert.rejects(connectRecording(user), { message: 'Authentication token required' });
      await assert.rejects(connectRecording(user, 'not-a-jwt'), { message: 'Invalid or expired token' });
      await assert.rejects(connectRecording(user, mint(FILE, ARJUN, -60)), { message: 'Invalid or expired token' });
      await assert.rejects(connectRecording(user, tok(JANE)), { message: 'Access denied' });
      await assert.rejects(connectRecording(user, tok(SUSPENDED)), { message: 'Account suspended. Please contact support.' });
      // The symmetric namespace refuses users (and has a limiter of its own).
      await assert.rejects(connectRecording(`${srv.url}/telecaller`, tok(ARJUN)), { message: 'Access denied' });
      for (let i = 0; i < 5; i++) open.push(await connectRecording(user, tok(ARJUN))); // attempts 6..10
      await assert.rejects(connectRecording(user, tok(ARJUN)), { message: 'Too many connection attempts. Please wait.' });
      open.push(await connectRecording(`${srv.url}/telecaller`, tok(JANE)));
    } finally {
      open.forEach((s) => s.close());
      await srv.stop();
    }
  });
});

describe('default mode (document + extensions): calls', () => {
  const stateFile = tempStateFile('004');
  const readState = () => JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  let srv;
  let arjun;
  let jane;
  const sockets = [];
  before(async () => {
    srv = await startServer(
      FILE,
      { ...LIVEKIT, PARLOR_RATE_LIMIT_SCALE: '100', PARLOR_CALL_TIMEOUT_MS: '300', PARLOR_BILLING_MINUTE_MS: String(MINUTE_MS) },
      ['--state-file', stateFile],
    );
    arjun = await connectRecording(`${srv.url}/user`, tok(ARJUN));
    sockets.push(arjun);
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await srv.stop();
  });

  test('extension: presence: snapshot on connect, ONLINE with details, OFFLINE, unapproved telecallers hidden', async () => {
    await arjun.none('telecaller:presence-changed', 200); // nobody online: empty snapshot
    jane = await connectRecording(`${srv.url}/telecaller`, tok(JANE));
    sockets.push(jane);
    await arjun.none('telecaller:presence-changed', 200); // connected but switched off
    assert.deepEqual(await jane.ack('presence:update', { presence: 'ONLINE' }), { success: true, presence: 'ONLINE', effective: 'ONLINE' });
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: JANE, presence: 'ONLINE', telecaller: JANE_DETAILS });

    const kavya = await connectRecording(`${srv.url}/user`, tok(KAVYA));
    assert.deepEqual(await kavya.next('telecaller:presence-changed'), { telecallerId: JANE, presence: 'ONLINE', telecaller: JANE_DETAILS });
    kavya.close();

    const pending = await onlineTelecaller(srv, PENDING);
    await arjun.none('telecaller:presence-changed', 200);
    pending.close();

    assert.deepEqual(await jane.ack('presence:update', { presence: 'BUSY' }), { success: false, message: 'Invalid presence: expected ONLINE or OFFLINE' });
    assert.deepEqual(await jane.next('error'), { message: 'Invalid presence: expected ONLINE or OFFLINE' });
    jane.emit('presence:update', 'ONLINE'); // not an object: an error, not a crash
    await jane.next('error');

    await jane.ack('presence:update', { presence: 'OFFLINE' });
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: JANE, presence: 'OFFLINE', telecaller: null });
    await jane.ack('presence:update', { presence: 'ONLINE' });
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: JANE, presence: 'ONLINE', telecaller: JANE_DETAILS });
  });

  test('extension: successful call: ringing, incoming, accepted with LiveKit, ended with duration and coins', async () => {
    arjun.clear('telecaller:presence-changed');
    const coinsBefore = readState().accounts[ARJUN].coins;
    const ack = await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' });
    const callId = ack.callId;
    assert.match(callId, /^[0-9a-f]{24}$/);
    assert.deepEqual(ack, { success: true, callId, telecaller: { _id: JANE, name: 'Jane Smith', profile: 'avatar-3' } });
    assert.deepEqual(await arjun.next('call:ringing'), { callId, telecaller: { _id: JANE, name: 'Jane Smith', profile: 'avatar-3' } });
    assert.deepEqual(await jane.next('call:incoming'), { callId, callType: 'AUDIO', caller: ARJUN_CALLER });

    const accepted = await jane.ack('call:accept', { callId });
    assert.equal(accepted.success, true);
    const forUser = await arjun.next('call:accepted');
    const forTelecaller = await jane.next('call:accepted');
    assert.deepEqual(Object.keys(forUser).sort(), ['callId', 'livekit']);
    assert.equal(forUser.callId, callId);
    assert.deepEqual({ ...forUser.livekit, token: '' }, { token: '', url: 'ws://127.0.0.1:7880', roomName: callId });
    assert.deepEqual({ ...forTelecaller, livekit: null }, { callId, callType: 'AUDIO', caller: ARJUN_CALLER, livekit: null });
    assert.deepEqual(accepted.livekit, forTelecaller.livekit);
    for (const [lk, who] of [[forUser.livekit, ARJUN], [forTelecaller.livekit, JANE]]) {
      const claims = jwt.verify(lk.token, LIVEKIT.LIVEKIT_API_SECRET);
      assert.equal(claims.iss, 'testkey');
      assert.equal(claims.sub, who);
      assert.equal(claims.video.room, callId);
      assert.equal(claims.video.roomJoin, true);
    }
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: JANE, presence: 'ON_CALL', telecaller: null });

    // 2 s and into the third billed minute, by the server's own acceptedAt.
    const { acceptedAt } = (await debugGet(srv.url, '/debug/calls')).calls.find((c) => c._id === callId);
    await waitFor(() => Date.now() - Date.parse(acceptedAt) >= 2 * MINUTE_MS + 150, 'the third billed minute');
    const ended = await arjun.ack('call:end', { callId });
    const summary = { callId, duration: 2, coins: 3 * 6, endedBy: 'USER' };
    assert.deepEqual(ended, { success: true, ...summary });
    assert.deepEqual(await jane.next('call:ended'), summary);
    await arjun.none('call:ended', 100); // the ender learns it from the ack
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: JANE, presence: 'ONLINE', telecaller: JANE_DETAILS });
    const saved = readState();
    assert.equal(saved.accounts[ARJUN].coins, coinsBefore - 18);
    assert.equal(saved.calls[callId].status, 'COMPLETED');
  });

  test('extension: rejected call', async () => {
    const { callId } = await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'VIDEO' });
    assert.equal((await jane.next('call:incoming')).callType, 'VIDEO');
    assert.deepEqual(await jane.ack('call:reject', { callId }), { success: true, callId });
    assert.deepEqual(await arjun.next('call:rejected'), { callId });
    await expectCallError(jane, 'call:reject', { callId }, 'Call is not ringing.');
    assert.equal(readState().calls[callId].status, 'REJECTED');
  });

  test('extension: cancelled call, and cancel / end / accept outside their state', async () => {
    arjun.clear('telecaller:presence-changed');
    const { callId } = await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' });
    await jane.next('call:incoming');
    await expectCallError(arjun, 'call:end', { callId }, 'Call is not active.');
    assert.deepEqual(await arjun.ack('call:cancel', { callId }), { success: true, callId });
    assert.deepEqual(await jane.next('call:cancelled'), { callId });
    await expectCallError(arjun, 'call:cancel', { callId }, 'Call is not ringing.');
    await expectCallError(jane, 'call:accept', { callId }, 'Call is not ringing.');
    await expectCallError(arjun, 'call:cancel', { callId: 'ffffffffffffffffffffffff' }, 'Call not found.');
    await expectCallError(arjun, 'call:cancel', {}, 'Invalid call request');
    await expectCallError(arjun, 'call:end', 42, 'Invalid call request');

    // An accepted call cannot be cancelled; the telecaller ends it.
    const second = (await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' })).callId;
    const kavya = await connectRecording(`${srv.url}/user`, tok(KAVYA));
    await expectCallError(kavya, 'call:cancel', { callId: second }, 'Call not found.'); // not hers
    kavya.close();
    await jane.ack('call:accept', { callId: second });
    await arjun.next('call:accepted');
    await expectCallError(arjun, 'call:cancel', { callId: second }, 'Call is not ringing.');
    const ended = await jane.ack('call:end', { callId: second });
    assert.deepEqual(ended, { success: true, callId: second, duration: 0, coins: 6, endedBy: 'TELECALLER' });
    assert.deepEqual(await arjun.next('call:ended'), { callId: second, duration: 0, coins: 6, endedBy: 'TELECALLER' });
    await expectCallError(jane, 'call:end', { callId: second }, 'Call is not active.');
  });

  test('extension: missed after PARLOR_CALL_TIMEOUT_MS, to both sides', async () => {
    const { callId } = await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' });
    await jane.next('call:incoming');
    assert.deepEqual(await arjun.next('call:missed', () => true, 2000), { callId });
    assert.deepEqual(await jane.next('call:missed', () => true, 2000), { callId });
    assert.equal(readState().calls[callId].status, 'MISSED');
    await expectCallError(jane, 'call:accept', { callId }, 'Call is not ringing.');
  });

  test('extension: a user disconnecting: ringing -> missed, accepted -> ended, to the telecaller', async () => {
    arjun.clear('telecaller:presence-changed');
    let kavya = await connectRecording(`${srv.url}/user`, tok(KAVYA));
    const ringing = (await kavya.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' })).callId;
    await jane.next('call:incoming');
    kavya.close();
    assert.deepEqual(await jane.next('call:missed'), { callId: ringing });
    assert.equal(readState().calls[ringing].status, 'MISSED');

    kavya = await connectRecording(`${srv.url}/user`, tok(KAVYA));
    const live = (await kavya.ack('call:initiate', { telecallerId: JANE, callType: 'VIDEO' })).callId;
    await jane.ack('call:accept', { callId: live });
    await kavya.next('call:accepted');
    await arjun.next('telecaller:presence-changed', presenceOf(JANE, 'ON_CALL'));
    kavya.close();
    assert.deepEqual(await jane.next('call:ended'), { callId: live, duration: 0, coins: 6, endedBy: 'USER' });
    await arjun.next('telecaller:presence-changed', presenceOf(JANE, 'ONLINE'));
    assert.equal(readState().calls[live].status, 'COMPLETED');
  });

  test('extension: a telecaller disconnecting: ringing -> missed, accepted -> ended, to the user; presence follows', async () => {
    arjun.clear('telecaller:presence-changed');
    let priya = await onlineTelecaller(srv, PRIYA);
    await arjun.next('telecaller:presence-changed', presenceOf(PRIYA, 'ONLINE'));
    const ringing = (await arjun.ack('call:initiate', { telecallerId: PRIYA, callType: 'AUDIO' })).callId;
    await priya.next('call:incoming');
    priya.close();
    assert.deepEqual(await arjun.next('call:missed'), { callId: ringing });
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: PRIYA, presence: 'OFFLINE', telecaller: null });

    // The stored switch stays ONLINE: reconnecting is enough to be reported ONLINE again.
    priya = await connectRecording(`${srv.url}/telecaller`, tok(PRIYA));
    assert.equal((await arjun.next('telecaller:presence-changed')).presence, 'ONLINE');
    const live = (await arjun.ack('call:initiate', { telecallerId: PRIYA, callType: 'AUDIO' })).callId;
    await priya.ack('call:accept', { callId: live });
    await arjun.next('call:accepted');
    assert.equal((await arjun.next('telecaller:presence-changed')).presence, 'ON_CALL');
    priya.close();
    assert.deepEqual(await arjun.next('call:ended'), { callId: live, duration: 0, coins: 8, endedBy: 'TELECALLER' });
    assert.deepEqual(await arjun.next('telecaller:presence-changed'), { telecallerId: PRIYA, presence: 'OFFLINE', telecaller: null });
  });

  test('extension: a restart turns a ringing call into a missed one and keeps the coins', async () => {
    const { callId } = await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' });
    await jane.next('call:incoming');
    const coins = readState().accounts[ARJUN].coins;
    assert.equal(coins, 1000 - 18 - 6 - 8);
    await srv.restart();
    const saved = readState();
    assert.equal(saved.calls[callId].status, 'MISSED');
    assert.equal(saved.accounts[ARJUN].coins, coins);
    // Jane's switch survived too, but she is not connected after the restart.
    arjun = await connectRecording(`${srv.url}/user`, tok(ARJUN));
    sockets.push(arjun);
    await arjun.none('telecaller:presence-changed', 150);
    await expectCallError(arjun, 'call:initiate', { telecallerId: JANE, callType: 'AUDIO' }, 'Jane Smith is currently unavailable. Please try again later.');
  });
});

describe('default mode (document + extensions): call:initiate errors', () => {
  test('extension: every row in order, with the documented 5 per minute', async () => {
    const srv = await startServer(FILE, { PARLOR_RATE_LIMIT_SCALE: '1', PARLOR_TEST_HOOKS: '1' });
    const open = [];
    const initiate = (sock, payload, message) => expectCallError(sock, 'call:initiate', payload, message);
    const setStatus = async (id, status) => {
      const res = await fetch(`${srv.url}/__test/accounts/${id}/status`, { method: 'POST', body: JSON.stringify({ status }) });
      assert.equal(res.status, 200);
    };
    try {
      const arjun = await connectRecording(`${srv.url}/user`, tok(ARJUN));
      const kavya = await connectRecording(`${srv.url}/user`, tok(KAVYA));
      const jane = await connectRecording(`${srv.url}/telecaller`, tok(JANE));
      open.push(arjun, kavya, jane);
      let priya = await onlineTelecaller(srv, PRIYA);
      await arjun.next('telecaller:presence-changed', presenceOf(PRIYA, 'ONLINE'));
      priya.close(); // switched ONLINE, then gone: "unavailable"
      await arjun.next('telecaller:presence-changed', presenceOf(PRIYA, 'OFFLINE'));

      // Malformed requests are refused before the rate limiter counts them.
      await initiate(arjun, {}, 'Invalid call request');
      await initiate(arjun, 'call me', 'Invalid call request');
      await initiate(arjun, { telecallerId: JANE }, 'Invalid call request');
      await initiate(arjun, { telecallerId: JANE, callType: 7 }, 'Invalid call request');
      await initiate(arjun, { telecallerId: JANE, callType: 'CHAT' }, 'Invalid call type');
      await initiate(arjun, { telecallerId: PENDING, callType: 'AUDIO' }, 'This person is no longer available for calls.'); // 1
      await initiate(arjun, { telecallerId: KAVYA, callType: 'AUDIO' }, 'This person is no longer available for calls.'); // 2
      await initiate(arjun, { telecallerId: JANE, callType: 'AUDIO' }, 'Jane Smith is currently offline. Please try again later.'); // 3
      await initiate(arjun, { telecallerId: PRIYA, callType: 'AUDIO' }, 'Priya Nair is currently unavailable. Please try again later.'); // 4
      await jane.ack('presence:update', { presence: 'ONLINE' });
      const ringing = await arjun.ack('call:initiate', { telecallerId: JANE, callType: 'AUDIO' }); // 5
      assert.equal(ringing.success, true);
      await initiate(arjun, { telecallerId: JANE, callType: 'AUDIO' }, 'Too many call attempts. Please wait a moment.'); // 6

      await initiate(kavya, { telecallerId: JANE, callType: 'VIDEO' }, 'Jane Smith is busy on another call. Please try again later.'); // 1
      await setStatus(KAVYA, 'SUSPENDED');
      await initiate(kavya, { telecallerId: JANE, callType: 'VIDEO' }, 'Your account is not available. Please contact support.'); // 2
      await setStatus(KAVYA, 'ACTIVE');
      priya = await connectRecording(`${srv.url}/telecaller`, tok(PRIYA));
      open.push(priya);
      assert.equal((await kavya.ack('call:initiate', { telecallerId: PRIYA, callType: 'VIDEO' })).success, true); // 3
      await initiate(kavya, { telecallerId: JANE, callType: 'AUDIO' }, 'You already have an active call.'); // 4
    } finally {
      open.forEach((s) => s.close());
      await srv.stop();
    }
  });
});
