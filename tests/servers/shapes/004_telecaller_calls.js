'use strict';
// The payloads and acks of 004_telecaller_calls.js per mode (README "004 telecaller calls" and
// "Modes"). Every payload the document prints keeps its fields; seed-only drops the extensions
// (acks, `effective`, call:ended's summary), drift adds fields and varies the acks.

function createShapes(mode) {
  const drift = mode.drift;
  const ext = mode.extensions;
  const wrong = {
    coins: () => 'lots',
    duration: () => ({ seconds: 1 }),
    endedBy: () => 1,
    about: () => ['x'],
    language: () => 42,
  };

  return {
    /** Payload of `event` as sent (decorated in drift; call:ended trimmed to `{callId}` outside the default mode). */
    payload(event, p) {
      let out = p;
      if (!ext && event === 'call:ended') out = { callId: p.callId };
      if (!drift || out === null || typeof out !== 'object') return out;
      const nested = {};
      for (const k of ['telecaller', 'caller', 'livekit']) {
        if (out[k] && typeof out[k] === 'object') nested[k] = drift.decorate(`004.${event}.${k}`, out[k], k === 'telecaller' ? { about: wrong.about, language: wrong.language } : {});
      }
      return drift.decorate(`004.${event}`, { ...out, ...nested }, { coins: wrong.coins, duration: wrong.duration, endedBy: wrong.endedBy });
    },

    /** The ack of a client event: the default body, never (seed-only), or drift's none / empty / own body. */
    ack(event, ack, body) {
      if (typeof ack !== 'function') return;
      if (ext) return ack(body);
      if (drift) drift.ack(`004.${event}`, ack, drift.decorate(`004.${event}.ack`, body.success ? { success: true, callId: body.callId } : { success: false, message: body.message }));
    },
  };
}

module.exports = { createShapes };
