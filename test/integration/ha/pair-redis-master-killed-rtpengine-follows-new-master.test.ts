/**
 * rtpengine follows a Redis promotion (docs/ha.md, "rtpengine follows a Redis promotion"). A pair with the replicated
 * data tier (no control planes: what is tested is rtpengine, Redis, Sentinel and VRRP): the Redis master (on A) is
 * SIGKILLed; the Sentinels promote B's replica and their client-reconfig-script moves rtpengine's Redis address (the
 * Redis floating address) to B; A's Redis comes back as a replica. Then a new call is set up on A's rtpengine (NG
 * offer and answer, as Kamailio sends them) with RTP from a "caller" to a "seat" (two UDP sockets on the host's leg).
 * Asserted: A's rtpengine wrote the call to its database on the new master, B's rtpengine holds it (its keyspace
 * subscription followed), and when node A dies the seat receives the caller's RTP again, now through B.
 * Before, rtpengine kept the first master's own address: its writes went to a dead server and B's subscription stayed
 * on it, so a call set up after a Redis failover lost its audio with its node.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { NgClient } from '../../../control/src/engine/rtpengine/ng-client.ts';
import { answer, deleteCall, list, offer } from '../../../control/src/engine/rtpengine/commands.ts';
import { startPair, type Pair } from '../../../scripts/stack/pair.ts';
import { RTPENGINE_REDIS_DB } from '../../../scripts/stack/services/rtpengine-redundancy.ts';
import { waitFor } from '../support/callcentre.ts';

let pair: Pair;
before(async () => { pair = await startPair({ name: `ha-rtpr-${process.pid}`, replicatedData: true, control: false }); });
after(async () => { await pair?.stop(); });

function redisAt(url: string, db = 0): Redis {
  const u = new URL(url);
  const c = new Redis({ host: u.hostname, port: Number(u.port), db, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => { /* the probe fails and is retried */ });
  return c;
}

async function ask<T>(url: string, db: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = redisAt(url, db);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

function ngOf(node: 'a' | 'b'): NgClient {
  const [host, port] = pair.nodes[node].info.rtpengine.ng.split(':');
  return new NgClient({ host: host!, port: Number(port) });
}

const sdp = (ip: string, port: number) =>
  `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n`;
const portOf = (s: string) => Number(/m=audio (\d+)/.exec(s)?.[1]);

/** RFC 3550 5.1 fixed header, PCMA, 20 ms of silence. */
function rtp(seq: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xd5);
  b[0] = 0x80; b[1] = 8;
  b.writeUInt16BE(seq & 0xffff, 2); b.writeUInt32BE((seq * 160) >>> 0, 4); b.writeUInt32BE(0x5eed, 8);
  return b;
}

async function bound(ip: string): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, ip, ok));
  return s;
}

test('pair-redis-master-killed-rtpengine-follows-new-master: a call set up after the promotion is held by the peer rtpengine and its RTP flows through the peer when its node dies', async () => {
  const data = pair.replicated!;
  const vipUrl = data.rtpengineRedisUrl;
  assert.equal(data.redisVipHolder(), 'a', 'rtpengine\'s Redis address starts on the first master');
  assert.equal(pair.mediaHolder(), 'a', 'A holds the floating media address');

  const tKill = Date.now();
  await data.killRedis('a');
  await waitFor(async () => (await data.redisMaster()) === 'b', 20_000, 'Sentinel promoted B\'s replica', 100);
  const promoteMs = Date.now() - tKill;
  await waitFor(() => data.redisVipHolder() === 'b', 10_000, 'rtpengine\'s Redis address moved to B', 50);
  const vipMs = Date.now() - tKill;
  // the old master comes back as a replica (as systemd would restart it), so that node A's death below leaves B's master
  await data.restartRedis('a');
  await waitFor(async () => /connected_slaves:1/.test(await ask(vipUrl, 0, (c) => c.info('replication'))), 20_000, 'A\'s Redis replicating from B', 200);

  // B's rtpengine re-subscribes to keyspace notifications on the new master after the script reset its connection
  // (rtpengine reconnects on its own timer): the call below must not be set up before it listens. rtpengine
  // PSUBSCRIBEs (psub=1); B's Sentinel is a client from the same address with sub=1 (its hello channel), which the
  // check took for rtpengine before (a CI rehearsal: the call was written 30 ms before rtpengine subscribed)
  await waitFor(async () => String(await ask(vipUrl, 0, (c) => c.client('LIST'))).split('\n')
    .some((l) => l.includes(`addr=${pair.net.addr.b}:`) && /\bpsub=[1-9]/.test(l)), 20_000,
  'B\'s rtpengine subscribed to keyspace notifications on the new master', 200);

  // a new call on A's rtpengine: the caller and the seat are two sockets on the host's leg of the pair's bridge
  const host = pair.net.addr.root;
  const [caller, seat] = [await bound(host), await bound(host)];
  const heard: number[] = [];
  seat.on('message', () => heard.push(Date.now()));
  const callId = `rtpr-${process.pid}-${Date.now()}@${host}`;
  const ngA = ngOf('a');
  const ngB = ngOf('b');
  let sender: NodeJS.Timeout | undefined;
  try {
    const o = await offer(ngA, { callId, fromTag: 'caller-tag', sdp: sdp(host, caller.address().port), options: { ICE: 'remove', replace: ['origin', 'session-connection'] } });
    const a = await answer(ngA, { callId, fromTag: 'caller-tag', toTag: 'seat-tag', sdp: sdp(host, seat.address().port), options: { ICE: 'remove', replace: ['origin', 'session-connection'] } });
    assert.ok(portOf(o.sdp) > 0 && portOf(a.sdp) > 0, 'rtpengine answered with its ports');

    assert.equal(await ask(vipUrl, RTPENGINE_REDIS_DB.a, (c) => c.exists(callId)), 1, 'A\'s rtpengine wrote the call to its database on the new master');
    await waitFor(async () => (await list(ngB)).includes(callId), 5_000, 'B\'s rtpengine holds the call (keyspace subscription on the new master)', 100);

    let seq = 0;
    const toRtpengine = portOf(a.sdp); // where the caller sends: the port in the answer rtpengine gave the caller
    sender = setInterval(() => caller.send(rtp(seq++), toRtpengine, pair.config.mediaVip), 20);
    await waitFor(() => heard.length >= 25, 10_000, 'the seat hears the caller through A', 50);

    const t0 = Date.now();
    await pair.killNode('a');
    await waitFor(() => heard.some((t) => t > t0 + 200) && heard.filter((t) => t > t0).length >= 50, 20_000, 'the seat hears the caller again, through B', 50);
    let gap = 0;
    for (let i = 1; i < heard.length; i++) if (heard[i]! > t0 - 1000) gap = Math.max(gap, heard[i]! - heard[i - 1]!);
    console.log(`rtpengine after a Redis promotion: ${JSON.stringify({ promote_ms: promoteMs, redis_vip_moved_ms: vipMs, media_gap_ms: gap,
      packets_after_kill: heard.filter((t) => t > t0).length, media_vip_holder_after: pair.mediaHolder() })}`);
    assert.equal(pair.mediaHolder(), 'b', 'B holds the floating media address');
  } finally {
    if (sender) clearInterval(sender);
    await deleteCall(ngB, { callId, fromTag: 'caller-tag' }).catch(() => undefined);
    ngA.close();
    ngB.close();
    caller.close();
    seat.close();
  }
});
