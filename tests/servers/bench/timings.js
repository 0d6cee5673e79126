'use strict';
// Timings of the reference servers, measured against targets and printed as a table. Nothing
// here fails: speed targets live in this benchmark, never in the self-tests (npm test).
//
//   node bench/timings.js [--runs N]        (npm run bench)
//
// Each measure runs N times (default 3) against the real server in the default mode; the table
// shows the median, the target and their ratio (below 1.00 is within target).

const path = require('node:path');
const { startServer, mint, connectRecording, tempStateFile, waitFor, debugGet } = require(path.join(__dirname, '..', 'test', 'helpers'));

const runs = Number.parseInt(process.argv[process.argv.indexOf('--runs') + 1], 10) || 3;
const FILE000 = '000_billing_chat.js';
const T = Object.fromEntries(['u-asha', 'a-meera'].map((id) => [id, mint(FILE000, id)]));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const activeMs = async (srv, roomId) => (await debugGet(srv.url, `/debug/ledger?room=${roomId}`)).rooms[0].activeMs;

/** Request, accept and start a consultation; resolves the room id. */
async function startChat(user, astro) {
  user.emit('chat-request', { userId: 'u-asha', astrologerId: 'a-meera', chatType: 'text' });
  const roomId = (await user.next('chat-request-response')).data.roomId;
  astro.emit('chat-response', { roomId, response: 'accept' });
  await user.next('chat-status');
  user.emit('start-chat', { roomId });
  await user.next('chat-started');
  return roomId;
}

/** 000: pause at 3/4 of the third minute; time from chat-resumed to the third minute's chat-timer. */
async function resumeToTick() {
  const srv = await startServer(FILE000, { PARLOR_BILLING_MINUTE_MS: '400' });
  const user = await connectRecording(srv.url, T['u-asha']);
  const astro = await connectRecording(srv.url, T['a-meera']);
  try {
    const roomId = await startChat(user, astro);
    await waitFor(async () => (await activeMs(srv, roomId)) >= 1100, '3/4 of the third minute');
    astro.emit('pause-chat', { roomId });
    await user.next('chat-paused');
    user.emit('resume-chat', { roomId });
    await user.next('chat-resumed');
    const t0 = Date.now();
    await user.next('chat-timer', (p) => p.duration === 3);
    return Date.now() - t0;
  } finally {
    user.close();
    astro.close();
    await srv.stop();
  }
}

/** 000: half a minute kept across a restart; time from both parties back to the third minute's chat-timer. */
async function restartToTick() {
  const srv = await startServer(FILE000, { PARLOR_BILLING_MINUTE_MS: '300', PARLOR_DISCONNECT_GRACE_MS: '5000' }, ['--state-file', tempStateFile('bench-000')]);
  const clients = [];
  try {
    const user = await connectRecording(srv.url, T['u-asha']);
    const astro = await connectRecording(srv.url, T['a-meera']);
    clients.push(user, astro);
    const roomId = await startChat(user, astro);
    await waitFor(async () => (await activeMs(srv, roomId)) >= 750, 'half of the third minute');
    await srv.restart();
    const user2 = await connectRecording(srv.url, T['u-asha']);
    clients.push(user2);
    const t0 = Date.now();
    clients.push(await connectRecording(srv.url, T['a-meera']));
    await user2.next('chat-timer', (p) => p.duration === 3, 5000);
    return Date.now() - t0;
  } finally {
    clients.forEach((c) => c.close());
    await srv.stop();
  }
}

/** Every server: time from spawn to READY. */
function startup(file) {
  return async () => {
    const t0 = Date.now();
    const srv = await startServer(file, {});
    const ms = Date.now() - t0;
    await srv.stop();
    return ms;
  };
}

/** 003: sendMessage round trip through the ack (default mode). */
async function ackRoundTrip() {
  const file = '003_support_chat.js';
  const srv = await startServer(file, {});
  const client = await connectRecording(srv.url, mint(file, '1'));
  try {
    await client.ack('joinChat', 'chat-1');
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      await client.ack('sendMessage', { chatId: 'chat-1', message: { text: `bench ${i}` } });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return median(times);
  } finally {
    client.close();
    await srv.stop();
  }
}

const MEASURES = [
  { name: '000 resume → tick of the kept 1/4 minute (100 ms due)', unit: 'ms', target: 330, run: resumeToTick },
  { name: '000 restart → tick of the kept 1/2 minute (150 ms due)', unit: 'ms', target: 290, run: restartToTick },
  { name: '003 sendMessage ack round trip (median of 20)', unit: 'ms', target: 20, run: ackRoundTrip },
  ...['000_billing_chat.js', '001_presence_sessions.js', '002_tarot_chat.js', '003_support_chat.js', '004_telecaller_calls.js'].map((f) => ({
    name: `${f.slice(0, 3)} start → READY`, unit: 'ms', target: 1500, run: startup(f),
  })),
];

async function main() {
  const rows = [];
  for (const m of MEASURES) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await m.run());
    const value = median(samples);
    rows.push([m.name, `${value.toFixed(1)} ${m.unit}`, `${m.target} ${m.unit}`, (value / m.target).toFixed(2), samples.map((s) => s.toFixed(0)).join(' ')]);
  }
  const head = ['measure', 'measured (median)', 'target', 'ratio', 'samples'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(`\n${runs} runs each; ratio = measured / target (below 1.00 is within target). Nothing fails here.`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
