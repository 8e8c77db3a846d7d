/**
 * Screening against real PostgreSQL and Redis (startStack without the control plane; the API in-process):
 * entries CRUD -> screenCall; a seat's mark -> proposal -> approval -> entry -> 'block' decision let through once
 * per period; a rule turning a burst of short calls (rows and call.ended.v1 events) into a proposal.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { removeStackState, startStack, type Stack } from '../../../scripts/stack/stack.ts';
import { buildServer } from '../../../control/src/api/server.ts';
import { screeningRoutes } from '../../../control/src/api/routes/screening.ts';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import { ensureBootstrapAdmin } from '../../../control/src/auth/bootstrap.ts';
import { EventBus } from '../../../control/src/events/bus.ts';
import { recordDecision } from '../../../control/src/screening/decision-log.ts';
import { letThroughKey } from '../../../control/src/screening/let-through.ts';
import { rebuildMirror } from '../../../control/src/screening/mirror.ts';
import { screenCall } from '../../../control/src/screening/screen.ts';
import { startScreeningWatch, type ScreeningWatch } from '../../../control/src/screening/watch.ts';
import { ADMIN_PASSWORD, bearer, configFor, loginAs, memoryLogger, personWith, type Session } from '../api/support/harness.ts';
import { waitFor } from '../support/callcentre.ts';

let stack: Stack;
let deps: AppDeps;
let app: FastifyInstance;
let dir: string;
let watch: ScreeningWatch;
let sup: Session;
let seat: Session;

before(async () => {
  stack = await startStack({ name: `screening-${process.pid}`, control: false });
  dir = mkdtempSync(join(tmpdir(), 'cti-screening-'));
  const config = configFor(stack, dir);
  const sql = postgres(config.pgUrl, { max: 5, onnotice: () => {} });
  const redis = new Redis(config.redisUrl, { lazyConnect: false });
  deps = { config, sql, redis, bus: new EventBus(redis, config.centreId), log: memoryLogger() };
  await ensureBootstrapAdmin(deps);
  await rebuildMirror(deps, config.centreId);
  app = await buildServer(deps, [screeningRoutes(deps)]);
  await app.ready();
  deps.bus.startFanout();
  watch = startScreeningWatch(deps);
  const admin = await loginAs(app, 'admin', ADMIN_PASSWORD);
  sup = await personWith(app, admin, ['supervisor']);
  seat = await personWith(app, admin, ['dispatcher']);
});

after(async () => {
  await watch?.stop();
  await app?.close();
  await deps?.bus.stopFanout();
  await deps?.sql.end();
  deps?.redis.disconnect();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (stack) removeStackState(stack.info.name);
});

const inject = (s: Session, method: string, url: string, payload?: object) =>
  app.inject({ method: method as 'GET', url, headers: bearer(s), ...(payload ? { payload } : {}) });
const screen = (callerNumber: string) => screenCall(deps, { callerNumber, calledNumber: '120', trunkId: 'e1-a', at: new Date() });

let seq = 0;
/** A finished call row as the call flow writes it. */
async function endedCall(caller: string, arrived: Date, lengthS: number): Promise<string> {
  const [row] = await deps.sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, ended_at, ended_by, end_reason)
    VALUES ('city', ${`scr-${process.pid}-${++seq}@127.0.0.1`}, ${caller}, '120', 'city-main', 'abandoned', ${arrived},
            ${new Date(arrived.getTime() + lengthS * 1000)}, 'caller', 'abandoned')
    RETURNING id::text AS id`;
  return row.id;
}

test('entries CRUD drives the decision: block prefix, watch exact, allow wins; audited; expiry and delete take effect', async () => {
  const blocked = await inject(sup, 'POST', '/v1/screening/entries', { list: 'block', number: '1770000', match: 'prefix', reason: '号段骚扰' });
  assert.equal(blocked.statusCode, 201, blocked.body);
  const watched = await inject(sup, 'POST', '/v1/screening/entries', { list: 'watch', number: '+86 17700001111', reason: '多次无声' });
  assert.equal(watched.json().number, '17700001111');
  const allowed = await inject(sup, 'POST', '/v1/screening/entries', { list: 'allow', number: '17700002222', reason: '医院' });
  assert.equal(allowed.statusCode, 201);
  assert.equal((await inject(seat, 'POST', '/v1/screening/entries', { list: 'block', number: '1', reason: 'x' })).statusCode, 403, 'dispatchers cannot list numbers');
  assert.equal((await inject(sup, 'POST', '/v1/screening/entries', { list: 'block', number: 'abc', reason: 'x' })).statusCode, 400);

  const d1 = await screen('17700009999');
  assert.equal(d1.list, 'block');
  assert.equal(d1.configured_policy, 'warn_then_lowest');
  assert.equal(d1.override_once, true, 'the first call of the period reaches a seat');
  assert.equal((await screen('17700001111')).policy, 'mark');
  assert.equal((await screen('17700001111')).list, 'watch', 'exact watch entry is longer than the block prefix');
  assert.equal((await screen('17700002222')).list, 'allow');
  assert.equal((await screen('18800000000')).policy, 'none');

  const listed = await inject(sup, 'GET', '/v1/screening/entries?number=17700009999');
  assert.deepEqual(listed.json().items.map((e: { list: string }) => e.list), ['block']);

  const past = new Date(Date.now() - 1000).toISOString();
  const refused = await inject(sup, 'PATCH', `/v1/screening/entries/${watched.json().id}`, { expires_at: past });
  assert.equal(refused.statusCode, 400, 'an expiry in the past is refused (delete the entry instead)');
  assert.equal(refused.json().details.fields[0].field, '/expires_at');
  const soon = new Date(Date.now() + 1500).toISOString();
  const patched = await inject(sup, 'PATCH', `/v1/screening/entries/${watched.json().id}`, { expires_at: soon });
  assert.equal(patched.statusCode, 200, patched.body);
  await waitFor(async () => (await screen('17700001111')).list === 'block', 10_000, 'the watch entry to expire', 100);
  assert.equal((await inject(sup, 'DELETE', `/v1/screening/entries/${blocked.json().id}`)).statusCode, 200);
  assert.equal((await screen('17700009999')).policy, 'none');
  assert.equal((await inject(sup, 'GET', `/v1/screening/entries/${blocked.json().id}`)).json().code, 'CTI_SCREENING_ENTRY_NOT_FOUND');

  const audit = await deps.sql<{ action: string; before: object | null; after: object | null }[]>`
    SELECT action, before, after FROM audit_log WHERE target_type = 'screening_entry' AND target_id = ${watched.json().id} ORDER BY id`;
  assert.deepEqual(audit.map((a) => a.action), ['screening_entry.created', 'screening_entry.updated']);
  assert.ok(audit[1].before && audit[1].after, 'before and after kept');
});

test('policies: warn_then_end degrades without announcements; allow cannot hold back; the period is the centre\'s', async () => {
  assert.equal((await inject(sup, 'PUT', '/v1/screening/policies/allow', { policy: 'lowest_priority' })).json().code, 'CTI_SCREENING_POLICY_INVALID');
  const set = await inject(sup, 'PUT', '/v1/screening/policies/block', { policy: 'warn_then_end', override_period_s: 600 });
  assert.equal(set.statusCode, 200, set.body);
  const got = await inject(sup, 'GET', '/v1/screening/policies');
  assert.equal(got.json().announcements, false);
  assert.equal(got.json().items.find((p: { list: string }) => p.list === 'block').policy, 'warn_then_end');
  await inject(sup, 'POST', '/v1/screening/entries', { list: 'block', number: '16600000001', reason: '测试' });
  await deps.redis.set(letThroughKey('city', '16600000001'), '1', 'PX', 60_000);
  const d = await screen('16600000001');
  assert.equal(d.configured_policy, 'warn_then_end');
  assert.equal(d.policy, 'warn_then_lowest');
  assert.equal(d.degraded, 'announcement_unavailable');
  assert.equal(d.end_after_announcement, false);
  assert.equal(d.priority, 9);
});

test('a seat marks a call -> proposal -> supervisor approves -> entry -> block decision, let through once per period; decisions logged', async () => {
  await inject(sup, 'PUT', '/v1/screening/policies/block', { policy: 'warn_then_lowest', override_period_s: 600 });
  const caller = '13512345678';
  const c1 = await endedCall(`+86${caller}`, new Date(Date.now() - 120_000), 5);
  const c2 = await endedCall(caller, new Date(Date.now() - 60_000), 5);
  const m1 = await inject(seat, 'POST', `/v1/calls/${c1}/mark`, { kind: 'nuisance', note: '辱骂调度员' });
  assert.equal(m1.statusCode, 200, m1.body);
  assert.equal(m1.json().number, caller);
  const m2 = await inject(seat, 'POST', `/v1/calls/${c2}/mark`, { kind: 'silent' });
  assert.equal(m2.json().proposal.id, m1.json().proposal.id, 'one pending proposal per number, strengthened');
  assert.equal(m2.json().proposal.strength, 2);
  assert.deepEqual(m2.json().proposal.reasons, ['nuisance', 'silent']);
  assert.equal((await inject(seat, 'POST', '/v1/calls/00000000-0000-4000-8000-000000000000/mark', { kind: 'silent' })).json().code, 'CTI_CALL_NOT_FOUND');
  assert.equal((await screen(caller)).policy, 'none', 'nothing is blocked before a person approves');

  const pending = await inject(sup, 'GET', '/v1/screening/proposals?status=pending');
  const proposal = pending.json().items.find((p: { number: string }) => p.number === caller);
  assert.ok(proposal);
  const ok = await inject(sup, 'POST', `/v1/screening/proposals/${proposal.id}/approve`, { expires_in_h: 48 });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().entry.list, 'block');
  assert.equal(ok.json().entry.source, 'proposal');
  assert.ok(Math.abs(new Date(ok.json().entry.expires_at).getTime() - Date.now() - 48 * 3_600_000) < 60_000);
  assert.equal((await inject(sup, 'POST', `/v1/screening/proposals/${proposal.id}/approve`, {})).json().code, 'CTI_SCREENING_PROPOSAL_CLOSED');

  const first = await screen(caller);
  assert.equal(first.list, 'block');
  assert.equal(first.override_once, true);
  assert.equal(first.priority, null);
  const second = await screen(caller);
  assert.equal(second.list, 'block');
  assert.equal(second.override_once, false);
  assert.equal(second.priority, 9);
  assert.equal(second.policy, 'warn_then_lowest');

  for (const [d, callId] of [[first, c1], [second, c2]] as const) await recordDecision(deps, { callId, sipCallId: null, at: new Date() }, d);
  const log = await inject(sup, 'GET', `/v1/screening/decisions?number=${caller}`);
  assert.equal(log.statusCode, 200, log.body);
  assert.deepEqual(log.json().items.map((r: { override_once: boolean }) => r.override_once).sort(), [false, true]);
  const marks = await deps.sql`SELECT action FROM audit_log WHERE target_type = 'call' AND target_id = ${c1}`;
  assert.deepEqual(marks.map((r) => r.action), ['call.marked']);
});

test('the short-calls rule, once turned on, proposes a number after a burst of short calls (call.ended.v1 events)', async () => {
  const caller = '15011112222';
  const burst: string[] = [];
  const t = Date.now() - 5 * 60_000;
  for (let i = 0; i < 3; i++) burst.push(await endedCall(caller, new Date(t + i * 30_000), 3));
  await deps.bus.publish('call.ended.v1', { call_id: burst[2], ended_by: 'caller', reason: 'normal', answered_seat_id: null, talk_ms: null });
  await waitFor(async () => { await watch.idle(); return true; }, 5000, 'the rule watch to go idle');
  assert.equal((await inject(sup, 'GET', `/v1/screening/proposals?number=${caller}`)).json().items.length, 0, 'rules are off by default');

  const on = await inject(sup, 'PUT', '/v1/screening/rules/short_calls', { enabled: true, params: { calls: 3, window_min: 10, max_s: 10 } });
  assert.equal(on.statusCode, 200, on.body);
  await deps.bus.publish('call.abandoned.v1', { call_id: burst[2], queue_id: 'city-main', caller_number: caller, wait_ms: 3000, phase: 'queued' });
  const proposal = await waitFor(async () => {
    const items = (await inject(sup, 'GET', `/v1/screening/proposals?number=${caller}&status=pending`)).json().items;
    return items[0] as { reasons: string[]; strength: number; call_ids: string[] } | undefined;
  }, 10_000, 'a proposal from the short-calls rule');
  assert.deepEqual(proposal.reasons, ['short_calls']);
  assert.equal(proposal.strength, 3);
  assert.deepEqual([...proposal.call_ids].sort(), [...burst].sort());
  assert.equal((await screen(caller)).policy, 'none', 'a proposal blocks nothing');

  await inject(sup, 'PUT', '/v1/screening/rules/short_calls', { auto_apply: true, list: 'watch', entry_ttl_h: 2 });
  const other = '15033334444';
  const calls: string[] = [];
  for (let i = 0; i < 3; i++) calls.push(await endedCall(other, new Date(t + i * 20_000), 2));
  await deps.bus.publish('call.ended.v1', { call_id: calls[2], ended_by: 'caller', reason: 'normal', answered_seat_id: null, talk_ms: null });
  const entry = await waitFor(async () => (await inject(sup, 'GET', `/v1/screening/entries?number=${other}`)).json().items[0] as { source: string; list: string; author_name: string } | undefined,
    10_000, 'an entry created by the auto-applied rule');
  assert.equal(entry.source, 'rule');
  assert.equal(entry.list, 'watch');
  assert.equal(entry.author_name, 'rule:short_calls');
  // the rule writes the entry, then the screening mirror takes it (the API's own writes update both at once)
  await waitFor(async () => (await screen(other)).list === 'watch', 10_000, 'the rule\'s entry applied to screening', 100);
});
