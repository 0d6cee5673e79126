'use strict';
// Every payload 002_tarot_chat.js sends, in the active mode (README "002 SAMIA tarot chat" and
// "Modes"). The server builds the default (document + extensions) view; this module trims it
// to the fields the document prints (seed-only) and varies what the document leaves open (drift).

/** Fields the document prints, per shape (seed-only keeps only these). */
const DOC_FIELDS = {
  listMessage: ['id', 'session_id', 'sender_id', 'content', 'type', 'file_url', 'file_name', 'is_read', 'created_at', 'profiles', 'message_reactions'],
  postMessage: ['id', 'session_id', 'sender_id', 'content', 'type', 'created_at', 'profiles'],
  voiceMessage: ['id', 'session_id', 'sender_id', 'content', 'type', 'file_url', 'file_name', 'file_size', 'metadata', 'created_at', 'profiles'],
  sessionSummary: ['id', 'booking_id', 'session_type', 'status', 'participants', 'last_message_at', 'unread_count', 'bookings'],
  sessionDetail: ['id', 'booking_id', 'session_type', 'status', 'participants', 'participant_profiles', 'metadata', 'created_at', 'bookings'],
  sessionCreated: ['id', 'booking_id', 'session_type', 'status', 'participants', 'created_at'],
  // new_message prints {id, content, type, sender, timestamp}; its usage reads file_url, and a
  // client in two sessions needs session_id (a gap the README fills).
  socketMessage: ['id', 'session_id', 'content', 'type', 'sender', 'timestamp', 'file_url'],
};
/** The error codes the document lists; seed-only maps the others to VALIDATION_ERROR. */
const DOC_CODES = new Set(['AUTHENTICATION_REQUIRED', 'CHAT_ACCESS_DENIED', 'SESSION_NOT_FOUND', 'VALIDATION_ERROR', 'FILE_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE', 'RATE_LIMIT_EXCEEDED', 'SESSION_INACTIVE']);
const TIME_FIELDS = ['created_at', 'last_message_at', 'timestamp', 'read_at', 'ended_at'];

function createShapes(mode) {
  const drift = mode.drift;
  const ext = mode.extensions;
  const decorate = (key, payload, collide) => (drift ? drift.decorate(key, payload, collide) : payload);
  const only = (obj, fields) => Object.fromEntries(fields.filter((f) => Object.hasOwn(obj, f)).map((f) => [f, obj[f]]));
  const wrong = {
    reactions: (r) => (r() < 0.5 ? [{ emoji: '❤️', count: 'many' }] : 'lots'),
    action: () => 3,
    reply_to: () => ({ id: 5 }),
    metadata: () => 'none',
    file_name: () => 5,
    client_id: () => 77,
    timestamp: () => 1700000000,
    avatar: () => ({ url: 1 }),
    read_at: () => true,
  };
  const pick = (...names) => Object.fromEntries(names.map((n) => [n, wrong[n]]));

  /** Drift: timestamps of a view in other ISO-8601 forms. */
  function times(key, view) {
    if (!drift) return view;
    const out = { ...view };
    for (const f of TIME_FIELDS) if (typeof out[f] === 'string') out[f] = drift.time(`${key}.${f}`, out[f]);
    return out;
  }

  /** Seed-only trims to the document's fields; drift then varies times and adds fields. */
  function view(kind, full, collide) {
    if (ext) return full;
    const v = only(full, DOC_FIELDS[kind]);
    return drift ? decorate(`002.${kind}`, times(`002.${kind}`, v), collide) : v;
  }

  /** Drift: ids the document does not print (who, which session) flat, nested or absent. */
  function people(key, base, ids) {
    if (!drift) return { ...base, ...ids };
    const out = { ...base };
    if (ids.user_id !== undefined) {
      const how = drift.choose(`${key}.user`, ['flat', 'user.id', 'user._id']);
      if (how === 'flat') out.user_id = ids.user_id;
      else out.user = { [how === 'user.id' ? 'id' : '_id']: ids.user_id, name: base.user_name };
    }
    if (ids.session_id !== undefined) {
      const how = drift.choose(`${key}.session`, ['flat', 'nested', 'none']);
      if (how === 'flat') out.session_id = ids.session_id;
      if (how === 'nested') out.session = { id: ids.session_id };
    }
    return out;
  }

  return {
    /** Default mode only: leave_chat, typing payloads naming a session, reaction toggles and totals, message_read, client ids. */
    hasLeaveChat: ext,
    typingTakesSession: ext,
    reactionToggles: ext,
    messageReadEvent: ext,
    restClientIds: ext,
    replies: ext,
    statusAll: ext,
    /**
     * How a socket message that names no stored message is stored: under the client's id
     * (default, and drift "client"), or under a server-made id (seed-only, and drift "server").
     */
    keepsClientId: ext || (drift ? drift.fixed('002.send_message.id', ['server', 'client']) === 'client' : false),

    code: (c) => (ext || DOC_CODES.has(c) ? c : 'VALIDATION_ERROR'),
    errorBody(body) {
      return drift ? decorate('002.error', body) : body;
    },

    authenticated(user) {
      const u = { id: user.id, name: user.name, role: user.role, avatar: user.avatar_url };
      if (!drift) return { user: u };
      const how = drift.choose('002.authenticated.idKey', ['id', '_id', 'both']);
      const du = { ...u };
      if (how === '_id') {
        delete du.id;
        du._id = user.id;
      } else if (how === 'both') du._id = user.id;
      return decorate('002.authenticated', { user: decorate('002.authenticated.user', du, pick('avatar')) });
    },

    authError(message) {
      return ext ? { message, code: 'AUTHENTICATION_REQUIRED' } : decorate('002.auth_error', { message });
    },

    chatJoined: (sessionId) => decorate('002.chat_joined', { session_id: sessionId }),

    presence(event, sessionId, user) {
      const p = people(`002.${event}`, { user_name: user.name }, { user_id: user.id, session_id: sessionId });
      return decorate(`002.${event}`, p, pick('timestamp'));
    },

    messageSent(messageId, sessionId) {
      if (ext) return { message_id: messageId, session_id: sessionId };
      if (!drift) return { message_id: messageId };
      return decorate('002.message_sent', people('002.message_sent', { message_id: messageId }, { session_id: sessionId }), pick('client_id'));
    },

    newMessage(full) {
      if (ext) return full;
      let v = only(full, DOC_FIELDS.socketMessage);
      if (!drift) return v;
      const { session_id: sessionId, ...rest } = v;
      v = people('002.new_message', times('002.new_message', rest), { session_id: sessionId });
      v.sender = decorate('002.new_message.sender', v.sender, pick('avatar'));
      return decorate('002.new_message', v, pick('reply_to', 'metadata', 'file_name', 'client_id'));
    },

    typing(sessionId, user, isTyping) {
      const p = people('002.user_typing', { user_name: user.name, is_typing: isTyping }, { user_id: user.id, session_id: sessionId });
      return decorate('002.user_typing', p);
    },

    reaction(full) {
      if (ext) return full;
      const base = { user_name: full.user_name, reaction: full.reaction };
      let p;
      if (!drift) p = { message_id: full.message_id, session_id: full.session_id, user_id: full.user_id, ...base };
      else {
        p = people('002.message_reaction_update', base, { user_id: full.user_id, session_id: full.session_id });
        if (drift.choose('002.message_reaction_update.message', ['flat', 'nested']) === 'flat') p.message_id = full.message_id;
        else p.message = { id: full.message_id };
      }
      return decorate('002.message_reaction_update', p, pick('reactions', 'action'));
    },

    listMessage: (full) => view('listMessage', full),
    postMessage: (full) => view('postMessage', full),
    voiceMessage: (full) => view('voiceMessage', full),
    sessionSummary: (full) => view('sessionSummary', full),
    sessionDetail: (full) => view('sessionDetail', full),
    sessionCreated: (full) => view('sessionCreated', full),
    /** A REST answer's envelope (`{success, data, message}`), decorated in drift. */
    envelope: (key, body) => decorate(`002.rest.${key}`, body),
    readAnswer(messageId, readAt) {
      const body = { success: true, message: 'Message marked as read' };
      return ext ? { ...body, data: { message_id: messageId, read_at: readAt } } : decorate('002.rest.read', body);
    },
  };
}

module.exports = { createShapes };
