/**
 * What distribution keeps about a live call beyond store.ts's LiveCall, in the same Redis hash (so it goes
 * with the call when the call is retired): the seats a ring_all offer rings, the transaction branches spent
 * on top of one per offer, and the call's overflow history (targets tried, queues visited, time it entered
 * its current queue).
 */
import type { Redis } from 'ioredis';
import { callKey } from './store.ts';

export interface CallExtras {
  /** Seat ids of the ring_all offer in progress (empty when none). */
  ringSeats: string[];
  /** Branches used beyond the two every offer costs (acd/branches.ts). */
  extraBranches: number;
  /** Overflows so far (call_overflows.seq of the last one). */
  overflowSeq: number;
  /** targetKey()s (queues/overflow.ts) this call must not go to again: SIP targets that failed, queues it has been in. */
  overflowTried: string[];
  /** The SIP target of the overflow in progress ('' when none). */
  overflowUri: string;
  /** When the call entered its current queue (ms); 0: it never moved (its queued time counts). */
  enteredMs: number;
}

const FIELDS = ['ring_seats', 'extra_branches', 'ov_seq', 'ov_tried', 'ov_uri', 'entered_ms'] as const;

function list(v: string | null): string[] {
  if (!v) return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return []; // a damaged field reads as empty: the call is still distributed
  }
}

export async function getCallExtras(redis: Redis, sipCallId: string): Promise<CallExtras> {
  const [ring, extra, seq, tried, uri, entered] = await redis.hmget(callKey(sipCallId), ...FIELDS);
  return {
    ringSeats: list(ring), extraBranches: Number(extra ?? 0) || 0, overflowSeq: Number(seq ?? 0) || 0,
    overflowTried: list(tried), overflowUri: uri ?? '', enteredMs: Number(entered ?? 0) || 0,
  };
}

export async function setCallExtras(redis: Redis, sipCallId: string, e: Partial<CallExtras>): Promise<void> {
  const f: Record<string, string> = {};
  if (e.ringSeats !== undefined) f.ring_seats = JSON.stringify(e.ringSeats);
  if (e.extraBranches !== undefined) f.extra_branches = String(e.extraBranches);
  if (e.overflowSeq !== undefined) f.ov_seq = String(e.overflowSeq);
  if (e.overflowTried !== undefined) f.ov_tried = JSON.stringify(e.overflowTried);
  if (e.overflowUri !== undefined) f.ov_uri = e.overflowUri;
  if (e.enteredMs !== undefined) f.entered_ms = String(e.enteredMs);
  if (Object.keys(f).length > 0) await redis.hset(callKey(sipCallId), f);
}
