/**
 * Live figures of queues, read from Redis as the call flow leaves them: the waiting calls (the queue's
 * sorted set, checked against each call's live hash), the calls ringing at a seat (live calls in state
 * `offering`), and the member seats that are ready.
 */
import type { Redis } from 'ioredis';
import { queueKey } from '../acd/queue.ts';
import { callKey, LIVE_CALLS } from '../calls/store.ts';
import { allSeatsLive } from '../seats/state/store.ts';

export interface QueueLive {
  queue_id: string;
  /** Calls in the queue waiting for a seat (state queued). */
  waiting: number;
  /** Calls of the queue ringing at a seat, not answered yet. */
  ringing: number;
  /** The longest a caller of this queue has waited so far, unanswered (queued or ringing), in ms; 0 if none. */
  longest_wait_ms: number;
  /** Member seats in state ready. */
  ready_seats: number;
  /** Member seats logged in (any state but logged_out). */
  staffed_seats: number;
}

function empty(queueId: string): QueueLive {
  return { queue_id: queueId, waiting: 0, ringing: 0, longest_wait_ms: 0, ready_seats: 0, staffed_seats: 0 };
}

type CallFields = [state: string | null, queue: string | null, arrivedMs: string | null];

async function callFields(redis: Redis, ids: string[]): Promise<CallFields[]> {
  if (ids.length === 0) return [];
  const p = redis.pipeline();
  for (const id of ids) p.hmget(callKey(id), 'state', 'queue', 'arrived_ms');
  const res = (await p.exec()) ?? [];
  return res.map(([err, v]) => (err ? [null, null, null] : (v as CallFields)));
}

export async function queuesLive(redis: Redis, queueIds: readonly string[], nowMs = Date.now()): Promise<Map<string, QueueLive>> {
  const out = new Map(queueIds.map((id) => [id, empty(id)]));
  if (queueIds.length === 0) return out;
  const oldest = new Map<string, number>();
  const seen = (q: QueueLive, arrived: number) => oldest.set(q.queue_id, Math.min(oldest.get(q.queue_id) ?? Infinity, arrived));

  const p = redis.pipeline();
  for (const id of queueIds) p.zrange(queueKey(id), '0', '-1');
  p.smembers(LIVE_CALLS);
  const res = (await p.exec()) ?? [];
  const members = queueIds.map((_, i) => (res[i]?.[1] as string[] | undefined) ?? []);
  const live = (res[queueIds.length]?.[1] as string[] | undefined) ?? [];

  const flat = members.flatMap((m, i) => m.map((sipCallId) => ({ queueId: queueIds[i], sipCallId })));
  const fields = await callFields(redis, flat.map((m) => m.sipCallId));
  flat.forEach((m, i) => {
    const [state, , arrived] = fields[i];
    if (state !== 'queued') return; // answered, gone or being offered: the distributor drops it from the set
    const q = out.get(m.queueId)!;
    q.waiting += 1;
    seen(q, Number(arrived));
  });

  const liveFields = await callFields(redis, live);
  liveFields.forEach(([state, queue, arrived]) => {
    if (state !== 'offering' || queue === null) return;
    const q = out.get(queue);
    if (!q) return;
    q.ringing += 1;
    seen(q, Number(arrived));
  });

  for (const [id, arrived] of oldest) {
    if (Number.isFinite(arrived)) out.get(id)!.longest_wait_ms = Math.max(0, nowMs - arrived);
  }

  for (const seat of await allSeatsLive(redis)) {
    for (const qid of seat.queues) {
      const q = out.get(qid);
      if (!q || seat.state === 'logged_out') continue;
      q.staffed_seats += 1;
      if (seat.state === 'ready') q.ready_seats += 1;
    }
  }
  return out;
}
