/** EvapiClient against an in-process TCP peer that speaks netstrings (a fake Kamailio). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { EvapiClient } from '../../../control/src/engine/evapi/client.ts';
import { encodeNetstring, NetstringDecoder } from '../../../control/src/engine/evapi/netstring.ts';

interface FakePeer {
  port: number;
  sockets: net.Socket[];
  received: Record<string, unknown>[];
  accepted(): Promise<net.Socket>;
  close(): Promise<void>;
}

async function fakePeer(port = 0): Promise<FakePeer> {
  const sockets: net.Socket[] = [];
  const received: Record<string, unknown>[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    const d = new NetstringDecoder();
    s.on('data', (c) => {
      for (const p of d.push(c)) received.push(JSON.parse(p.toString()));
    });
    s.on('error', () => s.destroy());
    waiting.shift()?.(s);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    received,
    accepted: () => new Promise((r) => waiting.push(r)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

test('acknowledges every message a listener leaves unanswered, and only those', async () => {
  const peer = await fakePeer();
  const client = new EvapiClient({ host: '127.0.0.1', port: peer.port });
  const got: Record<string, unknown>[] = [];
  client.on('message', (m) => {
    got.push(m);
    if (m.reply) client.send({ action: 'route', n: m.n });
  });
  const accepted = peer.accepted();
  client.start();
  const sock = await accepted;
  await until(() => client.connected);
  sock.write(Buffer.concat([
    encodeNetstring(JSON.stringify({ n: 1 })),
    encodeNetstring(JSON.stringify({ n: 2, reply: true })),
    encodeNetstring(JSON.stringify({ n: 3 })),
  ]));
  await until(() => peer.received.length === 3);
  assert.deepEqual(got.map((m) => m.n), [1, 2, 3]);
  assert.deepEqual(peer.received, [{ action: 'ack' }, { action: 'route', n: 2 }, { action: 'ack' }]);
  client.stop();
  await peer.close();
});

test('malformed JSON is reported and acknowledged; broken framing drops the connection and reconnects', async () => {
  const peer = await fakePeer();
  const client = new EvapiClient({ host: '127.0.0.1', port: peer.port, reconnectMinMs: 10 });
  const malformed: string[] = [];
  const messages: unknown[] = [];
  client.on('malformed', (raw, err) => malformed.push(`${raw}|${err.name}`));
  client.on('message', (m) => messages.push(m));
  const first = peer.accepted();
  client.start();
  const s1 = await first;
  s1.write(encodeNetstring('{not json'));
  await until(() => peer.received.length === 1);
  assert.deepEqual(peer.received, [{ action: 'ack' }]);
  assert.match(malformed[0], /^\{not json\|SyntaxError$/);

  const disconnected = once(client, 'disconnected');
  const second = peer.accepted();
  s1.write(Buffer.from('5:{"a":1}X'));
  await disconnected;
  assert.equal(malformed.length, 2);
  assert.match(malformed[1], /CtiError$/);
  const s2 = await second;
  await until(() => client.connected);
  s2.write(encodeNetstring('{"after":"reconnect"}'));
  await until(() => messages.length === 1);
  assert.deepEqual(messages, [{ after: 'reconnect' }]);
  client.stop();
  await peer.close();
});

test('a throwing listener does not break the connection', async () => {
  const peer = await fakePeer();
  const client = new EvapiClient({ host: '127.0.0.1', port: peer.port });
  client.on('message', () => {
    throw new Error('listener bug');
  });
  const accepted = peer.accepted();
  client.start();
  const sock = await accepted;
  await until(() => client.connected);
  sock.write(encodeNetstring('{"x":1}'));
  await until(() => peer.received.length === 1);
  assert.equal(client.connected, true);
  client.stop();
  await peer.close();
});

test('send returns false while disconnected; reconnects with backoff until the peer appears; stop ends it', async () => {
  const probe = await fakePeer();
  const port = probe.port;
  await probe.close();
  const client = new EvapiClient({ host: '127.0.0.1', port, reconnectMinMs: 20, reconnectMaxMs: 40 });
  client.start();
  assert.equal(client.send({ a: 1 }), false);
  await sleep(150);
  assert.equal(client.connected, false);
  const peer = await fakePeer(port);
  await once(client, 'connected');
  assert.equal(client.send({ a: 1 }), true);
  await until(() => peer.received.length === 1);

  const down = once(client, 'disconnected');
  for (const s of peer.sockets) s.destroy();
  await down;
  await once(client, 'connected');
  client.stop();
  assert.equal(client.connected, false);
  await sleep(100);
  assert.equal(peer.sockets.filter((s) => !s.destroyed).length, 0, 'no new connection after stop');
  await peer.close();
});
