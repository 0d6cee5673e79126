'use strict';
// Drift: the reference servers as another team would have written them from the same document.
// Everything the document leaves open (extra fields, id types and nesting, ack or event, money as
// number or string, timestamp forms) is chosen by a small seeded PRNG, so one seed always gives
// the same choices for the same sequence of events, and a failing test can print them (GET /drift).
//
// Every decision has a key (e.g. "000.chat-timer.money"). `choose(key, options)` varies per call:
// the n-th call of a key draws from hash(seed, key, n). `choose(key, options, scope)` is stable
// for that scope (a connection, a room, the whole run).

const MAX_LOG = 400;

/** FNV-1a, 32 bit: turns a seed string into a PRNG state. */
function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny, good-enough PRNG; returns floats in [0, 1). */
function mulberry32(state) {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Names of extra fields: the kind of debris real servers leave on their payloads. */
const EXTRA_NAMES = [
  'meta', 'trace_id', 'traceId', '_v', '__v', 'version', 'flags', 'extra', 'debug', 'ts', 'server', 'links', 'tags',
  'ctx', 'region', 'requestId', 'hint', 'opts', 'rev', 'notes', 'x-cache', 'ÿnïcødé', '', 'data_v2', 'kind', 'origin',
];
const WORDS = ['alpha', 'tarot', 'moon', 'ledger', 'queue', 'shard', 'pulse', 'ember', 'atlas', 'quill'];

/** A random JSON value of any type, nested at most `depth` levels. */
function anyJson(r, depth = 2) {
  const kinds = depth > 0 ? 9 : 7;
  switch (Math.floor(r() * kinds)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 2000) - 1000;
    case 3:
      return [0.5, -0.25, 1e21, 9007199254740993, 3.14159][Math.floor(r() * 5)];
    case 4:
      return '';
    case 5:
      return WORDS[Math.floor(r() * WORDS.length)] + (r() < 0.3 ? ' ✨ 🔮' : '');
    case 6:
      return String(Math.floor(r() * 100000));
    case 7: {
      const n = Math.floor(r() * 4);
      return Array.from({ length: n }, () => anyJson(r, depth - 1));
    }
    default: {
      const o = {};
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) o[WORDS[Math.floor(r() * WORDS.length)]] = anyJson(r, depth - 1);
      return o;
    }
  }
}

/** ISO-8601 renderings of one instant: all parse to the same time. */
function isoForms(ms) {
  const d = new Date(ms);
  const z = d.toISOString(); // 2024-12-01T10:00:00.000Z
  const pad = (n) => String(n).padStart(2, '0');
  const shifted = (offsetMin) => {
    const s = new Date(ms + offsetMin * 60000).toISOString().slice(0, 23);
    const sign = offsetMin >= 0 ? '+' : '-';
    const a = Math.abs(offsetMin);
    return `${s}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  };
  return [
    z,
    `${z.slice(0, 19)}Z`,
    `${z.slice(0, 23)}+00:00`,
    shifted(330),
    `${z.slice(0, 23)}000Z`, // microseconds
    shifted(-300),
  ];
}

class Drift {
  /** `server` names the document (e.g. "000"); `seed` is PARLOR_DRIFT. */
  constructor(seed, server, pins = {}) {
    this.seed = seed;
    this.server = server;
    /** Decision key -> the choice's label every use takes (PARLOR_DRIFT_PIN), for a test that
     * needs one shape every time. */
    this.pins = pins;
    this.counters = new Map();
    this.fixedChoices = {};
    this.log = [];
    this.tally = {};
  }

  /** A PRNG for one decision: per call of `key`, or stable for (`key`, `scope`). */
  rng(key, scope) {
    let tag;
    if (scope === undefined) {
      const n = this.counters.get(key) || 0;
      this.counters.set(key, n + 1);
      tag = `#${n}`;
    } else tag = `@${scope}`;
    return { r: mulberry32(fnv1a(`${this.seed}|${this.server}|${key}|${tag}`)), tag };
  }

  /** Picks one of `options` and records the choice. */
  choose(key, options, scope) {
    const { r, tag } = this.rng(key, scope);
    const pinned = Object.hasOwn(this.pins, key) ? options.find((o) => String(o) === this.pins[key]) : undefined;
    const choice = pinned !== undefined ? pinned : options[Math.floor(r() * options.length)];
    this.record(key, tag, choice, scope === 'run');
    return choice;
  }

  /** A choice stable for the whole run. */
  fixed(key, options) {
    return this.choose(key, options, 'run');
  }

  /** True with probability `p` (recorded like a choice). */
  chance(key, p, scope) {
    const { r, tag } = this.rng(key, scope);
    const yes = r() < p;
    this.record(key, tag, yes, scope === 'run');
    return yes;
  }

  record(key, tag, choice, fixed) {
    const label = typeof choice === 'string' || typeof choice === 'boolean' || typeof choice === 'number' ? choice : JSON.stringify(choice);
    if (fixed) this.fixedChoices[key] = label;
    this.log.push({ key, at: tag, choice: label });
    if (this.log.length > MAX_LOG) this.log.shift();
    const t = (this.tally[key] = this.tally[key] || {});
    t[String(label)] = (t[String(label)] || 0) + 1;
  }

  /**
   * `payload` plus 1–3 random fields of any JSON type, and sometimes `collide` fields: names a
   * client may read as optional extensions, with shapes it must not trust. Never overwrites a
   * field the payload already has (a documented field keeps its documented meaning).
   */
  decorate(key, payload, collide = {}) {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
    const { r, tag } = this.rng(`${key}.extras`);
    const out = { ...payload };
    const added = [];
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      let name = EXTRA_NAMES[Math.floor(r() * EXTRA_NAMES.length)];
      if (r() < 0.3) name = `${name}_${WORDS[Math.floor(r() * WORDS.length)]}`;
      if (Object.hasOwn(out, name)) continue;
      out[name] = anyJson(r);
      added.push(name);
    }
    for (const [name, value] of Object.entries(collide)) {
      if (Object.hasOwn(out, name) || r() < 0.4) continue;
      out[name] = typeof value === 'function' ? value(r) : value;
      added.push(name);
    }
    this.record(`${key}.extras`, tag, added.join(','), false);
    return out;
  }

  /** Money from integer cents: "12.50", 12.5 or "12.5" (the document's strings of numbers, or not). */
  money(key, cents) {
    const style = this.choose(`${key}.money`, ['string', 'number', 'short']);
    const s = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
    if (style === 'string') return s;
    if (style === 'number') return cents / 100;
    return String(cents / 100);
  }

  /** A whole count (minutes, seconds): a number or a numeric string. */
  count(key, n) {
    return this.choose(`${key}.count`, ['number', 'string']) === 'number' ? n : String(n);
  }

  /** An ISO-8601 timestamp (ms or ISO string in) in one of several valid forms. */
  time(key, when) {
    const ms = typeof when === 'number' ? when : Date.parse(when);
    if (!Number.isFinite(ms)) return when;
    const forms = isoForms(ms);
    // One form for the whole run, as a real server has one way of writing times: a stream that
    // mixes second and millisecond precision would reorder messages of the same second, which
    // no document allows.
    const i = this.choose('time.form', forms.map((_, k) => k), 'run');
    return forms[i];
  }

  /**
   * Answers an undocumented ack: never (the plain server), with no body, or with `body` (a body
   * of its own). Returns what it did.
   */
  ack(key, ack, body) {
    if (typeof ack !== 'function') return 'no-ack-asked';
    const how = this.choose(`${key}.ack`, ['none', 'empty', 'body']);
    if (how === 'empty') ack();
    else if (how === 'body') ack(body);
    return how;
  }

  /** What /drift answers. */
  describe() {
    return { seed: this.seed, server: this.server, fixed: this.fixedChoices, tally: this.tally, recent: this.log.slice(-100) };
  }
}

/**
 * Reads PARLOR_DRIFT_PIN (`key=choice,key=choice`, e.g. `003.answer=both`): decisions a test fixes.
 * Throws on an entry without `=`.
 */
function readPins(raw) {
  const pins = {};
  for (const entry of (raw || '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new Error(`PARLOR_DRIFT_PIN entries are key=choice, got ${JSON.stringify(entry)}`);
    pins[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return pins;
}

module.exports = { Drift, readPins, anyJson, isoForms, fnv1a, mulberry32 };
