'use strict';
// The three modes of a reference server (README "Modes"):
//   default    the document plus the README's extensions (what Parlor's suites run against);
//   seed-only  PARLOR_SEED_ONLY=1: only what the document prints, every extension off;
//   drift      PARLOR_DRIFT=<seed>: seed-only, with everything the document leaves open varied
//              by a seeded PRNG (drift.js), as a server written by another team would.
// Plus two test-only HTTP endpoints that are no part of any protocol: GET /drift (the mode and
// the drift choices made so far) and GET /debug/... (what the server stored, to count duplicates).

const { Drift, readPins } = require('./drift');
const { performance } = require('perf_hooks');

/** Reads the mode from the environment; throws on a PARLOR_DRIFT that is not an integer. */
function readMode(env = process.env) {
  const raw = env.PARLOR_DRIFT;
  let seed = null;
  if (raw !== undefined && raw !== '') {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`PARLOR_DRIFT must be an integer seed, got ${JSON.stringify(raw)}`);
    seed = Number.parseInt(raw, 10);
  }
  const seedOnly = env.PARLOR_SEED_ONLY === '1' || seed !== null;
  return { name: seed !== null ? 'drift' : seedOnly ? 'seed-only' : 'default', seedOnly, seed, debug: env.PARLOR_DEBUG === '1' };
}

/**
 * `GET /debug/loop` (test-only, every server): how busy the event loop was since the last ask,
 * 0 to 1 (Node's event-loop utilization). 1 is a server with no time left: `parlor load` plots it
 * beside its own CPU to tell which side limits a run.
 */
function loopUtilization() {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, last);
    last = now;
    return { utilization: since.utilization };
  };
}

/**
 * The mode of server `server` ("000" … "004"): `extensions` (default mode only), `seedOnly`,
 * `drift` (a Drift, or null), and `debugRoutes` the server fills with path -> (query) => body.
 */
function createMode(server, env = process.env) {
  const m = readMode(env);
  const mode = {
    server,
    name: m.name,
    seedOnly: m.seedOnly,
    extensions: !m.seedOnly,
    drift: m.seed !== null ? new Drift(m.seed, server, readPins(env.PARLOR_DRIFT_PIN)) : null,
    debugFlag: m.debug,
    debugRoutes: { '/debug/loop': loopUtilization() },
    describe() {
      const d = { server, mode: mode.name, seedOnly: mode.seedOnly };
      if (mode.drift) Object.assign(d, mode.drift.describe());
      return d;
    },
    /** One stderr line at start, so a failing run's log says which mode and seed it met. */
    announce() {
      if (mode.name === 'default') return;
      const fixed = mode.drift && Object.keys(mode.drift.fixedChoices).length ? ` fixed=${JSON.stringify(mode.drift.fixedChoices)}` : '';
      const seed = mode.drift ? ` seed=${mode.drift.seed}` : '';
      process.stderr.write(`parlor ${server}: mode=${mode.name}${seed}${fixed} (GET /drift lists every choice)\n`);
    },
    /**
     * Answers GET /drift and GET /debug/<route>; returns false for any other request. The debug
     * routes are test-only: served when PARLOR_DEBUG=1 or to a loopback peer (the servers listen
     * on 127.0.0.1 only, so in practice always), 404 otherwise.
     */
    serveTestRoutes(req, res) {
      const url = new URL(req.url || '/', 'http://local');
      if (req.method !== 'GET') return false;
      const send = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/drift') {
        send(200, mode.describe());
        return true;
      }
      const route = Object.hasOwn(mode.debugRoutes, url.pathname) ? mode.debugRoutes[url.pathname] : null;
      if (!route) return false;
      if (!mode.debugFlag && !isLoopback(req.socket && req.socket.remoteAddress)) {
        send(404, { error: 'not found' });
        return true;
      }
      try {
        send(200, route(Object.fromEntries(url.searchParams)));
      } catch (e) {
        send(400, { error: String(e && e.message ? e.message : e) });
      }
      return true;
    },
  };
  return mode;
}

function isLoopback(addr) {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

module.exports = { readMode, createMode };
