'use strict';
// The Node.js side of `parlor bench`'s chat round trip: socket.io-client 4 sends chat messages
// to the 003 support chat reference server and waits for each one's ack, as the Parlor client
// does through its outbox, printing one JSON line of results.
//   node bench_chat_client.js --url http://127.0.0.1:P --token T --samples N

const { randomUUID } = require('node:crypto');
const { io } = require('socket.io-client');
const { arg, percentile } = require('./bench/args');

async function main() {
  const url = arg('--url');
  const samples = Number(arg('--samples', '1000'));
  const chatId = arg('--chat', 'chat-1');
  const socket = io(url, { auth: { token: arg('--token') }, transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  await socket.timeout(5000).emitWithAck('joinChat', { chatId });
  // The payload Parlor's dialect sends: the text and a client message id (one per message).
  const send = async (text) => {
    const message = { clientMessageId: randomUUID(), text };
    const answer = await socket.timeout(5000).emitWithAck('sendMessage', { chatId, message });
    if (!answer || answer.event !== 'messageSent') throw new Error(`not sent: ${JSON.stringify(answer)}`);
  };
  // Warm-up, as on the Rust side.
  for (let i = 0; i < 50; i++) await send(`warm ${i}`);
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    await send(`node ${i}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  socket.close();
  process.stdout.write(JSON.stringify({ p50_us: percentile(times, 50), p99_us: percentile(times, 99) }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench chat client failed: ${e.message}\n`);
  process.exit(1);
});
