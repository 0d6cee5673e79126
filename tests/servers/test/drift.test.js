'use strict';
// The drift engine's own rules: the same seed makes the same choices, and a pinned decision
// (PARLOR_DRIFT_PIN, for a test that needs one shape every time) always takes its choice.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Drift, readPins } = require('../drift');
const { createMode } = require('../modes');

const ANSWERS = ['ack', 'nest', 'both', 'emptyAck'];

test('the same seed draws the same choices', () => {
  const a = new Drift(7, '003');
  const b = new Drift(7, '003');
  const draws = (d) => Array.from({ length: 20 }, (_, i) => d.choose('003.answer', ANSWERS, `c-${i}`));
  assert.deepEqual(draws(a), draws(b));
  assert.ok(new Set(draws(a)).size > 1, 'an unpinned decision varies');
});

test('a pinned decision takes its choice every time, and others still vary', () => {
  const d = new Drift(7, '003', readPins('003.answer=both, 003.other=x'));
  for (let i = 0; i < 20; i++) assert.equal(d.choose('003.answer', ANSWERS, `c-${i}`), 'both');
  assert.equal(d.tally['003.answer'].both, 20, 'recorded like any choice');
  const free = Array.from({ length: 20 }, (_, i) => d.choose('003.free', ANSWERS, `c-${i}`));
  assert.ok(new Set(free).size > 1);
});

test('a pin that names no option leaves the draw alone', () => {
  const pinned = new Drift(7, '003', readPins('003.answer=never'));
  const plain = new Drift(7, '003');
  assert.equal(pinned.choose('003.answer', ANSWERS, 'c-1'), plain.choose('003.answer', ANSWERS, 'c-1'));
});

test('PARLOR_DRIFT_PIN reaches the mode, and a malformed one is refused in words', () => {
  const mode = createMode('003', { PARLOR_DRIFT: '5', PARLOR_DRIFT_PIN: '003.answer=nest' });
  assert.equal(mode.drift.choose('003.answer', ANSWERS, 'c-1'), 'nest');
  assert.throws(() => readPins('003.answer'), /key=choice/);
  assert.deepEqual(readPins(''), {});
});
