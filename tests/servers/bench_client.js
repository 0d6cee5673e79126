'use strict';
// The Node.js side of `parlor bench`: socket.io-client 4 doing exactly what the Parlor client
// does against the transport probe, printing one JSON line of results.
//   node bench_client.js --url http://127.0.0.1:P --rtt N --oneway M
//   node --expose-gc bench_client.js --url http://127.0.0.1:P --idle N [--more TOTAL]

const { io } = require('socket.io-client');
const { arg, percentile } = require('./bench/args');

/** Opens `n` more sockets one after another; the milliseconds that took. */
async function openMore(url, sockets, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = io(url, { auth: { token: 'valid' }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    sockets.push(s);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** RSS after a collection and a second of quiet. */
async function settledRss() {
  await new Promise((r) => setTimeout(r, 1000));
  global.gc && global.gc();
  return process.memoryUsage().rss;
}

/**
 * Idle memory and connect time: `n` clients opened one after another (ms each on average,
 * RSS growth per client), then up to `total` (RSS growth per client between the two: the
 * slope, which a fixed start-up cost does not flatter).
 */
async function idle(url, n, total) {
  global.gc && global.gc();
  const before = process.memoryUsage().rss;
  const sockets = [];
  const ms = await openMore(url, sockets, n);
  const atN = await settledRss();
  let slope = null;
  if (total > n) {
    await openMore(url, sockets, total - n);
    slope = Math.max(0, (await settledRss()) - atN) / (total - n);
  }
  for (const s of sockets) s.close();
  process.stdout.write(
    JSON.stringify({
      idle_rss_per_client_bytes: Math.max(0, atN - before) / n,
      idle_slope_bytes: slope,
      connect_ms: ms / n,
    }) + '\n',
  );
}

async function main() {
  const url = arg('--url');
  if (process.argv.includes('--idle')) return idle(url, Number(arg('--idle', '100')), Number(arg('--more', '0')));
  const rtt = Number(arg('--rtt', '2000'));
  const oneway = Number(arg('--oneway', '20000'));
  const socket = io(url, { auth: { token: 'valid' }, transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  // Warm-up, as on the Rust side.
  for (let i = 0; i < 100; i++) await socket.timeout(5000).emitWithAck('echo', { i });
  const samples = [];
  for (let i = 0; i < rtt; i++) {
    const t0 = process.hrtime.bigint();
    await socket.timeout(5000).emitWithAck('echo', { i });
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  await socket.timeout(5000).emitWithAck('sink-count', null);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < oneway; i++) socket.emit('sink', { i });
  const counted = await socket.timeout(60000).emitWithAck('sink-count', null);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = process.memoryUsage().rss;
  socket.close();
  process.stdout.write(
    JSON.stringify({
      p50_us: percentile(samples, 50),
      p99_us: percentile(samples, 99),
      oneway_per_sec: counted.count / secs,
      received: counted.count,
      rss_bytes: rss,
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`bench client failed: ${e.message}\n`);
  process.exit(1);
});
