/**
 * Callers queued on node A when it dies, taken over by node B (docs/ha.md, "Queued callers when a node dies"),
 * shared by test/integration/ha/pair-node-a-killed-queued-callers-answered-via-b.test.ts and `npm run bench -- failover`
 * (scenario queued_takeover): what the SIPp gateway received (every response's To-tag, from -trace_msg) and what
 * PostgreSQL recorded for each caller (re-injection, answer, end).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SippHandle, SippResult } from '../../support/sipp.ts';
import { waitFor, type CallRow } from './callcentre.ts';
import { prepareFailover, queueCallsOnA, type FailoverRig } from './failover.ts';

export const QUEUED_PREFIX = '1390000';
export const TAKEOVER_SCENARIO = 'uac-120-queued-expect-one-answer.xml';

export interface ReceivedResponse { status: number; cseqMethod: string; toTag: string }

/** Responses SIPp received per Call-ID, in order, from its -trace_msg file (messages.log). */
export function responsesByCall(traceDir: string): Map<string, ReceivedResponse[]> {
  const out = new Map<string, ReceivedResponse[]>();
  const log = readFileSync(join(traceDir, 'messages.log'), 'latin1');
  for (const block of log.split(/^-{20,}.*$/m)) {
    const m = /message received \[\d+\] bytes :\s*\n+(SIP\/2\.0 (\d{3})[^\n]*\n[\s\S]*)/.exec(block);
    if (!m) continue;
    const text = m[1]!;
    const header = (name: string): string => new RegExp(`^(?:${name})[ \\t]*:[ \\t]*(.*)$`, 'im').exec(text)?.[1]?.trim() ?? '';
    const callId = header('Call-ID|i');
    const toTag = /;\s*tag=([^;>\s]+)/i.exec(header('To|t'))?.[1] ?? '';
    const cseqMethod = header('CSeq').split(/\s+/)[1] ?? '';
    const list = out.get(callId) ?? [];
    list.push({ status: Number(m[2]), cseqMethod, toTag });
    out.set(callId, list);
  }
  return out;
}

export interface TakeoverFigures {
  queued: number;
  /** Queued callers not answered by a seat (and ended by the caller's BYE) after the failure. */
  calls_lost: number;
  /** Callers whose INVITE got 2xx responses with more than one To-tag (two answers). */
  two_answers: number;
  /** Callers whose 2xx came with the To-tag of the first node's 180 (it must be the surviving node's). */
  answered_with_first_tag: number;
  /** From the failure until B's Kamailio reported the re-injected INVITE (call.queued.v1, reason takeover): max and median. */
  reinjected_after_ms_max: number;
  reinjected_after_ms_median: number;
  /** From the failure until the first and the last queued caller was answered by the seat through B. */
  first_answered_after_ms: number;
  last_answered_after_ms: number;
  /** The callers were answered in the order they arrived (one seat). */
  order_kept: boolean;
  /** Each caller's first offer to a seat came in their arrival order (the queue's order with several seats, whose
   *  answers may cross by a few ms). */
  offered_in_order: boolean;
  end_reasons: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};

/** `n` trunk callers queued on A (after prepareFailover) with the takeover scenario, SIPp kept waiting `waitMs`. */
export function queueForTakeover(rig: FailoverRig, n: number, waitMs: number): Promise<SippHandle> {
  return queueCallsOnA(rig, n, { scenario: TAKEOVER_SCENARIO, timeoutS: Math.ceil(waitMs / 1000) + 60, keepTraces: true });
}

/**
 * A pair with one seat and `n` trunk callers queued on A; A is killed (its seat made ready through B's API) and every
 * queued caller is waited for until answered and ended, or until `waitMs`. Returns the figures, the rows and the
 * SIPp result of the queued callers.
 */
export async function queuedCallersTakenOver(rig: FailoverRig, n: number, waitMs: number):
Promise<{ figures: TakeoverFigures; rows: CallRow[]; result: SippResult; t0: number }> {
  const first = await prepareFailover(rig);
  if (!first.ok) throw new Error(`the first call was not answered through A: exit ${first.exitCode}\n${first.errorLog}`);
  const held = await queueForTakeover(rig, n, waitMs);
  const t0 = Date.now();
  await rig.pair.killNode('a');
  await rig.b.login();
  await rig.b.seatReady(rig.seat!);
  return takeoverOutcome(rig, held, n, t0, waitMs);
}

/** After the kill at t0: waits for the `n` callers queued on A (`held`) to be answered and ended, or until `waitMs`. */
export async function takeoverOutcome(rig: FailoverRig, held: SippHandle, n: number, t0: number, waitMs: number):
Promise<{ figures: TakeoverFigures; rows: CallRow[]; result: SippResult; t0: number }> {
  const rows = await waitFor(async () => {
    const mine = (await rig.b.calls()).filter((c) => (c.caller_number ?? '').startsWith(QUEUED_PREFIX));
    return mine.length === n && mine.every((c) => c.ended_at) ? mine : undefined;
  }, waitMs, `the ${n} queued callers ended in PostgreSQL`, 250);
  // a caller that was not answered would keep its SIPp waiting until its timeout
  const result = rows.every((r) => r.answered_at) ? await held.done : await held.stop();
  const events = await rig.sql<{ call_id: string; at: Date }[]>`
    SELECT call_id::text, at FROM call_events WHERE type = 'call.queued.v1' AND data->>'reason' = 'takeover' AND call_id = ANY(${rows.map((r) => r.id)}::uuid[])`;
  const responses = responsesByCall(result.traceDir);
  let twoAnswers = 0;
  let firstTag = 0;
  for (const r of rows) {
    const got = responses.get(r.sip_call_id) ?? [];
    const invite = got.filter((x) => x.cseqMethod === 'INVITE');
    const okTags = new Set(invite.filter((x) => x.status >= 200 && x.status < 300).map((x) => x.toTag));
    if (okTags.size > 1) twoAnswers++;
    const firstProvisional = invite.find((x) => x.status > 100 && x.status < 200);
    if (firstProvisional && okTags.has(firstProvisional.toTag)) firstTag++;
  }
  const answered = rows.filter((r) => r.answered_at && r.state === 'ended' && r.ended_by === 'caller');
  const byArrival = [...answered].sort((a, b) => a.arrived_at.getTime() - b.arrived_at.getTime()).map((r) => r.id);
  const byAnswer = [...answered].sort((a, b) => a.answered_at!.getTime() - b.answered_at!.getTime()).map((r) => r.id);
  const reinjected = events.map((e) => e.at.getTime() - t0);
  const arrivalIndex = new Map(byArrival.map((id, i) => [id, i]));
  const offers = await rig.sql<{ call_id: string; outcome: string | null; sip_status: number | null }[]>`
    SELECT call_id::text, outcome, sip_status FROM call_offers WHERE call_id = ANY(${rows.map((r) => r.id)}::uuid[]) ORDER BY offered_at`;
  console.log(`answered in this order (arrival index): ${byAnswer.map((id) => arrivalIndex.get(id)).join(' ')}; offers (arrival index:outcome): ${
    offers.map((o) => `${arrivalIndex.get(o.call_id)}:${o.outcome ?? '-'}${o.sip_status ?? ''}`).join(' ')}`);
  const answeredAfter = answered.map((r) => r.answered_at!.getTime() - t0);
  return {
    figures: {
      queued: n,
      calls_lost: n - answered.length,
      two_answers: twoAnswers,
      answered_with_first_tag: firstTag,
      reinjected_after_ms_max: reinjected.length ? Math.max(...reinjected) : -1,
      reinjected_after_ms_median: median(reinjected),
      first_answered_after_ms: answeredAfter.length ? Math.min(...answeredAfter) : -1,
      last_answered_after_ms: answeredAfter.length ? Math.max(...answeredAfter) : -1,
      order_kept: byArrival.join() === byAnswer.join(),
      offered_in_order: byArrival.join() === [...new Set(offers.map((o) => o.call_id))].filter((id) => arrivalIndex.has(id)).join(),
      end_reasons: [...new Set(rows.map((r) => `${r.state}:${r.end_reason ?? ''}`))],
    },
    rows,
    result,
    t0,
  };
}
