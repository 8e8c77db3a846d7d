/**
 * The peer of `npm run bench -- events-fanout`: a bare `ws` broadcast of the same Redis event stream, in a process
 * of its own like the control plane. It reads the stream with XREAD BLOCK from its end and sends every entry, framed
 * as the control plane frames it ({"stream_id", "event"}), to every connected client, nothing else: no auth, no
 * replay, no filter. Prints `listening <port>` on stdout once ready.
 *
 *   node --import tsx bench/support/bare-broadcast.ts <redis url> <stream key>
 */
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';

const [redisUrl, stream] = process.argv.slice(2);
if (!redisUrl || !stream) throw new Error('usage: bare-broadcast.ts <redis url> <stream key>');
const clients = new Set<WebSocket>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
});
wss.on('listening', () => {
  const addr = wss.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});

const redis = new Redis(redisUrl);
let last = '$';
for (;;) {
  const res = await redis.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', stream, last) as Array<[string, Array<[string, string[]]>]> | null;
  for (const [, entries] of res ?? []) {
    for (const [id, fields] of entries) {
      last = id;
      const frame = `{"stream_id":"${id}","event":${fields[1]}}`;
      for (const c of clients) c.send(frame);
    }
  }
}
