'use strict';
// Test helpers for the reference servers' self-tests: start a server as a child process
// (as a client would meet it), mint tokens, connect socket.io clients, await events.

const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');

const SERVERS_DIR = path.resolve(__dirname, '..');

/**
 * Starts `file` (e.g. '000_billing_chat.js') on a free port with extra env.
 * Resolves `{ port, url, stop(), restart(), child }` once READY is printed.
 */
async function startServer(file, env = {}, extraArgs = []) {
  const script = path.join(SERVERS_DIR, file);
  const launch = () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, '--port', String(env.__port || 0), ...extraArgs], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buf = '';
      const onData = (d) => {
        buf += d;
        const m = /READY (\d+)/.exec(buf);
        if (m) {
          child.stdout.off('data', onData);
          resolve({ child, port: Number(m[1]) });
        }
      };
      child.stdout.on('data', onData);
      child.on('exit', (code) => reject(new Error(`${file} exited with ${code} before READY`)));
    });
  let { child, port } = await launch();
  const handle = {
    port,
    url: `http://127.0.0.1:${port}`,
    get child() {
      return child;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
    /** Stops and starts again on the same port (state survives only with a state file). */
    async restart() {
      await handle.stop();
      env.__port = port;
      ({ child } = await launch());
    },
  };
  return handle;
}

/** A token for `accountId` minted by the server script itself (`--mint`). */
function mint(file, accountId, ttl) {
  const args = [path.join(SERVERS_DIR, file), '--mint', String(accountId)];
  if (ttl !== undefined) args.push('--ttl', String(ttl));
  return execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();
}

/** Connects a websocket client to `url` (may include a namespace) with `auth`; resolves once connected. */
function connect(url, auth, opts = {}) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}

/** Resolves with the next `event` payload on `socket` (rejects after `ms`). */
function once(socket, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), ms);
    socket.once(event, (...args) => {
      clearTimeout(t);
      resolve(args.length <= 1 ? args[0] : args);
    });
  });
}

/** Resolves true if `event` does NOT arrive within `ms`. */
function never(socket, event, ms = 300) {
  return new Promise((resolve, reject) => {
    const handler = (p) => reject(new Error(`unexpected ${event}: ${JSON.stringify(p)}`));
    socket.once(event, handler);
    setTimeout(() => {
      socket.off(event, handler);
      resolve(true);
    }, ms);
  });
}

/** Emits with an ack and resolves with the answer. */
function request(socket, event, payload, ms = 3000) {
  return socket.timeout(ms).emitWithAck(event, payload);
}

/** fetch with a bearer token and JSON body; resolves `{ status, body }`. */
async function rest(base, method, pathname, token, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(base + pathname, { method, headers, body: payload });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

/** A fresh temp path for a state file. */
function tempStateFile(tag) {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), `parlor-${tag}-`)), 'state.json');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy (resolved with it); rejects with `what` after `ms`. */
async function waitFor(fn, what = 'condition', ms = 5000, every = 25) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/**
 * The modes the documented-behaviour tests run in: seed-only and two drift seeds (override the
 * seeds with PARLOR_TEST_DRIFT_SEEDS="3,99" to explore others).
 */
const DOC_MODES = [
  { name: 'seed-only', env: { PARLOR_SEED_ONLY: '1' } },
  ...String(process.env.PARLOR_TEST_DRIFT_SEEDS || '7,11')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((seed) => ({ name: `drift ${seed}`, env: { PARLOR_DRIFT: seed } })),
];

/** GET `path` of a server's test-only endpoints (/debug/..., /drift) as JSON. */
async function debugGet(url, pathname) {
  const res = await fetch(url + pathname);
  if (res.status !== 200) throw new Error(`GET ${pathname}: ${res.status}`);
  return res.json();
}

/**
 * Runs `body`, and when it fails appends what /drift says (mode, seed, every choice made so
 * far), so a drift failure can be replayed with the same seed.
 */
async function reportingDrift(url, body) {
  try {
    return await body();
  } catch (e) {
    try {
      const d = await debugGet(url, '/drift');
      e.message = `${e.message}\n--- server mode (GET /drift): ${JSON.stringify({ mode: d.mode, seed: d.seed, fixed: d.fixed, recent: (d.recent || []).slice(-30) })}`;
    } catch {
      /* the server may be gone */
    }
    throw e;
  }
}

/**
 * Connects a client that records every event from the first packet (the presence snapshot is
 * sent right after the handshake). `next(event, pred)` takes the oldest unconsumed matching
 * event or waits for one; `clear(event)` forgets what arrived so far.
 */
function connectRecording(url, token) {
  const socket = io(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const entries = [];
  const waiters = new Set();
  socket.onAny((event, payload) => {
    entries.push({ event, payload, used: false });
    for (const w of [...waiters]) w();
  });
  // The promise has `cancel()`: a waiter that lost a race must not consume a later event.
  socket.next = (event, pred = () => true, ms = 3000) => {
    let cancel;
    const promise = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(take);
        reject(new Error(`timed out waiting for ${event}`));
      }, ms);
      function take() {
        const e = entries.find((x) => !x.used && x.event === event && pred(x.payload));
        if (!e) return;
        e.used = true;
        waiters.delete(take);
        clearTimeout(timer);
        resolve(e.payload);
      }
      cancel = () => {
        waiters.delete(take);
        clearTimeout(timer);
      };
      waiters.add(take);
      take();
    });
    promise.cancel = cancel;
    return promise;
  };
  socket.clear = (event) => entries.forEach((e) => e.event === event && (e.used = true));
  /** Every payload of `event` received so far (used or not), optionally filtered. */
  socket.all = (event, pred = () => true) => entries.filter((x) => x.event === event && pred(x.payload)).map((x) => x.payload);
  socket.none = async (event, ms = 300) => {
    await sleep(ms);
    const e = entries.find((x) => !x.used && x.event === event);
    assert.equal(e, undefined, `unexpected ${event}: ${JSON.stringify(e && e.payload)}`);
  };
  socket.ack = (event, payload, ms = 3000) => socket.timeout(ms).emitWithAck(event, payload);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}


module.exports = { startServer, mint, connect, connectRecording, once, never, request, rest, tempStateFile, sleep, waitFor, DOC_MODES, debugGet, reportingDrift, SERVERS_DIR };
