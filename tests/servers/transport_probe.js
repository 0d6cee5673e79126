'use strict';
// A socket.io 4 server with no protocol of its own: it exists to provoke every rust_socketio
// defect listed in shared/recipes.md so the core's transport layer can prove it is immune,
// and to serve as the echo peer of `parlor bench`.
//
// Tokens: "valid" or "valid-<anything>" are accepted; anything else gets a connect_error
// "Invalid or expired token". The token each connection used is remembered (see `whoami`).

const { Server } = require('socket.io');
const { parseArgs, serve, httpServerFor, log } = require('./common');

/** socket.io passes the ack as the last argument, whatever the number of payload arguments. */
function ackOf(args) {
  const last = args[args.length - 1];
  return typeof last === 'function' ? last : null;
}

const USAGE = 'Transport probe: echo, acks, floods, big frames and kicks for transport tests and benchmarks.';

function main() {
  const args = parseArgs();
  if (args.help) {
    process.stdout.write(`${USAGE}\n  --port P\n`);
    return;
  }
  // `stats` is read by `GET /stats` (handshakes tried, refused, connections accepted, flood
  // events sent), so tests can see from the server's side what a client did, even one that
  // never connected, and how much a flood really sent.
  const stats = { connections: 0, handshakes: 0, refused: 0, sink: 0, floodSent: 0, tokens: [] };
  const httpServer = httpServerFor((req, res) => {
    const routes = {
      '/health': { ok: true },
      '/stats': { connections: stats.connections, handshakes: stats.handshakes, refused: stats.refused, floodSent: stats.floodSent },
    };
    const body = routes[req.url];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body || { error: 'not found' }));
  }, args);
  const io = new Server(httpServer, { maxHttpBufferSize: 16 * 1024 * 1024 });

  io.use((socket, next) => {
    stats.handshakes += 1;
    const token = socket.handshake.auth && socket.handshake.auth.token;
    if (typeof token === 'string' && (token === 'valid' || token.startsWith('valid-'))) return next();
    stats.refused += 1;
    next(new Error('Invalid or expired token'));
  });

  io.on('connection', (socket) => {
    stats.connections += 1;
    stats.tokens.push(socket.handshake.auth.token);
    log('connection', socket.id, socket.handshake.auth.token);

    // Answers through the ack when one is asked for, else as an `echo` event.
    // `{delayMs}` in an object payload delays the answer (slow server).
    socket.on('echo', (payload, ack) => {
      const delay = payload && typeof payload === 'object' && Number.isFinite(payload.delayMs) ? payload.delayMs : 0;
      const answer = () => (typeof ack === 'function' ? ack(payload) : socket.emit('echo', payload));
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });

    // Counts one-way messages for throughput runs; `sink-count` reads and resets the count.
    socket.on('sink', () => {
      stats.sink += 1;
    });
    socket.on('sink-count', (...args) => {
      const ack = ackOf(args);
      if (ack) ack({ count: stats.sink });
      stats.sink = 0;
    });

    // A request whose ack never comes.
    socket.on('no-ack', () => {});

    // A server message of `bytes` characters (the >8 KB polling defect).
    socket.on('big', (payload, ack) => {
      const n = payload && Number.isFinite(payload.bytes) ? Math.min(payload.bytes, 8 * 1024 * 1024) : 65536;
      const body = { data: 'x'.repeat(n), bytes: n };
      if (typeof ack === 'function') ack(body);
      else socket.emit('big', body);
    });

    // The server asks the client for an ack; rust_socketio cannot answer, so the server
    // times out and reports the outcome as an ordinary event.
    socket.on('ask-client-ack', (payload) => {
      socket.timeout(300).emit('server-asks', { question: payload ?? null }, (err) => {
        socket.emit('server-ack-result', { answered: !err });
      });
    });

    // Many events at once (slow-subscriber and ordering tests).
    socket.on('flood', (payload) => {
      const count = payload && Number.isFinite(payload.count) ? Math.min(payload.count, 100000) : 1000;
      for (let i = 0; i < count; i++) socket.emit('flood', { i });
    });

    // A steady flood: `perSecond` events (`{i, pad}` with `pad` of `bytes` characters) for
    // `seconds`, in 10 ms slices, then a `flood-done` event with the count sent.
    socket.on('flood-rate', (payload) => {
      const p = payload && typeof payload === 'object' ? payload : {};
      const perSecond = Number.isFinite(p.perSecond) ? Math.min(p.perSecond, 200000) : 5000;
      const seconds = Number.isFinite(p.seconds) ? Math.min(p.seconds, 600) : 10;
      const pad = 'x'.repeat(Number.isFinite(p.bytes) ? Math.min(p.bytes, 65536) : 100);
      const started = Date.now();
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.min(Math.floor(((Date.now() - started) / 1000) * perSecond), perSecond * seconds);
        while (sent < due) {
          socket.emit('flood', { i: sent++, pad });
          stats.floodSent += 1;
        }
        if (sent >= perSecond * seconds || socket.disconnected) {
          clearInterval(timer);
          socket.emit('flood-done', { sent });
        }
      }, 10);
    });

    // An event with binary attachments (socket.io BINARY_EVENT), then a plain marker.
    socket.on('emit-binary', () => {
      socket.emit('binary', { name: 'blob', data: Buffer.from([0, 1, 2, 0x1e, 255]) });
      socket.emit('binary', Buffer.from('raw bytes'));
      socket.emit('after-binary', { ok: true });
    });

    // Server-initiated disconnect of this socket (socket.io DISCONNECT packet).
    socket.on('kick', () => socket.disconnect(true));

    // Raw events with shapes no dialect expects.
    socket.on('malformed', () => {
      socket.emit('weird', 'just a string');
      socket.emit('weird', 42, null, [1, 2]);
      socket.emit('weird');
    });

    // Emits the given events as they are (`{events: [[name, ...args], ...]}`): lets tests
    // feed a dialect's decoder any payload, well-formed or not, over a real socket.
    socket.on('emit-as', (payload) => {
      const events = payload && Array.isArray(payload.events) ? payload.events : [];
      for (const e of events) if (Array.isArray(e) && typeof e[0] === 'string') socket.emit(...e);
    });

    socket.on('whoami', (...args) => {
      const ack = ackOf(args);
      if (ack) ack({ token: socket.handshake.auth.token, connections: stats.connections, tokens: stats.tokens });
    });
  });

  serve(httpServer, io, args.port);
}

main();
