/**
 * The call path keeps going while PostgreSQL is away (issue 13, docs/ha.md "PostgreSQL away"), single node, real
 * daemons: eight trunk callers for two seats; PostgreSQL (the stack's service) stops once the first call is
 * answered, while the others queue, are answered and end; it starts again when every caller has arrived and half
 * have ended. Every caller is answered, the outbox (Redis) held the facts meanwhile and is written out after, and
 * PostgreSQL then has every call, offer, leg, call event and seat transition once: none lost, none twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OUTBOX_DEAD_KEY, OUTBOX_KEY } from '../../../control/src/ha/outbox/stream.ts';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const CALLERS = Array.from({ length: 8 }, (_, i) => `1390000${String(i + 1).padStart(4, '0')}`);
const ALARM_S = 3;

let cc: CallCentre;
before(async () => {
  cc = await startCallCentre('outbox-pg-away', {
    queue: { wrapup_s: 0 },
    env: { CTI_FACTS_OUTBOX_ALARM_S: String(ALARM_S) },
    // the subject is the outbox, not Kamailio's fail-open: under load a slow pass must not ring the calls out
    kamailioVars: { FAILOPEN_AFTER_MS: '60000' },
  });
});
after(async () => {
  if (cc && !cc.stack.daemons.postgres?.running) cc.stack.daemons.postgres?.start();
  await cc?.close();
});

async function outboxHealth(): Promise<{ status: string; figures?: { backlog: number; oldest_age_ms: number; dead: number; replayed: number } }> {
  const res = await fetch(`${cc.apiUrl}/health`);
  const body = (await res.json()) as { checks: Record<string, { status: string; detail?: string; error?: string }> };
  const c = body.checks.facts_outbox;
  const json = c?.detail ?? c?.error;
  return { status: c?.status ?? 'missing', figures: json ? JSON.parse(json) : undefined };
}

test('postgres-stopped-calls-answered-facts-written-after: 8 callers answered while PostgreSQL is away, every fact written once after', async (t) => {
  const seats = await cc.createSeats(2);
  for (const s of seats) {
    await cc.startSeatPhone(s, 'uas-seat-answer-audio.xml');
    await cc.loginReady(s);
  }
  const trunk = await cc.createTrunkPort();
  const caller = await cc.startCaller(trunk, {
    scenario: 'uac-120-expect-answer-many.xml', calls: CALLERS.length, rate: 1, concurrent: CALLERS.length, vars: { talk_ms: '2000' },
    injection: CALLERS.map((n, i) => ({ caller: n, display: `pg away ${i + 1}` })), timeoutS: 120,
  });
  await cc.waitForCall((c) => c.state === 'talking', 15_000, 'the first call answered (PostgreSQL up)');

  const pg = cc.stack.daemons.postgres!;
  const stoppedAt = Date.now();
  await pg.stop();
  const streamFrom = (await cc.redis.xrevrange('cti:events', '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
  const since = async (type: string) => (await cc.redis.xrange('cti:events', `(${streamFrom}`, '+'))
    .filter(([, f]) => (JSON.parse(f[f.indexOf('e') + 1]!) as { type: string }).type === type).length;
  // while PostgreSQL is away: the callers keep arriving (call.offered.v1 on the bus), are answered and end
  await waitFor(async () => (await cc.redis.xlen(OUTBOX_KEY)) > 0, 15_000, 'facts kept in the outbox');
  let maxBacklog = 0;
  await waitFor(async () => {
    maxBacklog = Math.max(maxBacklog, await cc.redis.xlen(OUTBOX_KEY));
    const [oldest] = await cc.redis.xrange(OUTBOX_KEY, '-', '+', 'COUNT', 1);
    const ageMs = oldest ? Date.now() - Number(oldest[0].split('-')[0]) : 0;
    return (await since('call.ended.v1')) >= 3 && (await since('call.answered.v1')) >= 4 && ageMs > ALARM_S * 1000 + 500;
  }, 60_000, 'calls answered and ended while PostgreSQL is away', 200);
  const away = await outboxHealth();
  assert.equal(away.status, 'fail', `past ${ALARM_S} s the outbox check fails /health: ${JSON.stringify(away)}`);
  assert.ok(away.figures && away.figures.backlog > 0 && away.figures.oldest_age_ms > ALARM_S * 1000, `figures while away: ${JSON.stringify(away.figures)}`);
  const answeredWhileAway = await since('call.answered.v1');
  const endedWhileAway = await since('call.ended.v1');

  const startedAt = Date.now();
  pg.start();
  const drainedMs = await waitFor(async () => ((await cc.redis.xlen(OUTBOX_KEY)) === 0 ? Date.now() - startedAt : undefined), 60_000, 'the outbox written out', 100);
  const awayMs = startedAt - stoppedAt;

  const result = await caller.done;
  assert.ok(result.ok && result.successful === CALLERS.length, `every caller answered: ${result.successful} ok, ${result.failed} failed\n${result.errorLog}\n${result.messageLog}`);
  assert.equal(await cc.redis.xlen(OUTBOX_DEAD_KEY), 0, 'no write was a dead letter');

  // the calls: all eight, answered by a seat, ended, with the facts written during the outage
  const calls = await cc.waitForCalls(CALLERS.length, (c) => c.state === 'ended', 30_000, 'every call ended in PostgreSQL');
  assert.deepEqual(calls.map((c) => c.caller_number).sort(), [...CALLERS].sort());
  const seatIds = new Set(seats.map((s) => s.id));
  for (const c of calls) {
    assert.ok(c.answered_seat_id && seatIds.has(c.answered_seat_id), `call ${c.caller_number} answered by a seat (${c.answered_seat_id})`);
    assert.ok(c.answered_at && c.ended_at && c.queued_at && c.first_offered_at, `call ${c.caller_number}: its timestamps are written`);
    assert.ok(c.ended_at.getTime() >= c.answered_at.getTime() && c.answered_at.getTime() >= c.arrived_at.getTime(), `call ${c.caller_number}: in order`);
    assert.equal(c.failed_open, false, `call ${c.caller_number} went through the ACD`);

    const types = await cc.callEventTypes(c.id);
    const count = (ty: string) => types.filter((x) => x === ty).length;
    assert.equal(count('call.offered.v1'), 1, `call ${c.caller_number}: offered once (${types})`);
    assert.equal(count('call.answered.v1'), 1, `call ${c.caller_number}: answered once (${types})`);
    assert.equal(count('call.ended.v1'), 1, `call ${c.caller_number}: ended once (${types})`);
    assert.equal(types[0], 'call.offered.v1', `call ${c.caller_number}: the events in the order they happened (${types})`);
    assert.equal(types.at(-1), 'call.ended.v1', `call ${c.caller_number}: ended last (${types})`);
    const offers = await cc.offers(c.id);
    assert.equal(count('call.offering.v1'), offers.length, `call ${c.caller_number}: one offering event per offer row`);
    assert.deepEqual(offers.filter((o) => o.outcome === 'answered').map((o) => o.seat_id), [c.answered_seat_id], `call ${c.caller_number}: one offer answered, by that seat`);
    assert.ok(offers.every((o) => o.outcome !== null && o.ended_at !== null), `call ${c.caller_number}: every offer closed`);
    const legs = await cc.sql<{ kind: string; party: string; ended_at: Date | null }[]>`SELECT kind, party, ended_at FROM call_legs WHERE call_id = ${c.id} ORDER BY id`;
    assert.deepEqual(legs.map((l) => [l.kind, l.party]), [['caller', c.caller_number], ['seat', c.answered_seat_id]], `call ${c.caller_number}: caller and seat legs once`);
    assert.ok(legs.every((l) => l.ended_at), `call ${c.caller_number}: legs ended`);
    // the bus saw every event live, PostgreSQL has each exactly once
    const live = (await cc.callStreamEvents(c.id)).map((e) => e.type).filter((ty) => ty.startsWith('call.'));
    assert.deepEqual([...types].sort(), [...live].sort(), `call ${c.caller_number}: call_events match the events published`);
  }

  // the seats: every transition logged once, a continuous chain ending where Redis is
  for (const s of seats) {
    const log = await cc.sql<{ from_state: string; to_state: string }[]>`SELECT from_state, to_state FROM seat_state_log WHERE seat_id = ${s.id} ORDER BY at, id`;
    for (let i = 1; i < log.length; i++) assert.equal(log[i].from_state, log[i - 1].to_state, `seat ${s.id}: transition ${i} follows the one before (${JSON.stringify(log)})`);
    const [row] = await cc.sql<{ state: string }[]>`SELECT state FROM seats WHERE id = ${s.id}`;
    const live = await cc.seatState(s);
    assert.equal(row.state, live.state, `seat ${s.id}: PostgreSQL and Redis agree`);
    assert.equal(log.at(-1)?.to_state, live.state, `seat ${s.id}: the log ends in the live state`);
    const answered = calls.filter((c) => c.answered_seat_id === s.id).length;
    assert.equal(log.filter((r) => r.to_state === 'talking').length, answered, `seat ${s.id}: talking once per call it answered (${answered})`);
  }

  // the alarm: raised once PostgreSQL could take it, cleared when the outbox was empty
  const alarms = await waitFor(async () => {
    const rows = await cc.sql<{ cleared_at: Date | null; details: Record<string, unknown> }[]>`SELECT cleared_at, details FROM alarms WHERE type = 'facts_outbox_backlog'`;
    return rows.length > 0 && rows.every((r) => r.cleared_at) ? rows : undefined;
  }, 15_000, 'the facts_outbox_backlog alarm raised and cleared', 200);
  assert.equal(alarms.length, 1, 'one alarm for the outage');
  const back = await outboxHealth();
  assert.equal(back.status, 'ok');
  assert.equal(back.figures?.backlog, 0);
  t.diagnostic(`PostgreSQL away ${awayMs} ms: ${answeredWhileAway} calls answered and ${endedWhileAway} ended meanwhile; outbox backlog up to ${maxBacklog} writes (health: ${JSON.stringify(away.figures)}); written out ${drainedMs} ms after PostgreSQL started (replayed ${back.figures?.replayed})`);
});
