'use strict';
// Every payload 003_support_chat.js sends, and how a gateway answer reaches the client, in the
// active mode (README "003 support chat" and "Modes"). Default: the document plus the README's
// extensions. Seed-only: the document's fields only. Drift: seed-only, varied.

const crypto = require('node:crypto');

/**
 * How a drifted gateway delivers `{event, data}`: through the ack, as the named event (NestJS),
 * both, or as the named event with an ack that carries no body.
 */
const ANSWER_MODES = ['ack', 'nest', 'both', 'emptyAck'];

function createShapes(mode) {
  const drift = mode.drift;
  const ext = mode.extensions;
  const decorate = (key, payload, collide) => (drift ? drift.decorate(key, payload, collide) : payload);
  const time = (key, iso) => (drift ? drift.time(key, iso) : iso);
  let connections = 0;
  let nextNumeric = 100000;

  /** Drift: a field the document does not print here (the chat id) may come flat, nested or not at all. */
  function maybeChat(key, payload, chatId) {
    if (!drift) return payload;
    const how = drift.choose(`${key}.chatId`, ['none', 'flat', 'nested']);
    if (how === 'flat') return { ...payload, chatId };
    if (how === 'nested') return { ...payload, chat: { id: chatId } };
    return payload;
  }

  const messageCollisions = {
    clientMessageId: (r) => (r() < 0.5 ? 42 : { id: 'c-1' }),
    readBy: (r) => (r() < 0.5 ? 'everyone' : 7),
    status: () => ({ code: 1 }),
  };

  function messageView(m, replyTarget, depth) {
    const view = {
      id: m.id,
      chatId: m.chatId,
      senderId: m.senderId,
      text: m.text,
      fileUrl: m.fileUrl,
      replyToId: m.replyToId,
      createdAt: m.createdAt,
      sender: m.sender,
    };
    if (ext) {
      view.clientMessageId = m.clientMessageId;
      view.readBy = m.readBy;
    }
    if (depth === 0) view.replyTo = replyTarget ? messageView(replyTarget, null, 1) : null;
    if (!drift) return view;
    // The Message interface marks text, fileUrl, replyToId and replyTo optional: absent or null.
    if (drift.chance('003.Message.omitNulls', 0.5)) {
      for (const k of ['text', 'fileUrl', 'replyToId', 'replyTo']) if (view[k] === null) delete view[k];
    }
    view.createdAt = time('003.Message.createdAt', view.createdAt);
    if (view.sender) view.sender = decorate('003.Message.sender', view.sender, { name: () => ({ first: 'x' }) });
    return decorate('003.Message', view, messageCollisions);
  }

  return {
    /** Default mode only: `{chatId}` accepted where the document sends a bare chat id. */
    acceptsChatIdObject: ext,
    /** Default mode only: resends dropped by message.clientMessageId, setChatStatus. */
    dedupesByClientMessageId: ext,
    hasSetChatStatus: ext,

    /** A fresh message id: a uuid, or in drift a numeric string or a cuid-like string. */
    newMessageId(exists) {
      if (!drift) return crypto.randomUUID();
      const form = drift.choose('003.Message.id', ['uuid', 'numeric', 'cuid']);
      if (form === 'cuid') return `c${Date.now().toString(36)}${crypto.randomBytes(6).toString('hex')}`;
      if (form === 'uuid') return crypto.randomUUID();
      while (exists(String(nextNumeric))) nextNumeric++;
      return String(nextNumeric++);
    },

    /** How this connection's answers travel (stable per connection). */
    answerMode() {
      if (!drift) return 'ack';
      return drift.choose('003.answer', ANSWER_MODES, `connection-${connections++}`);
    },

    message: (m, replyTarget) => messageView(m, replyTarget, 0),

    joinedChat(chat, messages) {
      const data = { chatId: chat.id, messages };
      if (ext) data.status = chat.status;
      return decorate('003.joinedChat', data, { status: () => 404 });
    },

    participantUpdate(chatId, userId, action) {
      const now = new Date().toISOString();
      return decorate('003.participantUpdate', { chatId, userId, action, timestamp: time('003.participantUpdate', now) });
    },

    userTyping(user, isTyping, chatId) {
      const p = { userId: user.id, email: user.email, isTyping };
      if (ext) return { ...p, chatId };
      return decorate('003.userTyping', maybeChat('003.userTyping', p, chatId));
    },

    messagesMarkedRead(items) {
      return drift ? items.map((i) => decorate('003.messagesMarkedRead.item', i)) : items;
    },

    messagesRead(userId, messageIds, chatId) {
      const p = { userId, messageIds };
      if (ext) return { ...p, chatId };
      return decorate('003.messagesRead', maybeChat('003.messagesRead', p, chatId));
    },

    activeUsers: (chatId, userIds) => decorate('003.activeUsers', { chatId, userIds }),
    chatStatusChanged: (chatId, status) => decorate('003.chatStatusChanged', { chatId, status }),

    /**
     * Delivers a handler's answer. `answer` is `{event, data, silent?}` or null (no answer).
     * Default and seed-only: through the ack when the client asked for one, else emitted (unless
     * `silent`). Drift per connection: `ack` likewise; `nest` emits the event and never acks (what
     * NestJS does with a returned `{event, data}`); `both` emits and acks; `emptyAck` emits and
     * calls the ack with no body.
     */
    deliver(socket, event, answer, ack, how) {
      if (answer === null) {
        // The document defines no answer: only the default mode acks anything here.
        if (ack && ext) ack({ event, data: null });
        return;
      }
      const envelope = { event: answer.event, data: answer.data };
      if (how === 'ack' || !drift) {
        if (ack) ack(envelope);
        else if (!answer.silent) socket.emit(answer.event, answer.data);
        return;
      }
      if (!answer.silent) socket.emit(answer.event, answer.data);
      if (how === 'both' && ack) ack(envelope);
      if (how === 'emptyAck' && ack) ack();
    },
  };
}

module.exports = { createShapes };
