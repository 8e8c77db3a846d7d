/**
 * The leader gives the lead up before its lease can run out in Redis when Redis does not answer its renewals
 * (docs/ha.md "Split brain"): a fake Redis whose renewals hang or fail, and a fake clock-free check on the times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { LeaderLease } from '../../../control/src/app/leader.ts';
import type { Logger } from '../../../control/src/app/logger.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function fakeRedis(renew: () => Promise<number>): Redis {
  return {
    status: 'ready',
    on: () => undefined,
    set: async () => 'OK',
    pttl: async () => -2,
    get: async () => null,
    eval: async (script: string) => (script.includes('PEXPIRE') ? renew() : 1),
  } as unknown as Redis;
}

async function lostAfter(renew: () => Promise<number>, ttlMs: number): Promise<{ lostMs: number; validUntil: number; acquiredAt: number; acquiredBy: number }> {
  const lease = new LeaderLease(fakeRedis(renew), quiet, 'k', ttlMs);
  const acquiredAt = Date.now();
  await lease.acquire();
  const acquiredBy = Date.now();
  const validUntil = lease.validUntil;
  const lostMs = await new Promise<number>((resolve) => lease.keep(() => resolve(Date.now() - acquiredAt)));
  await lease.release();
  return { lostMs, validUntil, acquiredAt, acquiredBy };
}

test('renewals that hang: the lead is given up at validUntil, before the TTL runs out', async () => {
  const ttl = 600;
  const r = await lostAfter(() => new Promise<number>(() => {}), ttl);
  assert.ok(r.validUntil >= r.acquiredAt + ttl - 300 && r.validUntil <= r.acquiredBy + ttl - 300,
    `validUntil is the acquiring SET's send time plus TTL less the margin (${r.validUntil - r.acquiredAt} ms after)`);
  assert.ok(r.lostMs < ttl, `given up ${r.lostMs} ms after acquiring, before the ${ttl} ms lease ran out`);
});

test('renewals that fail: the lead is given up once validUntil passed, not at the first failure', async () => {
  const ttl = 900;
  const r = await lostAfter(() => Promise.reject(new Error('connection refused')), ttl);
  assert.ok(r.lostMs >= ttl - 300 - 50 && r.lostMs < ttl, `given up after ${r.lostMs} ms`);
});

test('another process holds the lease: given up at the first renewal', async () => {
  const ttl = 900;
  const r = await lostAfter(async () => 0, ttl);
  assert.ok(r.lostMs < ttl - 300, `given up after ${r.lostMs} ms, at the first renewal (every ${ttl / 3} ms)`);
});

test('a single node (deadline off): failing renewals keep the lead; another holder still ends it', async () => {
  const ttl = 300;
  let calls = 0;
  const failing = new LeaderLease(fakeRedis(() => { calls += 1; return Promise.reject(new Error('connection refused')); }), quiet, 'k', ttl);
  await failing.acquire();
  let lost = false;
  failing.keep(() => { lost = true; }, () => {}, { deadline: false });
  // three lease lengths of refused renewals: the deadline would have ended the lead after one
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (calls >= 9) { clearInterval(t); resolve(); } }, 10); });
  assert.equal(lost, false, `the lead is kept through ${calls} refused renewals`);
  await failing.release();

  const taken = new LeaderLease(fakeRedis(async () => 0), quiet, 'k', ttl);
  await taken.acquire();
  const lostMs = await new Promise<number>((resolve) => { const t0 = Date.now(); taken.keep(() => resolve(Date.now() - t0), () => {}, { deadline: false }); });
  assert.ok(lostMs < ttl, `given up at the first renewal that finds another holder (${lostMs} ms)`);
  await taken.release();
});
