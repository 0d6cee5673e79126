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
  socket.next = (event, pred = () => true, ms = 3000) =>
    new Promise((resolve, reject) => {
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
      waiters.add(take);
      take();
    });
  socket.clear = (event) => entries.forEach((e) => e.event === event && (e.used = true));
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


module.exports = { startServer, mint, connect, connectRecording, once, never, request, rest, tempStateFile, sleep, SERVERS_DIR };
