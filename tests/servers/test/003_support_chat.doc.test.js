'use strict';
// Documented behaviour of 003_support_chat.js: what shared/seeds/003 prints, read the way a
// client that knows only the document would, against seed-only and two drift seeds. A gateway
// answer `{event, data}` may come through the ack or as the named event (NestJS emits it and
// acks nothing): `answer()` takes whichever comes. Stored messages are counted with the
// test-only GET /debug/messages. Extensions: 003_support_chat.ext.test.js.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, mint, connectRecording, tempStateFile, debugGet, reportingDrift, DOC_MODES } = require('./helpers');
const { idOf, isIso } = require('./tolerant');

const FILE = '003_support_chat.js';
const tokens = {};

/** Sends a gateway event and resolves its answer `{event, data}`, by ack or by event. */
function answer(sock, event, payload, answerEvent, ms = 3000) {
  return new Promise((resolve, reject) => {
    const waiters = [sock.next(answerEvent, () => true, ms), sock.next('error', () => true, ms)];
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      waiters.forEach((w) => w.cancel());
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      if (!done) reject(new Error(`no answer to ${event} (neither ack nor ${answerEvent}/error)`));
    }, ms);
    // An ack without an {event} envelope is no answer: keep waiting for the event.
    sock.emit(event, payload, (res) => res && res.event && finish({ event: res.event, data: res.data }));
    waiters[0].then((data) => finish({ event: answerEvent, data }), () => {});
    waiters[1].then((data) => finish({ event: 'error', data }), () => {});
  });
}

/** The documented Message: id (string), chatId, senderId (number), createdAt, optional fields typed. */
function assertMessage(m, { chatId, senderId, text }) {
  assert.equal(typeof m.id, 'string', JSON.stringify(m));
  assert.equal(m.chatId, chatId);
  assert.equal(m.senderId, senderId);
  if (text !== undefined) assert.equal(m.text, text);
  assert.ok(isIso(m.createdAt), JSON.stringify(m));
  if (m.sender !== undefined) {
    assert.equal(m.sender.id, senderId);
    assert.equal(typeof m.sender.email, 'string');
  }
}

before(() => {
  for (const id of [1, 2, 10]) tokens[id] = mint(FILE, id);
});

for (const mode of DOC_MODES) {
  describe(`003 documented behaviour (${mode.name})`, () => {
    let srv;
    const sockets = [];
    const as = async (who) => {
      const s = await connectRecording(srv.url, tokens[who]);
      sockets.push(s);
      return s;
    };
    const join = async (sock, chatId) => {
      const a = await answer(sock, 'joinChat', chatId, 'joinedChat');
      assert.equal(a.event, 'joinedChat', JSON.stringify(a));
      assert.equal(a.data.chatId, chatId);
      assert.ok(Array.isArray(a.data.messages));
      return a.data;
    };
    const send = (sock, chatId, message) => answer(sock, 'sendMessage', { chatId, message }, 'messageSent');
    const stored = async (chatId) => debugGet(srv.url, `/debug/messages?conversation=${chatId}`);
    const drifted = (body) => () => reportingDrift(srv.url, body);

    before(async () => {
      srv = await startServer(FILE, { ...mode.env });
    });
    after(async () => {
      sockets.forEach((s) => s.close());
      await srv.stop();
    });

    test('joinChat answers joinedChat; participantUpdate joined / left; leaveChat answers leftChat', drifted(async () => {
      const client = await as(1);
      const admin = await as(10);
      assert.deepEqual((await join(client, 'chat-1')).messages, []);
      await join(admin, 'chat-1');
      const joined = await client.next('participantUpdate', (u) => u.action === 'joined' && u.userId === 10);
      assert.equal(joined.chatId, 'chat-1');
      assert.equal(joined.userId, 10);
      assert.ok(isIso(joined.timestamp), JSON.stringify(joined));

      const left = await answer(admin, 'leaveChat', 'chat-1', 'leftChat');
      assert.deepEqual(left, { event: 'leftChat', data: 'chat-1' });
      const l = await client.next('participantUpdate', (u) => u.action === 'left');
      assert.equal(l.userId, 10);
      // A disconnect leaves the room too.
      await join(admin, 'chat-1');
      await client.next('participantUpdate', (u) => u.action === 'joined' && u.userId === 10);
      admin.close();
      assert.equal((await client.next('participantUpdate', (u) => u.action === 'left')).userId, 10);
      client.close();
    }));

    test('sendMessage answers messageSent with the Message; newMessage to the room; replies and files', drifted(async () => {
      const client = await as(1);
      const admin = await as(10);
      await join(client, 'chat-1');
      await join(admin, 'chat-1');
      const sent = await send(client, 'chat-1', { text: 'My order is late' });
      assert.equal(sent.event, 'messageSent', JSON.stringify(sent));
      assertMessage(sent.data, { chatId: 'chat-1', senderId: 1, text: 'My order is late' });
      for (const sock of [client, admin]) {
        const m = await sock.next('newMessage', (x) => x.id === sent.data.id);
        assertMessage(m, { chatId: 'chat-1', senderId: 1, text: 'My order is late' });
      }
      const reply = await send(admin, 'chat-1', { text: 'Let me check', replyToId: sent.data.id });
      assert.equal(reply.data.replyToId, sent.data.id);
      if (reply.data.replyTo !== undefined && reply.data.replyTo !== null) assert.equal(reply.data.replyTo.id, sent.data.id);
      const file = await send(client, 'chat-1', { fileId: 'invoice-42.pdf' });
      assert.equal(typeof file.data.fileUrl, 'string');
      const history = await join(client, 'chat-1');
      assert.deepEqual(history.messages.slice(-3).map((x) => x.id), [sent.data.id, reply.data.id, file.data.id]);
      client.close();
      admin.close();
    }));

    test('every sendMessage is a new message: a resend is stored again (the document has no client id)', drifted(async () => {
      const client = await as(2);
      await join(client, 'chat-2');
      const before = (await stored('chat-2')).count;
      const message = { text: 'Anyone there?', clientMessageId: 'resend-1' };
      const a = await send(client, 'chat-2', message);
      const b = await send(client, 'chat-2', message);
      assert.notEqual(a.data.id, b.data.id);
      const after = await stored('chat-2');
      assert.equal(after.count, before + 2);
      assert.deepEqual(after.messages.slice(-2).map((m) => [m.id, m.clientRef]), [[a.data.id, 'resend-1'], [b.data.id, 'resend-1']]);
      client.close();
    }));

    test('typing reaches the others in the room as userTyping', drifted(async () => {
      const client = await as(1);
      const admin = await as(10);
      await join(client, 'chat-1');
      await join(admin, 'chat-1');
      client.emit('typing', { chatId: 'chat-1', isTyping: true });
      const seen = await admin.next('userTyping');
      assert.deepEqual([seen.userId, seen.email, seen.isTyping], [1, 'client@parlor.test', true]);
      client.emit('typing', { chatId: 'chat-1', isTyping: false });
      assert.equal((await admin.next('userTyping')).isTyping, false);
      await client.none('userTyping', 200);
      client.close();
      admin.close();
    }));

    test('readMessages answers messagesMarkedRead; messagesRead to the room', drifted(async () => {
      const client = await as(1);
      const admin = await as(10);
      await join(client, 'chat-1');
      await join(admin, 'chat-1');
      const a = (await send(admin, 'chat-1', { text: 'Refund issued' })).data;
      const own = (await send(client, 'chat-1', { text: 'Thanks' })).data;
      const marked = await answer(client, 'readMessages', { chatId: 'chat-1', messageIds: [a.id, own.id] }, 'messagesMarkedRead');
      assert.equal(marked.event, 'messagesMarkedRead');
      assert.deepEqual(marked.data.map((x) => [x.id, x.readBy]), [[a.id, 1]]);
      const receipt = await admin.next('messagesRead');
      assert.deepEqual([receipt.userId, receipt.messageIds], [1, [a.id]]);
      client.close();
      admin.close();
    }));

    test('getActiveUsers answers activeUsers with the users in the room', drifted(async () => {
      const client = await as(1);
      const admin = await as(10);
      await join(client, 'chat-closed');
      await join(admin, 'chat-closed');
      const users = await answer(client, 'getActiveUsers', 'chat-closed', 'activeUsers');
      assert.equal(users.data.chatId, 'chat-closed');
      assert.deepEqual([...users.data.userIds].sort((x, y) => x - y), [1, 10]);
      client.close();
      admin.close();
    }));

    test('an admin joining a PENDING chat makes it ACTIVE: chatStatusChanged (the README\'s gap fill)', drifted(async () => {
      const client2 = await as(2);
      await join(client2, 'chat-2');
      const admin = await as(10);
      await join(admin, 'chat-2');
      const changed = await client2.next('chatStatusChanged');
      assert.deepEqual([changed.chatId, changed.status], ['chat-2', 'ACTIVE']);
      client2.close();
      admin.close();
    }));

    test('errors are {event:"error", data: message} or the error event', drifted(async () => {
      const client2 = await as(2);
      const client = await as(1);
      const isError = (a) => {
        assert.equal(a.event, 'error', JSON.stringify(a));
        assert.equal(typeof a.data, 'string');
      };
      isError(await answer(client2, 'joinChat', 'chat-1', 'joinedChat')); // not a participant
      isError(await send(client2, 'chat-1', { text: 'sneaky' }));
      isError(await answer(client, 'joinChat', 'chat-404', 'joinedChat'));
      isError(await send(client, 'chat-closed', { text: 'hi' }));
      isError(await send(client, 'chat-1', { text: '   ' }));
      isError(await send(client, 'chat-1', { text: 'x', replyToId: 'nope' }));
      isError(await answer(client, 'sendMessage', null, 'messageSent'));
      assert.equal((await send(client, 'chat-1', { text: 'still alive' })).event, 'messageSent');
      client.close();
      client2.close();
    }));
  });

  describe(`003 documented behaviour (${mode.name}): restart`, () => {
    test('messages and read state survive a restart with a state file', async () => {
      const srv = await startServer(FILE, { ...mode.env }, ['--state-file', tempStateFile('003-doc')]);
      const sockets = [];
      try {
        await reportingDrift(srv.url, async () => {
          const admin = await connectRecording(srv.url, tokens[10]);
          sockets.push(admin);
          await answer(admin, 'joinChat', 'chat-1', 'joinedChat');
          const m = (await answer(admin, 'sendMessage', { chatId: 'chat-1', message: { text: 'Hello, this is support' } }, 'messageSent')).data;
          await srv.restart();
          const client = await connectRecording(srv.url, tokens[1]);
          sockets.push(client);
          const data = (await answer(client, 'joinChat', 'chat-1', 'joinedChat')).data;
          assert.deepEqual(data.messages.map((x) => [idOf(x.id), x.text]), [[m.id, 'Hello, this is support']]);
        });
      } finally {
        sockets.forEach((s) => s.close());
        await srv.stop();
      }
    });
  });
}
