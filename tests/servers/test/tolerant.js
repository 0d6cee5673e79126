'use strict';
// How the documented-behaviour tests read a server: like a client that knows only the document.
// Printed fields are read where the document prints them; what the document leaves open (id
// types, where an unprinted id sits, money as number or string, timestamp forms) is accepted
// in every shape the drift mode produces. Unknown fields are ignored.

/** An id as a string: strings as they are, integers as their decimal form, anything else undefined. */
function idOf(v) {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

/** The value at a dotted path (`'data.roomId'`), or undefined. */
function at(obj, path) {
  let v = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

/** The first id found under `paths` (as a string), or undefined. */
function findId(obj, paths) {
  for (const p of paths) {
    const id = idOf(at(obj, p));
    if (id !== undefined) return id;
  }
  return undefined;
}

/** The raw value (to send back as the server sent it) at the first of `paths` that holds an id. */
function rawId(obj, paths) {
  for (const p of paths) {
    const v = at(obj, p);
    if (idOf(v) !== undefined) return v;
  }
  return undefined;
}

/** Money ("12.50", "12.5", 12.5) as integer cents; NaN when it is not an amount. */
function cents(v) {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !/^-?\d+(\.\d+)?$/.test(s.trim())) return Number.NaN;
  return Math.round(Number(s) * 100);
}

/** A whole count (2 or "2"); NaN otherwise. */
function count(v) {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return Number.isInteger(n) ? n : Number.NaN;
}

/** True for an ISO-8601 timestamp Date can read. */
const isIso = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s));

module.exports = { idOf, at, findId, rawId, cents, count, isIso };
