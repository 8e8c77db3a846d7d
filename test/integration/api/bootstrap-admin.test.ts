import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { removeStackState, startStack, type Stack } from '../../../scripts/stack/stack.ts';
import { buildServer } from '../../../control/src/api/server.ts';
import { ensureBootstrapAdmin } from '../../../control/src/auth/bootstrap.ts';
import { EventBus } from '../../../control/src/events/bus.ts';
import { configFor, loginAs, memoryLogger } from './support/harness.ts';

let stack: Stack;
let runDir: string;
let sql: postgres.Sql;
let redis: Redis;

before(async () => {
  stack = await startStack({ name: `api-bootstrap-${process.pid}`, control: false });
  runDir = mkdtempSync(join(tmpdir(), 'cti-boot-'));
  sql = postgres(stack.info.postgres.url, { max: 4, onnotice: () => {} });
  redis = new Redis(stack.info.redis.url);
});
after(async () => {
  await sql?.end();
  redis?.disconnect();
  await stack?.stop();
  rmSync(runDir, { recursive: true, force: true });
  if (stack) removeStackState(stack.info.name);
});

test('bootstrap-generated: with no user and no configured password, admin gets a generated one in a 0600 file, logged once', async () => {
  const config = configFor(stack, join(runDir, 'nested'), { bootstrapAdminPassword: undefined });
  const log = memoryLogger();
  const deps = { config, sql, redis, log, bus: new EventBus(redis, 'city') };
  const [first, second] = await Promise.all([ensureBootstrapAdmin(deps), ensureBootstrapAdmin(deps)]);
  assert.deepEqual([first.created, second.created].sort(), [false, true], 'two concurrent starts create one admin');
  const made = first.created ? first : second;
  assert.equal(made.password_file, join(runDir, 'nested', 'admin-password'));
  assert.equal(statSync(made.password_file!).mode & 0o777, 0o600);
  const password = readFileSync(made.password_file!, 'utf8').trim();
  assert.match(password, /^[A-Za-z0-9_-]{24}$/);
  assert.equal(log.lines.filter((l) => JSON.stringify(l).includes(password)).length, 1);

  const [row] = await sql<{ roles: string[]; centre_id: string }[]>`SELECT roles, centre_id FROM users WHERE username = 'admin'`;
  assert.deepEqual(row, { roles: ['admin'], centre_id: 'city' });
  const app = await buildServer(deps);
  try {
    const s = await loginAs(app, 'admin', password);
    assert.deepEqual(s.user.roles, ['admin']);
  } finally {
    await app.close();
  }
  assert.deepEqual(await ensureBootstrapAdmin(deps), { created: false }, 'a later start changes nothing');
  const audit = await sql`SELECT actor_name FROM audit_log WHERE action = 'user.created'`;
  assert.deepEqual(audit.map((r) => r.actor_name), ['system']);
});
