/**
 * After a reconnect to Kamailio (the sync it replies with): live calls it did not re-send are reconciled with
 * its dialogs, and seats held by calls that are gone are released.
 */
import { dequeue } from '../../acd/queue.ts';
import { allSeatsLive, getSeatLive, transitionSeat } from '../../seats/state/store.ts';
import { overflowAnswered } from '../actions/overflow-outcomes.ts';
import { getCallExtras } from '../extras.ts';
import { isRinging } from '../offers/ring-all.ts';
import { peerDialogIds } from '../../ha/peer-dialogs.ts';
import { isTakeoverCandidate, takeOverQueuedCalls } from '../../ha/takeover/takeover.ts';
import { allLiveCalls, getLiveCall, hasCallRecord, isLiveCall, retireLiveCall, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { onAnswered } from './answered.ts';
import { forgetAwayOutcome, loadAwayOutcomes, type AwayOutcome } from './away-outcomes.ts';
import { listAbandoned, onBye, startWrapUp } from './ended.ts';
import type { FlowContext } from './context.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';
import { restoreMissingRow } from './missing-row.ts';
import { calleeContact } from './dialog-contact.ts';
import { syncRecheck } from './sync-recheck.ts';
import { forgetAwayArrival, loadAwayArrivals, recordAwayArrival } from './away-arrival.ts';

/**
 * After a reconnect, for every live call Kamailio did not re-send: if Kamailio still has its dialog, it was failed
 * open while we were away (ringing everyone, or answered: the seat comes from the dialog's callee contact);
 * if not, it ended while we were away.
 */
export async function onSyncDone(f: FlowContext, seen: Set<string>): Promise<void> {
  let dialogs: Map<string, Record<string, unknown>>;
  try {
    // trimmed like every Call-ID the cfg reports, in case the dialog module keeps trailing white space as sent
    dialogs = new Map((await f.registrations.dialogs()).map((d) => [String(d['call-id'] ?? '').trim(), d]));
  } catch (err) {
    f.deps.log.warn({ err: String(err) }, 'dlg.list failed: live calls not reconciled');
    return;
  }
  const live = await allLiveCalls(f.deps.redis);
  // a pair: calls of the other node whose dialog it still has (a switchover, the old leader alive) stay as they are
  const others = live.filter((c) => !seen.has(c.sipCallId) && c.node !== undefined && c.node !== f.deps.config.node);
  const onPeer = others.length ? await peerDialogIds(f.deps.log) : new Set<string>();
  const takeovers: LiveCall[] = [];
  // answers and BYEs Kamailio kept while no control plane heard its events (a call answered and over meanwhile)
  const away = await loadAwayOutcomes(f);
  const used = new Set<string>();
  const pending: Promise<void>[] = [];
  for (const listed of live) {
    if (seen.has(listed.sipCallId)) continue;
    // a caller still queued there is not: only this node's control plane leads (the lease), so nobody offers it there
    // (the other leader gave up with its node alive; a switchover drains the queue first): taken over like a dead node's
    if (onPeer.has(listed.sipCallId) && listed.state !== 'queued') {
      f.deps.log.info({ call: listed.sipCallId, node: listed.node, state: listed.state }, 'call lives on the other node of the pair: left as it is');
      continue;
    }
    if (onPeer.has(listed.sipCallId)) f.deps.log.warn({ call: listed.sipCallId, node: listed.node }, 'caller queued in the other node\'s Kamailio, whose control plane no longer leads: taken over');
    // in the call's own chain, after the events of it still being handled (sync-recheck.ts); the calls in parallel
    pending.push(f.serial.run(listed.sipCallId, async () => {
      const call = await getLiveCall(f.deps.redis, listed.sipCallId);
      const recheck = syncRecheck(listed, call, await isLiveCall(f.deps.redis, listed.sipCallId));
      if (recheck !== 'reconcile' || !call) {
        if (recheck === 'moved') f.deps.log.info({ call: listed.sipCallId, listed: listed.state, now: call?.state }, 'call moved by its own events during the sync: left to them');
        return;
      }
      await restoreMissingRow(f.deps, call); // a kill -9 between the arrival's Redis save and its row (missing-row.ts)
      await reconcileUnseen(f, call, dialogs.get(call.sipCallId), away.get(call.sipCallId), takeovers, used);
    // one call that cannot be reconciled must not stop the others nor the release of orphan seats below (seen on a
    // pair: a call ended on a node cut off from Redis halfway was left 'ended' but not retired)
    }).catch((err) => f.deps.log.error({ err: String(err), call: listed.sipCallId, state: listed.state }, 'live call not reconciled after the sync')));
  }
  // calls that arrived while no control plane ran and were not re-sent (failed open meanwhile): recorded, then
  // reconciled like the others (away-arrival.ts); kept in Kamailio for the next sync if that failed
  const arrivals = await loadAwayArrivals(f);
  const arrivalsDone = new Set<string>();
  for (const [callId, e] of arrivals) {
    if (seen.has(callId)) { arrivalsDone.add(callId); continue; } // still suspended: its re-sent call.new records it
    pending.push(f.serial.run(callId, async () => {
      if (!(await getLiveCall(f.deps.redis, callId)) && !(await hasCallRecord(f.deps, callId))) {
        const call = await recordAwayArrival(f, e);
        await reconcileUnseen(f, call, dialogs.get(callId), away.get(callId), takeovers, used, { callBack: true });
      }
      arrivalsDone.add(callId);
    }).catch((err) => f.deps.log.error({ err: String(err), call: callId }, 'call that arrived while away not recorded after the sync')));
  }
  await Promise.all(pending);
  for (const callId of arrivalsDone) await forgetAwayArrival(f, callId);
  // the other node of the pair died with these callers' INVITE transactions: re-injected here (docs/ha.md), in one
  // batch while distribution is held, so that they are back at their places before any seat is offered a call
  await takeOverQueuedCalls(f, takeovers, (call) => closeLostCall(f, call));
  await releaseOrphanSeats(f);
  // applied: deleted; the others (Kamailio keeps every call's answer and BYE) expire in Kamailio after 2 h
  for (const callId of used) await forgetAwayOutcome(f, callId);
  // tests and operators wait for this line: the calls Kamailio held are back in line after a (re)connect
  f.deps.log.info({ resent: seen.size }, 'sync with Kamailio done');
}

/** A live call the sync did not see: with its dialog, handed to the takeover, or closed (with what Kamailio kept). */
async function reconcileUnseen(
  f: FlowContext, call: LiveCall, dialog: Record<string, unknown> | undefined, outcome: AwayOutcome | undefined, takeovers: LiveCall[], used: Set<string>,
  opts: { callBack?: boolean } = {},
): Promise<void> {
  if (dialog && Number(dialog.state) < 5) await reconcileWithDialog(f, call, dialog, outcome?.answered?.at); // 5: deleted (RPC dlg.list)
  else if (isTakeoverCandidate(call, f.deps.config.node)) takeovers.push(call);
  else await closeLostCall(f, call, outcome, opts);
  if (outcome) used.add(call.sipCallId);
}

async function reconcileWithDialog(f: FlowContext, call: LiveCall, dialog: Record<string, unknown>, answeredAt?: Date, seatUser = 'ringall'): Promise<void> {
  const confirmed = Number(dialog.state) >= 3;
  if (call.state === 'queued') {
    await dequeue(f.deps.redis, call.queueId, call.sipCallId);
    f.deps.log.warn({ call: call.sipCallId }, 'call was failed open by Kamailio while we were away');
    call = await transitionCall(f.deps, call, 'failed_open', { failed_open: true },
      { type: 'call.failed_open.v1', data: { call_id: call.id, sip_call_id: call.sipCallId, reason: 'control_plane_down', target: 'ringall' } });
    await saveLiveCall(f.deps.redis, { sipCallId: call.sipCallId, failedOpen: true, seatId: null });
  }
  if (confirmed && call.state === 'overflowed') {
    await overflowAnswered(f.deps, call, (await getCallExtras(f.deps.redis, call.sipCallId)).overflowSeq, '');
    return;
  }
  if (confirmed && (call.state === 'failed_open' || call.state === 'offering')) {
    await onAnswered(f, call.sipCallId, seatUser, calleeContact(dialog), 0, answeredAt);
  }
}

/** `callBack`: a caller lost unheard goes on the callback work list (a call that arrived while no control plane ran). */
async function closeLostCall(f: FlowContext, call: LiveCall, outcome?: AwayOutcome, opts: { callBack?: boolean } = {}): Promise<void> {
  if (outcome) {
    const over = await closeWithKeptOutcome(f, call, outcome);
    if (!over) return;
    call = over;
  }
  const now = new Date();
  await dequeue(f.deps.redis, call.queueId, call.sipCallId);
  // held by the other node of a pair, which died with its INVITE transaction (docs/ha.md): the caller is lost
  const failover = call.node !== undefined && call.node !== f.deps.config.node;
  const reason = failover ? 'failover' : 'ended_while_disconnected';
  if (call.state === 'ended' || call.state === 'abandoned') return closeOverCall(f, call, reason, now);
  f.deps.log.warn({ call: call.sipCallId, state: call.state, reason }, 'no dialog in Kamailio: call ended while we were away');
  if (call.state === 'talking' || call.state === 'transferring') { // transferring: a connected call (calls/transfer/)
    await transitionCall(f.deps, call, 'ended', { ended_at: now, ended_by: 'system', end_reason: reason },
      { type: 'call.ended.v1', data: { call_id: call.id, ended_by: 'system', reason, answered_seat_id: call.answeredSeatId, talk_ms: call.answeredMs ? now.getTime() - call.answeredMs : null } }, now);
    if (call.answeredSeatId) await startWrapUp(f, call.answeredSeatId, call.queueId, now);
  } else {
    const waitMs = now.getTime() - call.arrivedMs;
    await transitionCall(f.deps, call, 'abandoned', { ended_at: now, ended_by: 'system', end_reason: reason },
      { type: 'call.abandoned.v1', data: { call_id: call.id, queue_id: call.queueId, caller_number: call.callerNumber || null, wait_ms: waitMs, phase: call.state === 'offering' ? 'offering' : 'queued' } }, now);
    if (failover || opts.callBack) await listAbandoned(f, call, waitMs, now);
  }
  await retireLiveCall(f.deps.redis, call.sipCallId);
}

/**
 * A call whose answer and/or BYE Kamailio kept while we were away is closed with them: answered by its seat at the
 * answer's time, ended by its side at the BYE's time. Returns the call if it is still live (nothing kept of its end).
 */
async function closeWithKeptOutcome(f: FlowContext, call: LiveCall, outcome: AwayOutcome): Promise<LiveCall | undefined> {
  const { answered, ended } = outcome;
  if (answered && (call.state === 'queued' || call.state === 'failed_open' || call.state === 'offering')) {
    f.deps.log.warn({ call: call.sipCallId, state: call.state, seat: answered.seat }, 'call answered while we were away: recorded from what Kamailio kept');
    await reconcileWithDialog(f, call, { state: 4, callee: { contact: answered.contact } }, answered.at, answered.seat && !answered.seat.startsWith('~') ? answered.seat : 'ringall'); // ~many/~overflow: by Contact
  }
  const now = await getLiveCall(f.deps.redis, call.sipCallId);
  if (now && ended && (now.state === 'talking' || now.state === 'transferring')) {
    f.deps.log.warn({ call: call.sipCallId, by: ended.by }, 'call ended while we were away: recorded from what Kamailio kept');
    await onBye(f, call.sipCallId, ended.by, ended.at);
    const after = await getLiveCall(f.deps.redis, call.sipCallId);
    return after && after.state !== 'ended' ? after : undefined; // ended: closed and retired by onBye
  }
  return now;
}

/**
 * A call already over in Redis but still live: the process died between its last transition and its retirement (seen
 * after a kill -9: the sync then tried ended -> abandoned, refused, and the call stayed live with its record open).
 * Its record is closed if that write was lost too (what it already has is kept), then it is retired.
 */
async function closeOverCall(f: FlowContext, call: LiveCall, reason: string, now: Date): Promise<void> {
  f.deps.log.warn({ call: call.sipCallId, state: call.state }, 'call over but not retired (a crash between two steps): record closed, retired');
  await writeFacts(f.deps, call.id, fact`UPDATE calls SET state = ${call.state}, ended_at = coalesce(ended_at, ${now}),
    ended_by = coalesce(ended_by, 'system'), end_reason = coalesce(end_reason, ${reason}), updated_at = ${now}
    WHERE id = ${call.id} AND (state <> ${call.state} OR ended_at IS NULL)`);
  await retireLiveCall(f.deps.redis, call.sipCallId);
}

/** A seat reserved or talking for a call that is no longer offered to it or live (a crash between two steps). */
async function releaseOrphanSeats(f: FlowContext): Promise<void> {
  for (const listed of await allSeatsLive(f.deps.redis)) {
    if ((listed.state !== 'reserved' && listed.state !== 'talking') || !listed.call) {
      if (listed.state === 'reserved' || listed.state === 'talking') await releaseIfOrphan(f, listed.seatId);
      continue;
    }
    // judged inside the call's chain, so a call being answered right now is seen with its final state
    await f.serial.run(listed.call, () => releaseIfOrphan(f, listed.seatId));
  }
}

async function releaseIfOrphan(f: FlowContext, seatId: string): Promise<void> {
  const seat = await getSeatLive(f.deps.redis, seatId);
  if (!seat || (seat.state !== 'reserved' && seat.state !== 'talking')) return;
  const call = seat.call ? await getLiveCall(f.deps.redis, seat.call) : undefined;
  const mine = call && (call.seatId === seatId || call.answeredSeatId === seatId || (await isRinging(f.deps, call.sipCallId, seatId)));
  if (call && mine && (call.state === 'offering' || call.state === 'talking' || call.state === 'failed_open' || call.state === 'transferring')) return;
  f.deps.log.warn({ seat: seatId, state: seat.state, call: seat.call }, 'seat held by a call that is gone: released');
  await transitionSeat(f.deps, seatId, 'ready', { from: ['reserved', 'talking'], reason: null, set: { call: '', idle_since: Date.now() } });
}
