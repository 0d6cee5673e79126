'use strict';
// Documented behaviour of 004_telecaller_calls.js against seed-only and two drift seeds: the
// connection errors, the four call flows, the presence payloads, call:initiate's error messages
// and the disconnect table, as shared/seeds/004 prints them. No ack is relied on (the document
// defines none): the call id comes from call:ringing / call:incoming. Server-side state comes
// from the test-only GET /debug/calls. Extensions: 004_telecaller_calls.ext.test.js.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, mint, connectRecording, debugGet, reportingDrift, DOC_MODES } = require('./helpers');

const FILE = '004_telecaller_calls.js';
const ARJUN = '507f1f77bcf86cd799439011';
const KAVYA = '507f1f77bcf86cd799439012';
const SUSPENDED = '507f1f77bcf86cd799439013';
const JANE = '507f1f77bcf86cd799439031';
const PRIYA = '507f1f77bcf86cd799439032';
const tokens = Object.fromEntries([ARJUN, KAVYA, SUSPENDED, JANE, PRIYA].map((id) => [id, mint(FILE, id)]));

const presence = (id, p) => (e) => e.telecallerId === id && e.presence === p;

for (const mode of DOC_MODES) {
  describe(`004 documented behaviour (${mode.name})`, () => {
    let srv;
    const sockets = [];
    const drifted = (body) => () => reportingDrift(srv.url, body);
    const user = async (id) => {
      const s = await connectRecording(`${srv.url}/user`, tokens[id]);
      sockets.push(s);
      return s;
    };
    /** A telecaller on /telecaller switched ONLINE, once `watcher` (a user) has seen it. */
    const telecaller = async (id, watcher) => {
      const s = await connectRecording(`${srv.url}/telecaller`, tokens[id]);
      sockets.push(s);
      s.emit('presence:update', { presence: 'ONLINE' });
      await watcher.next('telecaller:presence-changed', presence(id, 'ONLINE'));
      return s;
    };
    const calls = async () => (await debugGet(srv.url, '/debug/calls')).calls;
    /** call:initiate; resolves the call id from call:ringing (and checks call:incoming). */
    async function ring(from, to, tc, callType = 'AUDIO') {
      from.emit('call:initiate', { telecallerId: to, callType });
      const ringing = await from.next('call:ringing');
      assert.equal(typeof ringing.callId, 'string');
      assert.deepEqual([ringing.telecaller._id, typeof ringing.telecaller.name], [to, 'string']);
      const incoming = await tc.next('call:incoming', (e) => e.callId === ringing.callId);
      assert.equal(incoming.callType, callType);
      assert.equal(typeof incoming.caller, 'object');
      return ringing.callId;
    }

    before(async () => {
      srv = await startServer(FILE, { PARLOR_RATE_LIMIT_SCALE: '100', PARLOR_CALL_TIMEOUT_MS: '300', PARLOR_BILLING_MINUTE_MS: '1000', ...mode.env });
    });
    after(async () => {
      sockets.forEach((s) => s.close());
      await srv.stop();
    });

    test('connection errors: the document\'s messages', drifted(async () => {
      const url = `${srv.url}/user`;
      await assert.rejects(connectRecording(url), { message: 'Authentication token required' });
      await assert.rejects(connectRecording(url, 'not-a-jwt'), { message: 'Invalid or expired token' });
      await assert.rejects(connectRecording(url, tokens[JANE]), { message: 'Access denied' });
      await assert.rejects(connectRecording(url, tokens[SUSPENDED]), { message: 'Account suspended. Please contact support.' });
    }));

    test('presence-changed: ONLINE with the telecaller object, OFFLINE with null', drifted(async () => {
      const arjun = await user(ARJUN);
      const jane = await telecaller(JANE, arjun);
      const online = arjun.all('telecaller:presence-changed', presence(JANE, 'ONLINE'))[0];
      assert.deepEqual([online.telecaller._id, online.telecaller.name, online.telecaller.language], [JANE, 'Jane Smith', 'hindi']);
      jane.emit('presence:update', { presence: 'OFFLINE' });
      assert.equal((await arjun.next('telecaller:presence-changed', presence(JANE, 'OFFLINE'))).telecaller, null);
      jane.close();
      arjun.close();
    }));

    test('successful call: ringing, incoming, accepted with LiveKit on both sides, ended', drifted(async () => {
      const arjun = await user(ARJUN);
      const jane = await telecaller(JANE, arjun);
      const callId = await ring(arjun, JANE, jane);
      jane.emit('call:accept', { callId });
      const forUser = await arjun.next('call:accepted');
      const forTelecaller = await jane.next('call:accepted');
      for (const a of [forUser, forTelecaller]) {
        assert.equal(a.callId, callId);
        assert.deepEqual([typeof a.livekit.token, typeof a.livekit.url, a.livekit.roomName], ['string', 'string', callId]);
      }
      assert.deepEqual([forTelecaller.callType, typeof forTelecaller.caller], ['AUDIO', 'object']);
      assert.equal((await arjun.next('telecaller:presence-changed', presence(JANE, 'ON_CALL'))).telecaller, null);
      arjun.emit('call:end', { callId });
      assert.equal((await jane.next('call:ended')).callId, callId);
      const call = (await calls()).find((c) => c._id === callId);
      assert.deepEqual([call.status, call.coins], ['COMPLETED', 6]);
      jane.close();
      arjun.close();
    }));

    test('rejected, cancelled and missed calls', drifted(async () => {
      const arjun = await user(ARJUN);
      const jane = await telecaller(JANE, arjun);
      let callId = await ring(arjun, JANE, jane);
      jane.emit('call:reject', { callId });
      assert.equal((await arjun.next('call:rejected')).callId, callId);

      callId = await ring(arjun, JANE, jane);
      arjun.emit('call:cancel', { callId });
      assert.equal((await jane.next('call:cancelled')).callId, callId);

      callId = await ring(arjun, JANE, jane);
      assert.equal((await arjun.next('call:missed', () => true, 3000)).callId, callId);
      assert.equal((await jane.next('call:missed', () => true, 3000)).callId, callId);
      const byId = Object.fromEntries((await calls()).map((c) => [c._id, c.status]));
      assert.equal(byId[callId], 'MISSED');
      jane.close();
      arjun.close();
    }));

    test('call:initiate errors: the document\'s messages as call:error', drifted(async () => {
      const kavya = await user(KAVYA);
      const err = async (payload, message) => {
        kavya.emit('call:initiate', payload);
        assert.equal((await kavya.next('call:error')).message, message);
      };
      await err({ telecallerId: JANE }, 'Invalid call request');
      await err({ telecallerId: JANE, callType: 'CHAT' }, 'Invalid call type');
      await err({ telecallerId: KAVYA, callType: 'AUDIO' }, 'This person is no longer available for calls.');
      await err({ telecallerId: PRIYA, callType: 'AUDIO' }, 'Priya Nair is currently offline. Please try again later.'); // never switched on
      const priya = await telecaller(PRIYA, kavya);
      const callId = await ring(kavya, PRIYA, priya);
      await err({ telecallerId: PRIYA, callType: 'AUDIO' }, 'You already have an active call.');
      kavya.emit('call:cancel', { callId });
      await priya.next('call:cancelled');
      priya.close();
      await kavya.next('telecaller:presence-changed', presence(PRIYA, 'OFFLINE'));
      await err({ telecallerId: PRIYA, callType: 'AUDIO' }, 'Priya Nair is currently unavailable. Please try again later.');
      kavya.close();
    }));

    test('disconnects: a ringing call is missed, an accepted call ends, for the other side', drifted(async () => {
      const arjun = await user(ARJUN);
      const jane = await telecaller(JANE, arjun);
      let kavya = await user(KAVYA);
      const ringing = await ring(kavya, JANE, jane);
      kavya.close();
      assert.equal((await jane.next('call:missed')).callId, ringing);
      kavya = await user(KAVYA);
      const live = await ring(kavya, JANE, jane, 'VIDEO');
      jane.emit('call:accept', { callId: live });
      await kavya.next('call:accepted');
      jane.close();
      assert.equal((await kavya.next('call:ended')).callId, live);
      const byId = Object.fromEntries((await calls()).map((c) => [c._id, c.status]));
      assert.deepEqual([byId[ringing], byId[live]], ['MISSED', 'COMPLETED']);
      kavya.close();
      arjun.close();
    }));
  });
}
