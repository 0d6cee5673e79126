'use strict';
// Every payload 001_presence_sessions.js sends, in the active mode (README "001 presence,
// sessions, Agora" and "Modes"). Document 001 prints request bodies and event names but no
// response body and no event payload at all: the default shapes are the README's choices, and
// drift varies exactly those (wrappers, `_id`/`id`, nesting, id types, acks).

const crypto = require('node:crypto');
const { fmtCents } = require('../common');

function createShapes(mode) {
  const drift = mode.drift;
  const ext = mode.extensions;
  const decorate = (key, payload, collide) => (drift ? drift.decorate(key, payload, collide) : payload);
  const money = (key, cents) => (drift ? drift.money(key, cents) : fmtCents(cents));
  const time = (key, iso) => (drift && iso ? drift.time(key, iso) : iso);
  const count = (key, n) => (drift ? drift.count(key, n) : n);
  const wrong = {
    clientId: (r) => (r() < 0.5 ? 12345 : { id: 'c' }),
    balance: () => ({ coins: 5 }),
    busy: () => 'sometimes',
    isOnline: () => 'yes',
    currentSessionId: () => ({ _id: 1 }),
    coinsDeducted: () => [],
    endReason: () => 4,
    endedBy: () => ({ role: 'x' }),
    expiresAt: () => 1700000000,
    senderName: () => ({ first: 'A' }),
  };
  const pick = (...names) => Object.fromEntries(names.map((n) => [n, wrong[n]]));
  let nextNumeric = 1;

  /** A fresh id (a string inside) and the form it takes on the wire: ObjectId hex, number, numeric string. */
  function newId(kind, exists) {
    const form = drift ? drift.choose(`001.${kind}.idForm`, ['objectid', 'number', 'numeric-string']) : 'objectid';
    if (form === 'objectid') {
      const secs = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
      return { id: secs + crypto.randomBytes(8).toString('hex'), idForm: form };
    }
    while (exists(String(nextNumeric))) nextNumeric++;
    return { id: String(nextNumeric++), idForm: form };
  }
  const wire = (id, idForm) => (idForm === 'number' ? Number(id) : id);

  /** Drift: an entity's id under `_id`, `id`, or both. */
  function idKeys(key, obj, id) {
    const how = drift ? drift.choose(`${key}.idKey`, ['_id', 'id', 'both']) : '_id';
    const out = { ...obj };
    if (how !== 'id') out._id = id;
    if (how !== '_id') out.id = id;
    return out;
  }

  function sessionBody(s, view) {
    if (!drift) return view;
    const v = { ...view };
    delete v._id;
    for (const k of ['createdAt', 'acceptedAt', 'endedAt']) v[k] = time(`001.session.${k}`, v[k]);
    v.ratePerMinute = money('001.session.ratePerMinute', s.rateCents);
    v.coinsDeducted = money('001.session.coinsDeducted', s.coinsCents);
    v.duration = count('001.session.duration', s.duration);
    return decorate('001.session', idKeys('001.session', v, wire(s._id, s.idForm)), pick('clientId', 'balance', 'busy'));
  }

  function astrologerItem(view) {
    if (!drift) return view;
    const how = drift.choose('001.astrologer.idKey', ['id', '_id', 'clerkId']);
    const { id, ...rest } = view;
    const v = { [how]: id, ...rest };
    v.lastSeen = time('001.astrologer.lastSeen', v.lastSeen);
    return decorate('001.astrologer', v, pick('balance', 'clientId'));
  }

  return {
    newSessionId: (exists) => newId('session', exists),
    newMessageId: (exists) => newId('message', exists),
    /** Drift ids may be numbers, so a client may send them back as numbers. */
    idArg(v) {
      if (typeof v === 'string' && v.trim() !== '') return v;
      if (drift && Number.isSafeInteger(v) && v >= 0) return String(v);
      return null;
    },
    /** Default mode only: acks on every socket event, a presence snapshot on connect, session:ended, clientId dedupe and echo. */
    acks: ext,
    connectSnapshot: ext,
    sessionEndedEvent: ext,
    dedupesByClientId: ext,

    /** Where message:receive goes: the session room plus the sender (default), the room (seed-only), or the room without the sender (drift, per connection). */
    echoMode(connectionTag) {
      if (ext) return 'room+sender';
      return drift ? drift.choose('001.message:receive.echo', ['room', 'others'], connectionTag) : 'room';
    },

    /** Answers an undocumented ack: default mode `body`, seed-only never, drift any of never / empty / a body of its own. */
    ack(event, ack, defaultBody, ownBody) {
      if (typeof ack !== 'function') return;
      if (ext) return ack(defaultBody);
      if (drift) drift.ack(`001.${event}`, ack, ownBody === undefined ? drift.choose(`001.${event}.ackBody`, [{ ok: true }, { success: true }, 'ok']) : ownBody);
    },

    // --- REST ----------------------------------------------------------------------------------

    /** `{success:true, session}` (+ `balance` for the user); drift: `session` or `data`, `_id`/`id`, forms. */
    sessionAnswer(s, view, balanceCents) {
      if (!drift) return balanceCents === undefined ? { success: true, session: view } : { success: true, session: view, balance: fmtCents(balanceCents) };
      const wrapper = drift.choose('001.rest.session.wrapper', ['session', 'data']);
      const out = { success: true, [wrapper]: sessionBody(s, view) };
      if (balanceCents !== undefined) out.balance = money('001.rest.balance', balanceCents);
      return decorate('001.rest.session', out);
    },

    astrologerAnswer(view) {
      if (!drift) return { success: true, astrologer: view };
      const wrapper = drift.choose('001.rest.astrologer.wrapper', ['astrologer', 'data']);
      return decorate('001.rest.astrologer', { success: true, [wrapper]: astrologerItem(view) });
    },

    onlineAnswer(list) {
      if (!drift) return { success: true, astrologers: list };
      const wrapper = drift.choose('001.rest.online.wrapper', ['astrologers', 'data']);
      return decorate('001.rest.online', { success: true, [wrapper]: list.map(astrologerItem) });
    },

    tokenAnswer(body) {
      if (!drift) return body;
      return decorate('001.rest.agora', { ...body, expiresAt: time('001.rest.agora.expiresAt', body.expiresAt) });
    },

    /** A REST error: `{success:false, error, code}`; drift also `{success:false, message, code}` or `{error:{code, message}}`. */
    restError(code, message) {
      if (!drift) return { success: false, error: message, code };
      const shape = drift.choose('001.rest.error', ['error', 'message', 'nested']);
      if (shape === 'message') return decorate('001.rest.error', { success: false, message, code });
      if (shape === 'nested') return decorate('001.rest.error', { error: { code, message } });
      return decorate('001.rest.error', { success: false, error: message, code });
    },

    // --- socket events ---------------------------------------------------------------------------

    onlineList(list) {
      if (!drift) return list;
      const items = list.map(astrologerItem);
      return drift.choose('001.presence:online-list.shape', ['array', 'object']) === 'array' ? items : decorate('001.presence:online-list', { astrologers: items });
    },

    /** session:request to the astrologer. */
    sessionRequest(s) {
      const flat = { sessionId: wire(s._id, s.idForm), userId: s.userId, userName: s.userName, sessionType: s.sessionType, ratePerMinute: fmtCents(s.rateCents), createdAt: s.createdAt };
      if (!drift) return flat;
      flat.ratePerMinute = money('001.session:request.ratePerMinute', s.rateCents);
      flat.createdAt = time('001.session:request.createdAt', s.createdAt);
      const shape = drift.choose('001.session:request.shape', ['flat', 'nested', 'document', 'data']);
      let p = flat;
      if (shape === 'nested') {
        p = { session: idKeys('001.session:request.session', { sessionType: s.sessionType, ratePerMinute: flat.ratePerMinute, createdAt: flat.createdAt }, flat.sessionId), user: { id: s.userId, name: s.userName } };
      }
      if (shape === 'document') p = idKeys('001.session:request.document', { userId: s.userId, userName: s.userName, astrologerId: s.astrologerId, sessionType: s.sessionType, ratePerMinute: flat.ratePerMinute, status: s.status, createdAt: flat.createdAt }, flat.sessionId);
      if (shape === 'data') p = { data: decorate('001.session:request.data', flat) };
      return decorate('001.session:request', p, pick('clientId', 'expiresAt'));
    },

    /** session:accepted to the user. */
    sessionAccepted(s, view) {
      const flat = { sessionId: wire(s._id, s.idForm), astrologerId: s.astrologerId, acceptedAt: s.acceptedAt, sessionType: s.sessionType, channelName: s.channelName };
      if (!drift) return flat;
      flat.acceptedAt = time('001.session:accepted.acceptedAt', s.acceptedAt);
      const shape = drift.choose('001.session:accepted.shape', ['flat', 'nested', 'document', 'data']);
      let p = flat;
      if (shape === 'nested') p = { session: sessionBody(s, view) };
      if (shape === 'document') p = sessionBody(s, view);
      if (shape === 'data') p = { data: decorate('001.session:accepted.data', flat) };
      return decorate('001.session:accepted', p, pick('balance', 'busy'));
    },

    sessionEnded(s, endedBy, endReason) {
      return { sessionId: s._id, endedBy, endReason, duration: s.duration, coinsDeducted: fmtCents(s.coinsCents) };
    },

    /** message:receive (and the default ack's `message`). */
    message(m, s) {
      const flat = { _id: wire(m._id, m.idForm), sessionId: wire(s._id, s.idForm), senderId: m.senderId, senderName: m.senderName, text: m.text, createdAt: m.createdAt };
      if (ext) return { ...flat, _id: m._id, sessionId: m.sessionId, clientId: m.clientId };
      if (!drift) return flat;
      flat.createdAt = time('001.message.createdAt', m.createdAt);
      const shape = drift.choose('001.message:receive.shape', ['flat', 'id', 'sender', 'data']);
      let p = flat;
      if (shape === 'id') p = idKeys('001.message', (({ _id, ...rest }) => rest)(flat), flat._id);
      if (shape === 'sender') p = { _id: flat._id, sessionId: flat.sessionId, sender: { id: m.senderId, name: m.senderName }, text: m.text, createdAt: flat.createdAt };
      if (shape === 'data') p = { data: decorate('001.message.data', flat) };
      return decorate('001.message:receive', p, pick('clientId', 'senderName'));
    },

    messageError(code, message, sessionId, clientId) {
      if (ext) return { code, message, sessionId, clientId };
      if (!drift) return { code, message, sessionId };
      const shape = drift.choose('001.message:error.shape', ['flat', 'nested']);
      const p = shape === 'flat' ? { code, message, sessionId } : { error: { code, message }, sessionId };
      return decorate('001.message:error', p, pick('clientId'));
    },
  };
}

module.exports = { createShapes };
