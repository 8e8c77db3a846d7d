/**
 * ha/takeover/identity.ts: what a takeover needs of a queued call is kept in Redis beside the call, bounded in size:
 * an INVITE over the limit (as received, or as Kamailio reported its length when it left the INVITE out) gets a coded
 * error and nothing is written; an older cfg without the INVITE writes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import type { CallNewEvent } from '../../../control/src/engine/kamailio/events.ts';
import { keepTakeoverIdentity } from '../../../control/src/ha/takeover/identity.ts';
import { MAX_INVITE_BYTES } from '../../../control/src/ha/takeover/invite.ts';

function fakeRedis(): { redis: Redis; writes: Array<[string, unknown]> } {
  const writes: Array<[string, unknown]> = [];
  const chain = {
    hset(key: string, v: unknown) { writes.push([`hset ${key}`, v]); return chain; },
    expire(key: string, s: number) { writes.push([`expire ${key}`, s]); return chain; },
    async exec() { return []; },
  };
  return { redis: { multi: () => chain } as unknown as Redis, writes };
}

const event = (invite: Buffer, inviteBytes = invite.length): CallNewEvent => ({
  event: 'call.new', sync: false, tindex: 1, tlabel: 2, callId: 'c-1@gw', fromTag: 'ft', fromUser: '139', fromName: '', fromUri: '', toUser: '120',
  ruriUser: '120', pai: '', trunk: 'gw', source: '198.18.0.20:5082', proto: 'udp', arrivedAt: new Date(), isTrunk: true, sdp: '',
  destination: '198.18.0.100:5060', inviteB64: invite.toString('base64'), inviteBytes, takeover: false,
});

test('takeover-identity-bounded: kept with source, destination and transport, for two hours', async () => {
  const { redis, writes } = fakeRedis();
  await keepTakeoverIdentity(redis, event(Buffer.from('INVITE sip:120@x SIP/2.0\r\n\r\n')));
  assert.deepEqual(writes.map((w) => w[0]), ['hset cti:call:c-1@gw:takeover', 'expire cti:call:c-1@gw:takeover']);
  assert.deepEqual(Object.keys(writes[0]![1] as object).sort(), ['destination', 'invite', 'proto', 'source']);
  assert.equal(writes[1]![1], 7200);
});

test('takeover-identity-bounded: over the limit, or left out by Kamailio for its size: coded error, nothing written', async () => {
  for (const e of [event(Buffer.alloc(MAX_INVITE_BYTES + 1, 0x41)), event(Buffer.alloc(0), 30_000)]) {
    const { redis, writes } = fakeRedis();
    await assert.rejects(keepTakeoverIdentity(redis, e), { code: 'CTI_TAKEOVER_INVITE_TOO_LARGE' });
    assert.equal(writes.length, 0);
  }
});

test('takeover-identity-bounded: an older cfg without the INVITE writes nothing', async () => {
  const { redis, writes } = fakeRedis();
  await keepTakeoverIdentity(redis, event(Buffer.alloc(0), 0));
  assert.equal(writes.length, 0);
});
