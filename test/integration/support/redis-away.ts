/**
 * The set-up of the single-node Redis-outage tests (issue 13, test/integration/calls/fail-open-redis-away-*): one
 * SIPp seat registered and logged in but not ready, `n` callers queued behind it; then Redis stopped and a new call
 * placed while it is away. Also what the tests print when an assertion fails (every call, the seat, the call events).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SippHandle } from '../../support/sipp.ts';
import { QUEUE_ID, waitFor, type CallCentre, type Seat } from './callcentre.ts';

export interface RedisAway {
  seat: Seat;
  /** The SIPp run of the queued callers (one call each). */
  queued: SippHandle;
  /** Their SIP Call-IDs. */
  queuedIds: Set<string>;
  /** The new caller, placed once Redis is stopped. */
  next: SippHandle;
}

/** Queues `n` callers (`prefix` + 4 digits) on a seat that is not ready, stops Redis, places `newCaller` talking `talkMs`. */
export async function queueThenStopRedis(cc: CallCentre, o: { n: number; prefix: string; newCaller: string; talkMs: number; timeoutS: number }): Promise<RedisAway> {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat!); // not ready: the callers stay queued
  const queuedTrunk = await cc.createTrunkPort();
  const newTrunk = await cc.createTrunkPort();
  const queued = await cc.startCaller(queuedTrunk, {
    scenario: 'uac-120-expect-answer-many.xml', calls: o.n, rate: 10, concurrent: o.n, vars: { talk_ms: '1000' }, timeoutS: o.timeoutS,
    injection: Array.from({ length: o.n }, (_, i) => ({ caller: `${o.prefix}${String(i).padStart(4, '0')}`, display: 'queued caller' })),
  });
  const waiting = await cc.waitForCalls(o.n, (c) => c.state === 'queued' && (c.caller_number ?? '').startsWith(o.prefix), 15_000, `${o.n} callers queued`);
  await cc.stack.redis.stop();
  const next = await cc.startCaller(newTrunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: String(o.talkMs) }, injection: [{ caller: o.newCaller, display: 'new caller' }], timeoutS: o.timeoutS,
  });
  return { seat: seat!, queued, queuedIds: new Set(waiting.map((c) => c.sip_call_id)), next };
}

/** The stack's kamailio.log or control.log as it is now. */
export function stackLog(cc: CallCentre, name: 'kamailio' | 'control'): string {
  return readFileSync(join(cc.info.logsDir, `${name}.log`), 'utf8');
}

/** Made ready through the API as soon as it accepts (5xx while Redis is away; a seat busy with a call may be refused). */
export async function readyWhenAccepted(cc: CallCentre, seat: Seat): Promise<void> {
  await waitFor(async () => (await cc.api('POST', `/v1/seats/${seat.id}/ready`, {})).status === 200, 60_000, 'the seat made ready through the API', 50);
}

/** Every call, the seat, the queue and every call event: the evidence printed with a failed assertion. */
export async function redisAwayFacts(cc: CallCentre, seat: Seat): Promise<string> {
  const rows = await cc.calls();
  const events = await cc.sql<{ caller_number: string; type: string; at: Date; data: unknown }[]>`
    SELECT c.caller_number, e.type, e.at, e.data FROM call_events e JOIN calls c ON c.id = e.call_id ORDER BY e.at, e.id`;
  return rows.map((r) => `${r.caller_number} ${r.sip_call_id} ${r.state} seat=${r.answered_seat_id} failed_open=${r.failed_open} answered=${r.answered_at?.toISOString()} ended=${r.ended_at?.toISOString()}`).join('\n')
    + `\nseat: ${JSON.stringify(await cc.seatState(seat).catch(String))}, queue: ${JSON.stringify(await cc.redis.zrange(`cti:queue:${QUEUE_ID}`, '0', '-1').catch(String))}`
    + `\nevents:\n${events.map((e) => `${e.at.toISOString()} ${e.caller_number} ${e.type} ${JSON.stringify(e.data).slice(0, 160)}`).join('\n')}`
    + `\nlogs in ${cc.info.logsDir}`;
}
