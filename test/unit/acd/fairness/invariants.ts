/**
 * Checks a simulation log against the distribution rules, replaying it with its own bookkeeping
 * (never the simulator's state). Each check returns the violations it found, empty when the rule held.
 */
import type { SimEntry, SimResult, SeatTotals } from './simulator.ts';

interface CallInfo { priority: number; arriveMs: number }

function callsOf(log: readonly SimEntry[]): Map<string, CallInfo> {
  const out = new Map<string, CallInfo>();
  for (const e of log) if (e.kind === 'arrived') out.set(e.callId, { priority: e.priority, arriveMs: e.at });
  return out;
}

/** A seat is engaged from an offer until it is ready again (after a lost race, not-ready time or wrap-up). */
export function seatOfferedTwoCalls(log: readonly SimEntry[]): string[] {
  const engaged = new Map<string, string>();
  const bad: string[] = [];
  for (const e of log) {
    if (e.kind === 'offered') {
      for (const s of e.seatIds) {
        if (engaged.has(s)) bad.push(`${e.at}: ${s} offered ${e.callId} while engaged with ${engaged.get(s)}`);
        engaged.set(s, e.callId);
      }
      if (new Set(e.seatIds).size !== e.seatIds.length) bad.push(`${e.at}: ${e.callId} offered to one seat twice`);
    } else if (e.kind === 'seat_ready') engaged.delete(e.seatId);
  }
  return bad;
}

/** A call is offered to one seat at a time (ring_all: to several in one offer), and answered once. */
export function callOfferedTwice(log: readonly SimEntry[], ringAll: boolean): string[] {
  const offering = new Set<string>();
  const answered = new Set<string>();
  const bad: string[] = [];
  for (const e of log) {
    if (e.kind === 'offered') {
      if (offering.has(e.callId)) bad.push(`${e.at}: ${e.callId} offered while its offer is ringing`);
      if (answered.has(e.callId)) bad.push(`${e.at}: ${e.callId} offered after it was answered`);
      if (!ringAll && e.seatIds.length !== 1) bad.push(`${e.at}: ${e.callId} offered to ${e.seatIds.length} seats at once`);
      offering.add(e.callId);
    } else if (e.kind === 'requeued') offering.delete(e.callId);
    else if (e.kind === 'answered') {
      if (answered.has(e.callId)) bad.push(`${e.at}: ${e.callId} answered twice`);
      answered.add(e.callId);
      offering.delete(e.callId);
    }
  }
  return bad;
}

/**
 * When a call is offered, no other waiting call comes before it in (priority, arrival): a higher
 * priority is never passed by a lower one, and within a priority the first come is served first,
 * a call requeued after ringing out included (it waits with its original arrival).
 */
export function queueOrderBroken(log: readonly SimEntry[]): string[] {
  const info = callsOf(log);
  const waiting = new Set<string>();
  const bad: string[] = [];
  const before = (a: string, b: string): boolean => {
    const x = info.get(a)!;
    const y = info.get(b)!;
    return x.priority < y.priority || (x.priority === y.priority && (x.arriveMs < y.arriveMs || (x.arriveMs === y.arriveMs && a < b)));
  };
  for (const e of log) {
    if (e.kind === 'arrived' || e.kind === 'requeued') waiting.add(e.callId);
    else if (e.kind === 'offered') {
      waiting.delete(e.callId);
      for (const other of waiting) {
        if (before(other, e.callId)) bad.push(`${e.at}: ${e.callId} (p${info.get(e.callId)!.priority}) offered while ${other} (p${info.get(other)!.priority}) waited before it`);
      }
    }
  }
  return bad;
}

/** An offer to a seat of tier t happens only once the call has waited the tier's opening time. */
export function tierOpenedEarly(log: readonly SimEntry[], tierOfSeat: (seatId: string) => number, opensAfterMs: (tier: number) => number): string[] {
  const bad: string[] = [];
  for (const e of log) {
    if (e.kind !== 'offered') continue;
    for (const s of e.seatIds) {
      const t = tierOfSeat(s);
      if (e.waitedMs < opensAfterMs(t)) bad.push(`${e.at}: ${e.callId} offered to tier-${t} seat ${s} after ${e.waitedMs} ms, before ${opensAfterMs(t)} ms`);
    }
  }
  return bad;
}

export interface Spread { calls: number[]; callsRange: number; callsMean: number; talkCv: number }

/** Calls per seat (max - min) and the coefficient of variation (sd / mean, population sd) of talk time per seat. */
export function spread(result: Pick<SimResult, 'perSeat'>): Spread {
  const totals: SeatTotals[] = [...result.perSeat.values()];
  const calls = totals.map((t) => t.calls);
  const talk = totals.map((t) => t.talkMs);
  const mean = talk.reduce((a, b) => a + b, 0) / talk.length;
  const sd = Math.sqrt(talk.reduce((a, b) => a + (b - mean) ** 2, 0) / talk.length);
  return {
    calls,
    callsRange: Math.max(...calls) - Math.min(...calls),
    callsMean: calls.reduce((a, b) => a + b, 0) / calls.length,
    talkCv: mean === 0 ? 0 : sd / mean,
  };
}
