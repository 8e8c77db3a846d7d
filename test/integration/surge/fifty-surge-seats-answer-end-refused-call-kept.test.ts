/**
 * A surge of 50 seats, end to end on the real stack (PostgreSQL, Redis, Kamailio, rtpengine, the control plane):
 * created in one API call, registered with the 50 returned credentials by SIPp runs from one local port (every
 * binding's Contact is that port), answered by ONE UAS SIPp started on the same port afterwards,
 * so calls offered to any of the 50 seats are answered. Then the surge ends while one seat is in a call.
 *
 * The surge routes and the expiry tick run in this process against the stack's databases and Kamailio RPC (the
 * child control plane does the call flow; main.ts does not mount the surge routes yet).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../control/src/api/server.ts';
import { surgeRoutes } from '../../../control/src/api/routes/surge.ts';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import { EventBus } from '../../../control/src/events/bus.ts';
import { startSurgeExpiry, type SurgeExpiry } from '../../../control/src/surge/expiry.ts';
import { configFor, memoryLogger } from '../api/support/harness.ts';
import { startCallCentre, waitFor, type CallCentre, type Seat } from '../support/callcentre.ts';
import { freeUdpPort, runSipp, startSipp, waitForUdpListener } from '../../support/sipp.ts';

const SEATS = 50;
const CALLS = 20;

let cc: CallCentre;
let deps: AppDeps;
let app: FastifyInstance;
let origin = '';
let expiry: SurgeExpiry;
let runDir = '';
let supervisorToken = '';

async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${supervisorToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${origin}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

before(async () => {
  cc = await startCallCentre('surge-fifty', { queue: { wrapup_s: 0, ring_timeout_s: 10 } });
  runDir = mkdtempSync(join(tmpdir(), 'cti-surge-'));
  const config = configFor(cc.stack, runDir);
  const sql = (await import('postgres')).default(config.pgUrl, { max: 5, onnotice: () => {} });
  const { Redis } = await import('ioredis');
  const redis = new Redis(config.redisUrl);
  deps = { config, sql, redis, bus: new EventBus(redis, config.centreId), log: memoryLogger() };
  deps.bus.startFanout();
  const rpc = new KamailioRpc({ url: config.kamailioRpcUrl });
  app = await buildServer({ ...deps, kamailio: rpc }, [surgeRoutes(deps, { rpc })]);
  origin = await app.listen({ host: '127.0.0.1', port: 0 });
  expiry = startSurgeExpiry(deps, { rpc, intervalMs: 500 });
  await cc.apiOk('POST', '/v1/users', { username: 'duty-supervisor', display_name: '值班主任', password: 'duty-supervisor-pw', roles: ['supervisor'] });
  const login = await fetch(`${origin}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'duty-supervisor', password: 'duty-supervisor-pw' }),
  });
  supervisorToken = ((await login.json()) as { token: string }).token;
});

after(async () => {
  expiry?.stop();
  await app?.close();
  await deps?.bus.stopFanout();
  await deps?.sql.end({ timeout: 2 });
  deps?.redis.disconnect();
  await cc?.close();
  if (runDir) rmSync(runDir, { recursive: true, force: true });
});

async function registerRefused(seat: Seat): Promise<boolean> {
  const r = await runSipp({
    scenario: 'uac-register-wrong-password-expect-403-or-401.xml', remote: cc.sipRemote, service: seat.sipUser,
    auth: { username: seat.sipUser, password: seat.password }, timeoutS: 10,
  });
  return r.ok;
}

test('50 surge seats: one create, 50 registrations, calls answered across seats; end refuses credentials, a seat in a call finishes it; records and audit remain', async () => {
  const tpl = await api('POST', '/v1/seat-templates', { id: 'mci', name: '重大事件临时席', queues: ['city-main'], tier: 2, skills: ['mandarin'], wrapup_s: 0 });
  assert.equal(tpl.status, 201, JSON.stringify(tpl.body));

  const expiresAt = new Date(Date.now() + 2 * 3600_000).toISOString();
  const created = await api('POST', '/v1/surges', { template_id: 'mci', count: SEATS, prefix: 'mci', expires_at: expiresAt, reason: '重大事件：高速公路连环追尾' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const surgeId: string = created.body.surge.id;
  const out: { id: string; sip_username: string; sip_password: string; login_url: string; queues: string[] }[] = created.body.seats;
  assert.equal(out.length, SEATS);
  assert.equal(new Set(out.map((s) => s.sip_password)).size, SEATS, 'every seat has its own password');
  assert.equal(out[0].id, 'mci-01');
  assert.equal(out[0].login_url, `${origin}/consoles/dispatcher/?seat=mci-01&sip_user=mci-01`);
  assert.deepEqual(out[0].queues, ['city-main']);

  const stored = await deps.sql<{ t: string }[]>`
    SELECT (SELECT json_agg(s)::text FROM seats s) || (SELECT json_agg(su)::text FROM surges su) || (SELECT json_agg(a)::text FROM audit_log a) AS t`;
  for (const s of out) assert.ok(!stored[0].t.includes(s.sip_password), 'no SIP password stored in clear');
  assert.equal((await deps.sql`SELECT 1 FROM subscriber WHERE username LIKE 'mci-%'`).length, SEATS);

  const seats: Seat[] = out.map((s) => ({ id: s.id, sipUser: s.sip_username, password: s.sip_password, displayName: s.id }));

  // 50 user agents REGISTER one after another from the same local port (SIPp 3.6.1 cannot take digest credentials
  // from an injection file: the nested [field0] in [authentication ...] is not parsed), so every binding's Contact
  // is that port and ONE UAS started there afterwards answers the calls offered to any of the 50 seats.
  // 100 requests from 127.0.0.1 with the challenges, spread over seconds: well below pike's 300 per 2 s.
  const port = await freeUdpPort();
  for (const s of seats) await cc.registerSeat(s, port);
  const uas = await startSipp({ scenario: 'uas-seat-answer-audio.xml', localPort: port, service: 'surge', timeoutS: 300 });
  try {
    await waitForUdpListener(port);
    for (const s of seats) {
      await waitFor(async () => (await cc.seatState(s)).registered === true, 15_000, `${s.id} registered`, 100);
      await cc.loginReady(s);
    }

    const trunk = await cc.createTrunkPort();
    const calls = await cc.runCaller(trunk, {
      scenario: 'uac-120-expect-answer-many.xml', calls: CALLS, rate: 5, concurrent: CALLS, timeoutS: 90,
      vars: { talk_ms: '1000' }, injection: [{ caller: '13800138000', display: 'surge caller' }],
    });
    assert.equal(calls.successful, CALLS, `${calls.errorLog}\n${calls.messageLog}`);
    const answered = await cc.waitForCalls(CALLS, (c) => c.state === 'ended' && c.answered_seat_id !== null, 20_000);
    const bySeat = new Set(answered.map((c) => c.answered_seat_id));
    assert.ok([...bySeat].every((id) => id!.startsWith('mci-')), 'answered by surge seats');
    assert.equal(bySeat.size, CALLS, 'longest-idle: no seat takes a second call while another has waited longer');

    const patched = await api('PATCH', `/v1/surges/${surgeId}`, { expires_at: new Date(Date.now() + 3 * 3600_000).toISOString() });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    // One seat in a long call when the surge ends.
    const long = await cc.startCaller(trunk, {
      scenario: 'uac-120-expect-answer-many.xml', timeoutS: 60, vars: { talk_ms: '8000' }, injection: [{ caller: '13900139000', display: 'long caller' }],
    });
    const talking = await cc.waitForCall((c) => c.caller_number === '13900139000' && c.state === 'talking', 15_000, 'the long call answered');
    const busySeat = talking.answered_seat_id!;
    await cc.waitForSeatState(seats.find((s) => s.id === busySeat)!, 'talking');

    const ended = await api('POST', `/v1/surges/${surgeId}/end`);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.status, 'ending');
    const ending = ended.body.seats.filter((s: { status: string }) => s.status === 'ending').map((s: { seat_id: string }) => s.seat_id);
    assert.deepEqual(ending, [busySeat]);

    const idle = seats.filter((s) => s.id !== busySeat);
    assert.equal((await deps.sql`SELECT 1 FROM subscriber WHERE username LIKE 'mci-%'`).length, 1, 'only the seat in a call keeps its credentials');
    for (const s of idle.slice(0, 3)) assert.ok(await registerRefused(s), `${s.id}: REGISTER with the old credentials refused`);
    const lookup = await new KamailioRpc({ url: deps.config.kamailioRpcUrl }).call('ul.lookup', ['location', idle[0].sipUser]).then(() => 'found', () => 'gone');
    assert.equal(lookup, 'gone', 'the binding was dropped from usrloc');
    assert.equal((await cc.api('GET', `/v1/seats/${idle[0].id}/state`)).status, 404, 'no live state');
    assert.equal((await cc.call(talking.id))!.state, 'talking', 'the call in progress goes on');

    const longDone = await long.done;
    assert.ok(longDone.ok, `${longDone.errorLog}\n${longDone.messageLog}`);
    const finished = await cc.waitForCall((c) => c.id === talking.id && c.state === 'ended', 10_000, 'the long call ended');
    assert.equal(finished.ended_by, 'caller');
    assert.ok(finished.talk_ms! >= 7000, `talked to the end: ${finished.talk_ms} ms`);
    const surge = await waitFor(async () => {
      const r = await api('GET', `/v1/surges/${surgeId}`);
      return r.body.status === 'ended' ? r.body : undefined;
    }, 10_000, 'the busy seat disabled after its call');
    assert.ok(surge.seats.every((s: { status: string }) => s.status === 'ended'));
    assert.ok(await registerRefused(seats.find((s) => s.id === busySeat)!), 'the busy seat refused after its call');

    const kept = await deps.sql`SELECT 1 FROM calls WHERE answered_seat_id LIKE 'mci-%'`;
    assert.equal(kept.length, CALLS + 1, 'call records remain');
    const audit = await deps.sql<{ action: string; actor_name: string; n: number }[]>`
      SELECT action, actor_name, count(*)::int AS n FROM audit_log
       WHERE (target_type = 'surge' AND target_id = ${surgeId}) OR (target_type = 'seat' AND target_id LIKE 'mci-%')
          OR (target_type = 'seat_template' AND target_id = 'mci')
       GROUP BY action, actor_name ORDER BY action`;
    assert.deepEqual([...audit], [
      { action: 'seat.created', actor_name: 'duty-supervisor', n: SEATS },
      { action: 'seat.disabled', actor_name: 'duty-supervisor', n: SEATS },
      { action: 'seat_template.created', actor_name: 'duty-supervisor', n: 1 },
      { action: 'surge.created', actor_name: 'duty-supervisor', n: 1 },
      { action: 'surge.ended', actor_name: 'duty-supervisor', n: 1 },
      { action: 'surge.updated', actor_name: 'duty-supervisor', n: 1 },
    ]);
    assert.equal((await api('POST', `/v1/surges/${surgeId}/end`)).status, 409, 'ending twice is refused');
  } finally {
    await uas.stop();
  }
});

test('a surge ends by itself at its expiry, as the system, and its seats stop authenticating', async () => {
  const created = await api('POST', '/v1/surges', { template_id: 'mci', count: 2, expires_at: new Date(Date.now() + 3000).toISOString(), reason: '演练' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id: string = created.body.surge.id;
  assert.match(created.body.seats[0].id, /^sg[0-9a-z]{4}-01$/);
  const surge = await waitFor(async () => {
    const r = await api('GET', `/v1/surges/${id}`);
    return r.body.status === 'ended' ? r.body : undefined;
  }, 10_000, 'the surge expired');
  assert.equal(surge.end_reason, 'expired');
  assert.equal(surge.ended_by_name, 'system:surge-expiry');
  const ids = created.body.seats.map((s: { id: string }) => s.id);
  assert.equal((await deps.sql`SELECT 1 FROM subscriber WHERE username = ANY(${ids}::text[])`).length, 0);
  const listed = await api('GET', '/v1/surges?open=true');
  assert.ok(!listed.body.items.some((s: { id: string }) => s.id === id), 'an ended surge is not open');
});
