/**
 * The outbox on real PostgreSQL and Redis (the stack's data tier only): writes made while PostgreSQL is stopped wait in
 * order and are written in that order once it is back; a write that had committed although its answer was lost is
 * not written twice (its idempotency key); a write that fails for a bug (a constraint violation) moves to the
 * dead-letter stream with an alarm and does not block the writes behind it; with PostgreSQL up, a bug is thrown at
 * once and nothing is kept.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import { startStack, type Stack } from '../../../scripts/stack/stack.ts';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import { EventBus } from '../../../control/src/events/bus.ts';
import { applyEntry } from '../../../control/src/ha/outbox/apply.ts';
import { newEntry } from '../../../control/src/ha/outbox/entry.ts';
import { OutboxReplayer } from '../../../control/src/ha/outbox/replayer.ts';
import { fact } from '../../../control/src/ha/outbox/statement.ts';
import { appendEntry, OUTBOX_DEAD_KEY, OUTBOX_KEY } from '../../../control/src/ha/outbox/stream.ts';
import { writeFacts } from '../../../control/src/ha/outbox/write.ts';
import { pgBackoffS } from '../../../control/src/ha/data/pg-backoff.ts';
import { waitFor } from '../support/callcentre.ts';

let stack: Stack;
let sql: Sql;
let redis: Redis;
let deps: AppDeps;
const logged: string[] = [];

before(async () => {
  stack = await startStack({ name: 'outbox-replay', tier: 'data', control: false });
  sql = postgres(stack.info.postgres.url, { max: 4, onnotice: () => {}, backoff: pgBackoffS });
  redis = new Redis(stack.info.redis.url);
  const log = { info: (_o: object, m: string) => logged.push(m), warn: (_o: object, m: string) => logged.push(m), error: (_o: object, m: string) => logged.push(m), debug: () => {} };
  deps = { sql, redis, log, bus: new EventBus(redis, 'outbox-test'), config: { centreId: 'outbox-test' } as AppDeps['config'] };
  await sql`CREATE TABLE outbox_probe (seq int PRIMARY KEY, v text NOT NULL)`;
});
after(async () => {
  if (stack && !stack.daemons.postgres?.running) stack.daemons.postgres?.start();
  redis?.disconnect();
  await sql?.end({ timeout: 1 }).catch(() => undefined);
  await stack?.stop();
});

test('replay-in-order-once-dead-letter: kept in order, written in order once, a bug set aside with an alarm', async () => {
  // with PostgreSQL up: written at once; a constraint violation is a bug, thrown, not kept
  assert.equal(await writeFacts(deps, 'k0', fact`INSERT INTO outbox_probe (seq, v) VALUES (${0}, ${'up'})`), 'written');
  await assert.rejects(writeFacts(deps, 'k0', fact`INSERT INTO outbox_probe (seq, v) VALUES (${0}, ${'again'})`), (e: { code?: string }) => e.code === '23505');
  assert.equal(await redis.xlen(OUTBOX_KEY), 0, 'a bug is never kept');

  // a write that committed but whose answer was lost: applied, and also in the outbox (the caller saw an outage)
  const committed = newEntry('k1', [fact`INSERT INTO outbox_probe (seq, v) VALUES (${1}, ${'once'})`]);
  assert.equal(await applyEntry(sql, committed), true);

  await stack.daemons.postgres!.stop();
  await appendEntry(redis, committed);
  const at = new Date('2026-12-07T20:00:00Z');
  // order matters: the update must follow its insert, the second update the first
  assert.equal(await writeFacts(deps, 'k2', fact`INSERT INTO outbox_probe (seq, v) VALUES (${2}, ${'a'})`), 'kept');
  assert.equal(await writeFacts(deps, 'k2', fact`UPDATE outbox_probe SET v = v || ${'b'} WHERE seq = ${2}`), 'kept');
  assert.equal(await writeFacts(deps, 'k3', fact`INSERT INTO outbox_probe (seq, v) VALUES (${0}, ${'duplicate key: a bug'})`), 'kept', 'PostgreSQL away: it cannot tell yet');
  assert.equal(await writeFacts(deps, 'k2', fact`UPDATE outbox_probe SET v = v || ${'c'} || ${at}::timestamptz::text WHERE seq = ${2}`, fact`INSERT INTO outbox_probe (seq, v) VALUES (${3}, ${'same transaction'})`), 'kept');
  assert.equal(await redis.xlen(OUTBOX_KEY), 5);

  const replayer = new OutboxReplayer(deps, { intervalMs: 100, alarmAfterMs: 60_000 });
  await replayer.tick();
  assert.equal(await redis.xlen(OUTBOX_KEY), 5, 'nothing removed while PostgreSQL is away');

  stack.daemons.postgres!.start();
  await waitFor(async () => { await replayer.tick(); return (await redis.xlen(OUTBOX_KEY)) === 0; }, 30_000, 'the outbox written out', 200);
  const rows = await sql<{ seq: number; v: string }[]>`SELECT seq, v FROM outbox_probe ORDER BY seq`;
  assert.deepEqual(rows.map((r) => [r.seq, r.v]), [
    [0, 'up'], [1, 'once'], [2, `abc${(await sql<{ t: string }[]>`SELECT ${at}::timestamptz::text AS t`)[0].t}`], [3, 'same transaction'],
  ], 'each write once, in the order made');
  assert.equal(replayer.replayed, 4, 'four entries done: three written, one skipped by its key (it had committed); the bug set aside');
  const dead = await redis.xrange(OUTBOX_DEAD_KEY, '-', '+');
  assert.equal(dead.length, 1, 'the bug in the dead-letter stream');
  assert.match(dead[0][1][dead[0][1].indexOf('reason') + 1], /^23505 /);
  const [alarm] = await sql<{ level: string; details: { key: string } }[]>`SELECT level, details FROM alarms WHERE type = 'facts_outbox_dead_letter'`;
  assert.equal(alarm?.level, 'critical');
  assert.equal(alarm.details.key, 'k3');
  const [{ n }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM fact_outbox_applied`;
  assert.equal(n, 5, 'one key per write that was written (k0, k1, and k2 three times)');
});
