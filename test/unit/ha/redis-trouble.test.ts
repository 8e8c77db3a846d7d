import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redis, ReplyError } from 'ioredis';
import { isRedisConnectionError, RedisTrouble, retryOnRedis, survive } from '../../../control/src/ha/data/redis-trouble.ts';
import { Distributor } from '../../../control/src/calls/distribution/distributor.ts';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import type { CallControl } from '../../../control/src/engine/kamailio/call-control.ts';
import { PerKeySerializer } from '../../../control/src/app/serial.ts';

/** The errors ioredis really gives (no server needed): a closed connection, and a command out of retries. */
async function ioredisErrors(): Promise<{ closed: Error; maxRetries: Error }> {
  const a = new Redis({ lazyConnect: true, port: 1 });
  a.disconnect();
  const closed = await a.smembers('x').then(() => assert.fail('resolved'), (e: Error) => e);
  const b = new Redis({ port: 1, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  b.on('error', () => {});
  const maxRetries = await b.smembers('x').then(() => assert.fail('resolved'), (e: Error) => e);
  b.disconnect();
  return { closed, maxRetries };
}

function capturingLog() {
  const lines: Array<{ level: string; obj: unknown; msg?: string }> = [];
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } };
}

describe('isRedisConnectionError: what a reconnection cures', () => {
  test("ioredis's own errors of a promotion are connection errors", async () => {
    const { closed, maxRetries } = await ioredisErrors();
    assert.match(closed.message, /Connection is closed/);
    assert.equal(isRedisConnectionError(closed), true);
    assert.equal(isRedisConnectionError(maxRetries), true);
    assert.equal(isRedisConnectionError(new ReplyError("READONLY You can't write against a read only replica.")), true);
    assert.equal(isRedisConnectionError(new ReplyError('LOADING Redis is loading the dataset in memory')), true);
    assert.equal(isRedisConnectionError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6379'), { code: 'ECONNREFUSED' })), true);
  });
  test('bugs and bad data are not', () => {
    for (const err of [new TypeError('x is not a function'), new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), new Error('the call is not queued'), 'Connection is closed.', null, undefined]) {
      assert.equal(isRedisConnectionError(err), false, String(err));
    }
  });
});

describe('retryOnRedis: a start step waits out a promotion', () => {
  test('retries on a connection error with a growing pause, then returns the result', async () => {
    const { closed } = await ioredisErrors();
    const slept: number[] = [];
    const trouble = new RedisTrouble();
    const { log, lines } = capturingLog();
    let calls = 0;
    const v = await retryOnRedis('load seats', async () => {
      calls++;
      if (calls < 5) throw closed;
      return 42;
    }, { log, trouble, delayMs: 100, maxDelayMs: 500, sleep: async (ms) => void slept.push(ms) });
    assert.equal(v, 42);
    assert.equal(calls, 5);
    assert.deepEqual(slept, [100, 200, 400, 500]);
    assert.deepEqual(trouble.figures(), { 'start:load seats': 4 });
    assert.equal(lines.filter((l) => l.level === 'warn').length, 4);
  });
  test('any other error fails the start at once, as before', async () => {
    const { log } = capturingLog();
    let calls = 0;
    await assert.rejects(retryOnRedis('x', async () => { calls++; throw new TypeError('bug'); }, { log, sleep: async () => {} }), TypeError);
    assert.equal(calls, 1);
  });
});

describe('survive: a background step logs, counts and never rethrows', () => {
  test('warn for a connection error, error otherwise, both counted by place', async () => {
    const { closed } = await ioredisErrors();
    const trouble = new RedisTrouble();
    const { log, lines } = capturingLog();
    const h = survive(log, 'distribution: kick', trouble);
    await Promise.reject(closed).catch(h);
    await Promise.reject(new Error('bug')).catch(h);
    assert.deepEqual(lines.map((l) => l.level), ['warn', 'error']);
    assert.equal(trouble.total(), 2);
    assert.deepEqual((lines[0].obj as { count: number }).count, 1);
  });
});

describe('Distributor.kick: a Redis connection error reading the active queues does not reject', () => {
  test('the kick resolves, the error is logged, the next kick reads again', async () => {
    const { closed } = await ioredisErrors();
    let reads = 0;
    // the one call a kick with no queues makes: the active queues (acd/queue.ts); the first fails as on a promotion
    const redis = { smembers: async () => { reads++; if (reads === 1) throw closed; return []; } };
    const { log, lines } = capturingLog();
    const deps = { redis, log, config: {} } as unknown as AppDeps;
    const d = new Distributor(deps, {} as CallControl, new PerKeySerializer());
    d.active = true;
    await d.kick(); // rejected before: an unhandled rejection killed the process (the callers `void` it)
    assert.equal(reads, 1);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 'warn');
    assert.equal((lines[0].obj as { where: string }).where, 'distribution: kick');
    await d.kick();
    assert.equal(reads, 2);
    assert.equal(lines.length, 1);
  });
});
