/**
 * Overflow of a queue's due calls (acd/overflow.ts decides which). To another queue: the call moves with its
 * arrival time and priority (its place among equals), and its wait there starts again. To another
 * centre: the suspended INVITE is relayed to the SIP address (evapi `overflow`, anchored and recorded by
 * rtpengine like any offer) with the call's data in X-CTI-* headers; overflow-outcomes.ts handles the answer or the
 * failure (the call comes back to its place here).
 */
import type { AppDeps } from '../../app/deps.ts';
import type { PerKeySerializer } from '../../app/serial.ts';
import { branchesLeft } from '../../acd/branches.ts';
import { dueForOverflow, overflowHeaderValues, staffedSeats, type DueOverflow, type WaitingCall } from '../../acd/overflow.ts';
import { dequeue, enqueue, queueKey } from '../../acd/queue.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import type { OverflowSettings } from '../../queues/overflow.ts';
import type { SeatLive } from '../../seats/state/store.ts';
import { getCallExtras, setCallExtras, type CallExtras } from '../extras.ts';
import { assertCallTransition } from '../machine.ts';
import { getLiveCall, logCallEvent, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

export class Overflow {
  constructor(private readonly deps: AppDeps, private readonly control: CallControl, private readonly serial: PerKeySerializer) {}

  /** Overflows the due calls of `queueId`; returns the queues that got calls (to distribute them at once). */
  async run(queueId: string, o: OverflowSettings, seats: readonly SeatLive[]): Promise<string[]> {
    const ids = await this.deps.redis.zrange(queueKey(queueId), '0', '-1');
    if (ids.length === 0) return [];
    const calls = new Map<string, { call: LiveCall; extras: CallExtras }>();
    const waiting: WaitingCall[] = [];
    for (const id of ids) {
      const call = await getLiveCall(this.deps.redis, id);
      if (!call || call.state !== 'queued' || this.control.isPending(id)) continue;
      const extras = await getCallExtras(this.deps.redis, id);
      calls.set(id, { call, extras });
      waiting.push({ sipCallId: id, enteredMs: extras.enteredMs || call.queuedMs || call.arrivedMs, tried: extras.overflowTried });
    }
    const moved: string[] = [];
    for (const due of dueForOverflow(o, waiting, staffedSeats(seats, queueId), Date.now())) {
      const { call, extras } = calls.get(due.sipCallId)!;
      try {
        if (o.target.kind === 'queue') {
          await this.toQueue(call, extras, o.target.queueId, due);
          moved.push(o.target.queueId);
        } else {
          await this.toCentre(call, extras, o.target.uri, o.ringTimeoutMs, due);
        }
      } catch (err) {
        // the call stays where it was (or, relayed, its outcome arrives from Kamailio): never lost
        this.deps.log.error({ err: String(err), call: call.sipCallId, queue: queueId }, 'overflow failed');
      }
    }
    return moved;
  }

  private async toQueue(call: LiveCall, extras: CallExtras, toQueueId: string, due: DueOverflow): Promise<void> {
    assertCallTransition(call.id, call.state, 'queued');
    if (!(await dequeue(this.deps.redis, call.queueId, call.sipCallId))) return;
    const now = new Date();
    const seq = extras.overflowSeq + 1;
    const tried = [...new Set([...extras.overflowTried, `queue:${call.queueId}`, `queue:${toQueueId}`])];
    await saveLiveCall(this.deps.redis, { sipCallId: call.sipCallId, queueId: toQueueId });
    await setCallExtras(this.deps.redis, call.sipCallId, { overflowSeq: seq, overflowTried: tried, enteredMs: now.getTime() });
    await enqueue(this.deps.redis, toQueueId, call.sipCallId, call.priority, call.arrivedMs);
    await this.serial.run(call.sipCallId, async () => {
      await writeFacts(this.deps, call.id, fact`INSERT INTO call_overflows (call_id, seq, from_queue_id, to_queue_id, reason, started_at, ended_at, outcome, waited_ms)
        VALUES (${call.id}, ${seq}, ${call.queueId}, ${toQueueId}, ${due.reason}, ${now}, ${now}, 'moved', ${due.waitedMs})`);
      const moved = await transitionCall(this.deps, call, 'queued', { queue_id: toQueueId },
        { type: 'call.overflowed.v1', data: { call_id: call.id, seq, from_queue_id: call.queueId, to_queue_id: toQueueId, to_sip_uri: null, reason: due.reason, waited_ms: due.waitedMs } },
        now, { liveAlreadySet: true });
      await logCallEvent(this.deps, moved.id, 'call.queued.v1', { call_id: call.id, queue_id: toQueueId, priority: call.priority, requeued: true, reason: 'overflow' }, now);
    });
  }

  private async toCentre(call: LiveCall, extras: CallExtras, uri: string, ringMs: number, due: DueOverflow): Promise<void> {
    if (branchesLeft(call.attempt, extras.extraBranches) < 2) return; // no budget: the queue's own distribution fails it open
    assertCallTransition(call.id, call.state, 'overflowed');
    if (!(await dequeue(this.deps.redis, call.queueId, call.sipCallId))) return;
    const now = new Date();
    const seq = extras.overflowSeq + 1;
    await saveLiveCall(this.deps.redis, { sipCallId: call.sipCallId, state: 'overflowed', offeredMs: now.getTime() });
    await setCallExtras(this.deps.redis, call.sipCallId, { overflowSeq: seq, overflowUri: uri, extraBranches: extras.extraBranches + 2 });
    const facts = this.serial.run(call.sipCallId, async () => {
      await writeFacts(this.deps, call.id, fact`INSERT INTO call_overflows (call_id, seq, from_queue_id, to_sip_uri, reason, started_at, waited_ms)
        VALUES (${call.id}, ${seq}, ${call.queueId}, ${uri}, ${due.reason}, ${now}, ${due.waitedMs})`);
      const current = await getLiveCall(this.deps.redis, call.sipCallId);
      if (current?.state !== 'overflowed') return; // it came back or the caller left meanwhile: recorded by that
      await transitionCall(this.deps, call, 'overflowed', {},
        { type: 'call.overflowed.v1', data: { call_id: call.id, seq, from_queue_id: call.queueId, to_queue_id: null, to_sip_uri: uri, reason: due.reason, waited_ms: due.waitedMs } },
        now, { liveAlreadySet: true });
    });
    this.control.overflow(call, uri, overflowHeaderValues(call, now.getTime()), ringMs, seq);
    await facts.catch((err) => this.deps.log.error({ err: String(err), call: call.sipCallId }, 'overflow facts not recorded'));
  }
}
