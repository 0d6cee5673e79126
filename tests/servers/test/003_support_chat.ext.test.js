'use strict';
// Extension tests of 003_support_chat.js: the default mode (document + the README's extensions:
// clientMessageId resends, readBy, joinedChat.status, chatId on userTyping/messagesRead, `{chatId}`
// payloads, setChatStatus, the README's error strings and handshake errors), pinned exactly,
// against the real server in a child process. The document alone is checked by
// 003_support_chat.doc.test.js in seed-only and drift modes.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, mint, connect, once, never, request, rest, tempStateFile } = require('./helpers');

const FILE = '003_support_chat.js';
const tokens = {};
const sockets = [];

/** A connected socket of account `who` (1, 2 or 10). */
async function as(url, who) {
  const socket = await connect(url, { token: tokens[who] });
  sockets.push(socket);
  return socket;
}

/** Joins `chatId` through the ack and returns the joinedChat data. */
async function join(socket, chatId) {
  const answer = await request(socket, 'joinChat', chatId);
  assert.equal(answer.event, 'joinedChat', JSON.stringify(answer));
  return answer.data;
}

const send = (socket, chatId, message) => request(socket, 'sendMessage', { chatId, message });
const isIso = (s) => typeof s === 'string' && !Number.isNaN(Date.parse(s));

before(() => {
  for (const id of [1, 2, 10]) tokens[id] = mint(FILE, id);
  tokens.expired = mint(FILE, 1, -10);
});

after(() => {
  for (const s of sockets) s.close();
});

describe('003 support chat: default mode (document + extensions)', () => {
  let srv;
  before(async () => {
    srv = await startServer(FILE);
  });
  after(() => srv.stop());

  test('extension: handshake: a bad token is a connect_error with the reason', async () => {
    assert.deepEqual((await rest(srv.url, 'GET', '/health')).body, { ok: true });
    for (const [auth, message] of [
      [{ token: 'garbage' }, 'Invalid token'],
      [{}, 'Authentication token missing'],
      [{ token: tokens.expired }, 'Token expired'],
    ]) {
      await assert.rejects(connect(srv.url, auth), (e) => {
        assert.equal(e.message, message);
        return true;
      });
    }
    // The token may also come as ?token=.
    const viaQuery = await connect(srv.url, undefined, { query: { token: tokens[1] } });
    assert.equal(viaQuery.connected, true);
    viaQuery.close();
  });

  test('extension: joinChat through the ack and without it; participantUpdate; leaveChat', async () => {
    const client = await as(srv.url, 1);
    const data = await join(client, 'chat-1');
    assert.deepEqual(data, { chatId: 'chat-1', status: 'ACTIVE', messages: [] });

    const admin = await as(srv.url, 10);
    const update = once(client, 'participantUpdate');
    const emitted = once(admin, 'joinedChat');
    admin.emit('joinChat', 'chat-1'); // no ack: the answer is the event itself
    assert.deepEqual(await emitted, { chatId: 'chat-1', status: 'ACTIVE', messages: [] });
    const u = await update;
    assert.deepEqual({ ...u, timestamp: undefined }, { chatId: 'chat-1', userId: 10, action: 'joined', timestamp: undefined });
    assert.ok(isIso(u.timestamp));

    const left = once(client, 'participantUpdate');
    assert.deepEqual(await request(admin, 'leaveChat', 'chat-1'), { event: 'leftChat', data: 'chat-1' });
    const l = await left;
    assert.equal(l.action, 'left');
    assert.equal(l.userId, 10);

    // A disconnect leaves every room.
    const rejoined = once(client, 'participantUpdate');
    await join(admin, 'chat-1');
    assert.equal((await rejoined).action, 'joined');
    const gone = once(client, 'participantUpdate');
    admin.close();
    assert.deepEqual({ ...(await gone), timestamp: 0 }, { chatId: 'chat-1', userId: 10, action: 'left', timestamp: 0 });
    client.close();
  });

  test('extension: sendMessage: messageSent to the sender, newMessage to the room; replies embed replyTo', async () => {
    const client = await as(srv.url, 1);
    const admin = await as(srv.url, 10);
    await join(client, 'chat-1');
    await join(admin, 'chat-1');

    const toAdmin = once(admin, 'newMessage');
    const toClient = once(client, 'newMessage');
    const sent = await send(client, 'chat-1', { text: 'My order is late' });
    assert.equal(sent.event, 'messageSent');
    const m = sent.data;
    assert.match(m.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...m, id: 0, createdAt: 0 }, {
      id: 0,
      chatId: 'chat-1',
      senderId: 1,
      text: 'My order is late',
      fileUrl: null,
      replyToId: null,
      replyTo: null,
      createdAt: 0,
      sender: { id: 1, email: 'client@parlor.test', role: 'CLIENT' },
      clientMessageId: null,
      readBy: [],
    });
    assert.ok(isIso(m.createdAt));
    assert.deepEqual(await toAdmin, m);
    assert.deepEqual(await toClient, m);

    const reply = await send(admin, 'chat-1', { text: 'Let me check', replyToId: m.id });
    assert.equal(reply.data.replyToId, m.id);
    assert.equal(reply.data.replyTo.id, m.id);
    assert.equal(reply.data.replyTo.text, 'My order is late');
    assert.deepEqual(reply.data.replyTo.sender, { id: 1, email: 'client@parlor.test', role: 'CLIENT' });
    assert.equal(reply.data.sender.role, 'ADMIN');

    // Without an ack the sender gets the messageSent event.
    const evt = once(client, 'messageSent');
    client.emit('sendMessage', { chatId: 'chat-1', message: { fileId: 'invoice-42.pdf' } });
    const file = await evt;
    assert.equal(file.fileUrl, '/files/invoice-42.pdf');
    assert.equal(file.text, null);

    const history = await join(client, 'chat-1');
    assert.deepEqual(history.messages.slice(-3).map((x) => x.id), [m.id, reply.data.id, file.id]);
    client.close();
    admin.close();
  });

  test('extension: clientMessageId: a resend returns the stored message, broadcast once', async () => {
    const client = await as(srv.url, 1);
    const admin = await as(srv.url, 10);
    await join(client, 'chat-1');
    await join(admin, 'chat-1');
    const broadcast = once(admin, 'newMessage');
    const first = await send(client, 'chat-1', { text: 'Hello?', clientMessageId: 'c-123' });
    assert.equal(first.data.clientMessageId, 'c-123');
    assert.deepEqual(await broadcast, first.data);
    const quiet = never(admin, 'newMessage', 300);
    const second = await send(client, 'chat-1', { text: 'Hello?', clientMessageId: 'c-123' });
    assert.deepEqual(second, first);
    await quiet;
    // The same clientMessageId from someone else is their own message.
    const other = await send(admin, 'chat-1', { text: 'Hi!', clientMessageId: 'c-123' });
    assert.notEqual(other.data.id, first.data.id);
    const history = await join(client, 'chat-1');
    assert.equal(history.messages.filter((x) => x.clientMessageId === 'c-123').length, 2);
    client.close();
    admin.close();
  });

  test('extension: typing reaches the others in the room only', async () => {
    const client = await as(srv.url, 1);
    const admin = await as(srv.url, 10);
    await join(client, 'chat-1');
    await join(admin, 'chat-1');
    const self = never(client, 'userTyping', 300);
    const seen = once(admin, 'userTyping');
    client.emit('typing', { chatId: 'chat-1', isTyping: true });
    assert.deepEqual(await seen, { userId: 1, email: 'client@parlor.test', isTyping: true, chatId: 'chat-1' });
    const stop = once(admin, 'userTyping');
    client.emit('typing', { chatId: 'chat-1', isTyping: false });
    assert.equal((await stop).isTyping, false);
    await self;
    client.close();
    admin.close();
  });

  test('extension: readMessages: messagesMarkedRead to the reader, messagesRead to the room', async () => {
    const client = await as(srv.url, 1);
    const admin = await as(srv.url, 10);
    await join(client, 'chat-1');
    await join(admin, 'chat-1');
    const a = (await send(admin, 'chat-1', { text: 'Refund issued' })).data;
    const b = (await send(admin, 'chat-1', { text: 'Anything else?' })).data;
    const own = (await send(client, 'chat-1', { text: 'Thanks' })).data;

    const receipt = once(admin, 'messagesRead');
    const answer = await request(client, 'readMessages', { chatId: 'chat-1', messageIds: [a.id, b.id, own.id, 'no-such-id'] });
    assert.deepEqual(answer, { event: 'messagesMarkedRead', data: [{ id: a.id, readBy: 1 }, { id: b.id, readBy: 1 }] });
    assert.deepEqual(await receipt, { userId: 1, messageIds: [a.id, b.id], chatId: 'chat-1' });

    const history = await join(admin, 'chat-1');
    assert.deepEqual(history.messages.find((x) => x.id === a.id).readBy, [1]);
    assert.deepEqual(history.messages.find((x) => x.id === own.id).readBy, []);

    // Reading again changes nothing: the reply repeats, no new receipt.
    const quiet = never(admin, 'messagesRead', 300);
    const again = await request(client, 'readMessages', { chatId: 'chat-1', messageIds: [a.id] });
    assert.deepEqual(again.data, [{ id: a.id, readBy: 1 }]);
    await quiet;
    client.close();
    admin.close();
  });

  test('extension: getActiveUsers lists the users in the room', async () => {
    // chat-closed: a room no earlier test left sockets in.
    const client = await as(srv.url, 1);
    const client2 = await as(srv.url, 1);
    const admin = await as(srv.url, 10);
    assert.deepEqual(await request(client, 'getActiveUsers', 'chat-closed'), { event: 'activeUsers', data: { chatId: 'chat-closed', userIds: [] } });
    await join(client, 'chat-closed');
    await join(client2, 'chat-closed');
    await join(admin, 'chat-closed');
    assert.deepEqual(await request(client, 'getActiveUsers', 'chat-closed'), { event: 'activeUsers', data: { chatId: 'chat-closed', userIds: [1, 10] } });
    await request(admin, 'leaveChat', 'chat-closed');
    const evt = once(client, 'activeUsers');
    client.emit('getActiveUsers', 'chat-closed');
    assert.deepEqual(await evt, { chatId: 'chat-closed', userIds: [1] });
    client.close();
    client2.close();
    admin.close();
  });

  test('extension: an admin joining a PENDING chat takes it; setChatStatus CLOSED stops messages', async () => {
    const client2 = await as(srv.url, 2);
    const pending = await join(client2, 'chat-2');
    assert.equal(pending.status, 'PENDING');
    // A client may write while waiting for an agent.
    assert.equal((await send(client2, 'chat-2', { text: 'Anyone there?' })).event, 'messageSent');

    const admin = await as(srv.url, 10);
    const changed = once(client2, 'chatStatusChanged');
    const joined = await join(admin, 'chat-2');
    assert.equal(joined.status, 'ACTIVE');
    assert.equal(joined.messages[0].text, 'Anyone there?');
    assert.deepEqual(await changed, { chatId: 'chat-2', status: 'ACTIVE' });

    // Only admins change the status.
    assert.deepEqual(await request(client2, 'setChatStatus', { chatId: 'chat-2', status: 'CLOSED' }), { event: 'error', data: 'Only admins can change the chat status' });

    const closed = once(client2, 'chatStatusChanged');
    assert.deepEqual(await request(admin, 'setChatStatus', { chatId: 'chat-2', status: 'CLOSED' }), { event: 'chatStatusChanged', data: { chatId: 'chat-2', status: 'CLOSED' } });
    assert.deepEqual(await closed, { chatId: 'chat-2', status: 'CLOSED' });
    assert.deepEqual(await send(client2, 'chat-2', { text: 'Hello again' }), { event: 'error', data: 'Chat is closed' });
    assert.deepEqual(await send(admin, 'chat-2', { text: 'Closing note' }), { event: 'error', data: 'Chat is closed' });
    // Closed chats stay readable.
    assert.equal((await join(client2, 'chat-2')).messages.length, 1);
    client2.close();
    admin.close();
  });

  test('extension: errors: unknown chat, non-participant, closed chat, empty message, bad reply', async () => {
    const client2 = await as(srv.url, 2);
    const client = await as(srv.url, 1);
    assert.deepEqual(await request(client2, 'joinChat', 'chat-1'), { event: 'error', data: 'You are not a participant of this chat' });
    assert.deepEqual(await send(client2, 'chat-1', { text: 'sneaky' }), { event: 'error', data: 'You are not a participant of this chat' });
    assert.deepEqual(await request(client2, 'getActiveUsers', 'chat-1'), { event: 'error', data: 'You are not a participant of this chat' });
    assert.deepEqual(await request(client, 'joinChat', 'chat-404'), { event: 'error', data: 'Chat not found' });
    assert.deepEqual(await send(client, 'chat-closed', { text: 'hi' }), { event: 'error', data: 'Chat is closed' });
    assert.deepEqual(await send(client, 'chat-1', { text: '   ' }), { event: 'error', data: 'Message must have text or fileId' });
    assert.deepEqual(await send(client, 'chat-1', {}), { event: 'error', data: 'Message must have text or fileId' });
    assert.deepEqual(await send(client, 'chat-1', { text: 'x', replyToId: 'nope' }), { event: 'error', data: 'Reply target not found' });
    // A message of another chat is not a reply target either.
    const elsewhere = (await join(client2, 'chat-2')).messages[0];
    assert.deepEqual(await send(client, 'chat-1', { text: 'x', replyToId: elsewhere.id }), { event: 'error', data: 'Reply target not found' });
    // Without an ack, errors are the `error` event with the message.
    const err = once(client2, 'error');
    client2.emit('joinChat', 'chat-1');
    assert.equal(await err, 'You are not a participant of this chat');
    client.close();
    client2.close();
  });

  test('extension: malformed payloads answer error and the server keeps working', async () => {
    const client = await as(srv.url, 1);
    const cases = [
      ['joinChat', undefined],
      ['joinChat', 42],
      ['joinChat', { chat: 'chat-1' }],
      ['leaveChat', ['chat-1']],
      ['sendMessage', 'chat-1'],
      ['sendMessage', { chatId: 'chat-1' }],
      ['sendMessage', { chatId: 'chat-1', message: { text: 7 } }],
      ['sendMessage', { chatId: 5, message: { text: 'x' } }],
      ['typing', { chatId: 'chat-1', isTyping: 'yes' }],
      ['typing', null],
      ['readMessages', { chatId: 'chat-1', messageIds: 'all' }],
      ['readMessages', { chatId: 'chat-1', messageIds: [1, 2] }],
      ['getActiveUsers', {}],
      ['setChatStatus', { chatId: 'chat-1', status: 'OPEN' }],
    ];
    for (const [event, payload] of cases) {
      const answer = await request(client, event, payload);
      assert.equal(answer.event, 'error', `${event} ${JSON.stringify(payload)}`);
      assert.equal(typeof answer.data, 'string');
    }
    // An ack as the only argument, and an emit with no ack at all.
    const onlyAck = await client.timeout(3000).emitWithAck('getActiveUsers');
    assert.equal(onlyAck.event, 'error');
    const err = once(client, 'error');
    client.emit('sendMessage', null);
    assert.equal(typeof (await err), 'string');
    // {chatId} is accepted as well as the bare id.
    assert.equal((await request(client, 'joinChat', { chatId: 'chat-1' })).data.chatId, 'chat-1');
    assert.equal((await send(client, 'chat-1', { text: 'still alive' })).event, 'messageSent');
    client.close();
  });
});

describe('003 support chat: default mode, restart with a state file', () => {
  let srv;
  const stateFile = tempStateFile('003');
  before(async () => {
    srv = await startServer(FILE, {}, ['--state-file', stateFile]);
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(path.dirname(stateFile), { recursive: true, force: true });
  });

  test('extension: messages, read state and chat status survive a restart', async () => {
    const client2 = await as(srv.url, 2);
    const admin = await as(srv.url, 10);
    await join(client2, 'chat-2');
    await join(admin, 'chat-2');
    const m = (await send(admin, 'chat-2', { text: 'Hello, this is support' })).data;
    const r = (await send(client2, 'chat-2', { text: 'Hi', replyToId: m.id, clientMessageId: 'k1' })).data;
    await request(client2, 'readMessages', { chatId: 'chat-2', messageIds: [m.id] });
    client2.close();
    admin.close();

    await srv.restart();
    const again = await as(srv.url, 2);
    const data = await join(again, 'chat-2');
    assert.equal(data.status, 'ACTIVE');
    assert.deepEqual(data.messages.map((x) => [x.id, x.text, x.readBy]), [[m.id, 'Hello, this is support', [2]], [r.id, 'Hi', []]]);
    assert.equal(data.messages[1].replyTo.id, m.id);
    // The clientMessageId is remembered too.
    assert.equal((await send(again, 'chat-2', { text: 'Hi', clientMessageId: 'k1' })).data.id, r.id);
    again.close();
  });
});
