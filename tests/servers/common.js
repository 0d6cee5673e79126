'use strict';
// Shared plumbing of the reference servers: command line, JWT auth, rate limits,
// money in integer cents, persistent state, the READY line and clean shutdown.
// Each server file owns its protocol; nothing protocol-specific lives here.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');
const jwt = require('jsonwebtoken');

/** Secret of the HS256 tokens; the dev default is public on purpose. */
const JWT_SECRET = process.env.PARLOR_JWT_SECRET || 'parlor-dev-secret';

/** Integer from an env var, or the default when unset or not a number. */
function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : fallback;
}

/** Parses `--port P --list-accounts --mint ID --ttl S --state-file F`. */
function parseArgs(argv = process.argv.slice(2)) {
  const args = { port: 0, listAccounts: false, mint: null, ttl: 24 * 3600, stateFile: process.env.PARLOR_STATE_FILE || null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') args.port = Number.parseInt(next(), 10);
    else if (a === '--list-accounts') args.listAccounts = true;
    else if (a === '--mint') args.mint = next();
    else if (a === '--mint-all') args.mintAll = true;
    else if (a === '--ttl') args.ttl = Number.parseInt(next(), 10);
    else if (a === '--state-file') args.stateFile = next();
    else if (a === '--tls-cert') args.tlsCert = next();
    else if (a === '--tls-key') args.tlsKey = next();
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Signs a token for a seeded account: `sub` is its id, `role` and `name` ride along. */
function mintToken(account, ttlSeconds = 24 * 3600) {
  return jwt.sign({ sub: String(account.id), role: account.role, name: account.name }, JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: ttlSeconds,
  });
}

/** Verifies a token: `{ ok: true, claims }` or `{ ok: false, reason: 'missing'|'expired'|'invalid' }`. */
function verifyToken(token) {
  if (!token || typeof token !== 'string') return { ok: false, reason: 'missing' };
  try {
    const claims = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] });
    return { ok: true, claims };
  } catch (e) {
    return { ok: false, reason: e.name === 'TokenExpiredError' ? 'expired' : 'invalid' };
  }
}

/** The token of a socket handshake: `auth.token`, then `?token=`, then an `Authorization: Bearer` header. */
function handshakeToken(handshake) {
  const fromAuth = handshake.auth && handshake.auth.token;
  if (fromAuth) return String(fromAuth);
  const fromQuery = handshake.query && handshake.query.token;
  if (fromQuery) return String(fromQuery);
  return bearer(handshake.headers && handshake.headers.authorization);
}

/** The token of an `Authorization: Bearer x` header, or null. */
function bearer(header) {
  if (!header || typeof header !== 'string') return null;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1] : null;
}

/** Sliding-window limiter: `hit(key)` is true while `key` stays within `limit` per `windowMs`. */
function rateLimiter(limit, windowMs) {
  const hits = new Map();
  return {
    hit(key) {
      const now = Date.now();
      const recent = (hits.get(key) || []).filter((t) => now - t < windowMs);
      if (recent.length >= limit) {
        hits.set(key, recent);
        return false;
      }
      recent.push(now);
      hits.set(key, recent);
      return true;
    },
  };
}

/** "12.5" | 12.5 | "12.50" -> 1250 (integer cents); null when not a non-negative amount. */
function toCents(value) {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || !/^\d+(\.\d{1,2})?$/.test(s.trim())) return null;
  const [whole, frac = ''] = s.trim().split('.');
  return Number.parseInt(whole, 10) * 100 + Number.parseInt((frac + '00').slice(0, 2), 10);
}

/** 1250 -> "12.50". Money leaves the servers as decimal strings, never floats. */
function fmtCents(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * State that survives a restart when a state file is given: `load()` returns the saved
 * object (or `initial()`), `save(obj)` writes it atomically. Tests use it to restart a
 * server in the middle of a consultation.
 */
function persistentState(file, initial) {
  return {
    load() {
      if (file && fs.existsSync(file)) {
        try {
          return JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (e) {
          log(`state file ${file} unreadable (${e.message}); starting fresh`);
        }
      }
      return initial();
    },
    save(obj) {
      if (!file) return;
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(obj));
      fs.renameSync(tmp, file);
    },
  };
}

/** Diagnostic line on stderr when PARLOR_SERVER_LOG is set; stdout is kept for READY and tokens. */
function log(...parts) {
  if (process.env.PARLOR_SERVER_LOG) process.stderr.write(`[${new Date().toISOString()}] ${parts.join(' ')}\n`);
}

/**
 * Handles the non-serving modes: `--help`, `--list-accounts` (JSON on stdout) and `--mint ID`
 * (the token on stdout). Returns true when the process should exit instead of serving.
 */
function handleCliModes(args, { name, usage, accounts }) {
  if (args.help) {
    process.stdout.write(`${name}\n\n${usage}\n\nOptions:\n  --port P          listen on 127.0.0.1:P (0 = any free port)\n  --list-accounts   print the seeded demo accounts as JSON\n  --mint ID         print a token for account ID (or name)\n  --mint-all        print tokens for every account as one JSON object\n  --ttl S           lifetime of a minted token in seconds\n  --state-file F    keep state in F across restarts\n`);
    return true;
  }
  if (args.listAccounts) {
    process.stdout.write(JSON.stringify(accounts.map(publicAccount), null, 2) + '\n');
    return true;
  }
  if (args.mintAll) {
    // One process for thousands of tokens (load tests): {"<id>": "<token>", …}.
    const all = {};
    for (const a of accounts) all[a.id] = mintToken(a, args.ttl);
    process.stdout.write(JSON.stringify(all) + '\n');
    return true;
  }
  if (args.mint) {
    const acc = accounts.find((a) => String(a.id) === args.mint || a.name === args.mint || a.email === args.mint);
    if (!acc) {
      process.stderr.write(`no account ${args.mint}\n`);
      process.exitCode = 2;
      return true;
    }
    process.stdout.write(mintToken(acc, args.ttl) + '\n');
    return true;
  }
  return false;
}

/** An account without internal fields, as `--list-accounts` prints it. */
function publicAccount(a) {
  const { password, ...rest } = a;
  return rest;
}

/**
 * A variant of a server that names some events, or places some fields, differently from its
 * document:
 * - `PARLOR_RENAME_EVENTS='{"newMessage":"message:new"}'` (document's name → this server's);
 * - `PARLOR_MOVE_FIELDS='{"newMessage":{"content":"body.text"}}'` (per document event name: the
 *   document's dotted path → this server's).
 * What it emits goes out under the new names with the fields moved, and what it receives under
 * them is handled as the document's, so one reference server stands for a team that renamed
 * events and moved fields (the client needs only a profile's `[events]` and `[fields]` tables).
 * Answers given by ack are left as they are. Nothing changes without the variables.
 */
function adaptWire(io, env = process.env) {
  if (!env.PARLOR_RENAME_EVENTS && !env.PARLOR_MOVE_FIELDS) return;
  const toServer = JSON.parse(env.PARLOR_RENAME_EVENTS || '{}');
  const moves = JSON.parse(env.PARLOR_MOVE_FIELDS || '{}');
  const fromServer = Object.fromEntries(Object.entries(toServer).map(([d, s]) => [s, d]));
  const { Socket } = require('socket.io');
  // The package exports no BroadcastOperator: its prototype is that of any `to()`.
  const broadcast = Object.getPrototypeOf(io.to('parlor-rename-probe'));
  for (const proto of [Socket.prototype, broadcast]) {
    const emit = proto.emit;
    proto.emit = function adaptedEmit(event, ...args) {
      if (Object.hasOwn(moves, event) && args.length > 0) {
        // A copy: the payload may be the server's own stored record.
        args[0] = moveFields(structuredClone(args[0]), moves[event], 'toServer');
      }
      return emit.call(this, Object.hasOwn(toServer, event) ? toServer[event] : event, ...args);
    };
  }
  io.on('connection', (socket) => {
    socket.use((packet, next) => {
      // The document's name is not this server's: dropped, as a server that never heard it.
      if (Object.hasOwn(toServer, packet[0]) && !Object.hasOwn(fromServer, packet[0])) {
        log('dropped', packet[0], '(renamed on this server)');
        return;
      }
      if (Object.hasOwn(fromServer, packet[0])) packet[0] = fromServer[packet[0]];
      if (Object.hasOwn(moves, packet[0]) && packet.length > 1) {
        packet[1] = moveFields(packet[1], moves[packet[0]], 'toDocument');
      }
      next();
    });
  });
  process.stderr.write(`wire adapted: events ${JSON.stringify(toServer)}, fields ${JSON.stringify(moves)}\n`);
}

/** `payload` with the fields of `table` (document path → server path) moved `way`. */
function moveFields(payload, table, way) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  for (const [documentPath, serverPath] of Object.entries(table)) {
    const [from, to] = way === 'toServer' ? [documentPath, serverPath] : [serverPath, documentPath];
    // This server never reads the document's place: what a client put there is not heard.
    if (way === 'toDocument') takeField(payload, documentPath);
    const moved = takeField(payload, from);
    if (moved === undefined) continue;
    const toKeys = to.split('.');
    const toLast = toKeys.pop();
    let target = payload;
    for (const k of toKeys) {
      if (target[k] === null || typeof target[k] !== 'object') target[k] = {};
      target = target[k];
    }
    target[toLast] = moved.value;
  }
  return payload;
}

/** Removes the field at dotted `path` of `payload`: `{ value }`, or undefined when absent. */
function takeField(payload, path) {
  const keys = path.split('.');
  const last = keys.pop();
  let parent = payload;
  for (const k of keys) parent = parent && typeof parent === 'object' ? parent[k] : undefined;
  if (!parent || typeof parent !== 'object' || !Object.hasOwn(parent, last)) return undefined;
  const value = parent[last];
  delete parent[last];
  return { value };
}

/**
 * Listens on 127.0.0.1, prints `READY <port>` once, and on SIGTERM/SIGINT closes the
 * socket.io server and the HTTP server before exiting 0. `onShutdown` runs first (save state).
 * With a `mode` (modes.js) a non-default mode is announced on stderr right after READY.
 */
function serve(httpServer, io, port, onShutdown, mode) {
  adaptWire(io);
  httpServer.listen(port, '127.0.0.1', () => {
    process.stdout.write(`READY ${httpServer.address().port}\n`);
    if (mode) mode.announce();
  });
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    try {
      if (onShutdown) onShutdown();
    } finally {
      io.close();
      httpServer.close(() => process.exit(0));
      // Keep-alive connections too: a client reconnecting over one would otherwise meet this
      // dying server and be connected to it for an instant (the meter then ran while the test
      // said the server was down).
      httpServer.closeAllConnections();
      setTimeout(() => process.exit(0), 1000).unref();
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return stop;
}

/**
 * A variant of a server that serves some REST paths elsewhere than its document:
 * `PARLOR_MOVE_REST='{"/api/chat":"/v2/chat"}'` (the document's path prefix → this server's,
 * whole segments). A request under the server's prefix is handled as the document's path; one
 * under the document's prefix is 404, so a client must know the move (a profile's
 * `[rest_paths]` table). Nothing changes without the variable.
 */
function adaptRest(handler, env = process.env) {
  if (!env.PARLOR_MOVE_REST) return handler;
  const moves = Object.entries(JSON.parse(env.PARLOR_MOVE_REST));
  const under = (url, prefix) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);
  return (req, res) => {
    for (const [documented, served] of moves) {
      if (under(req.url, served)) {
        req.url = documented + req.url.slice(served.length);
        return handler(req, res);
      }
    }
    if (moves.some(([documented]) => under(req.url, documented))) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, error: 'Not found', code: 'NOT_FOUND' }));
      return undefined;
    }
    return handler(req, res);
  };
}

/**
 * An HTTP server for an express app (or a bare handler); HTTPS when `args` names a TLS
 * certificate and key (`--tls-cert F --tls-key F`), so clients' certificate checks can be tested.
 * `PARLOR_MOVE_REST` moves REST paths (`adaptRest`).
 */
function httpServerFor(app, args = {}) {
  const handler = adaptRest(app);
  if (args.tlsCert && args.tlsKey) {
    return https.createServer({ cert: fs.readFileSync(args.tlsCert), key: fs.readFileSync(args.tlsKey) }, handler);
  }
  return http.createServer(handler);
}

/** Milliseconds, ISO timestamp: one clock for every server. */
function nowIso() {
  return new Date().toISOString();
}

/**
 * The socket.io server's options. `PARLOR_MAX_FRAME_BYTES` lowers the largest message the server
 * takes (socket.io's `maxHttpBufferSize`, 1 MB by default): a larger one closes the connection, as
 * a server with a smaller limit than the client's does.
 */
function ioOptions() {
  const options = { cors: { origin: '*' } };
  if (process.env.PARLOR_MAX_FRAME_BYTES) options.maxHttpBufferSize = envInt('PARLOR_MAX_FRAME_BYTES', 1e6);
  return options;
}

module.exports = {
  JWT_SECRET,
  ioOptions,
  envInt,
  parseArgs,
  mintToken,
  verifyToken,
  handshakeToken,
  bearer,
  rateLimiter,
  toCents,
  fmtCents,
  persistentState,
  log,
  handleCliModes,
  publicAccount,
  serve,
  httpServerFor,
  nowIso,
};
