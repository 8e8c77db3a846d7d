/**
 * A seat's page lost mid-call (docs/consoles.md "Page closed mid-call"; machine.ts has the states). Kamailio tells
 * which seat's SIP WebSocket closed (seat.connection_closed); if that seat is talking:
 * 1. at once: the caller hears the hold audio (rtpengine plays it on the caller's side, the seat's media blocked,
 *    as hold does; in a room: caller-hold.ts), `call.seat_connection_lost.v1` (state grace) on the call's timeline;
 * 2. every POLL_MS of the grace: is the page back (a new WebSocket binding of the seat in usrloc)? Then the hold
 *    audio stops and the call goes on as the page recovers it (re-INVITE with ICE restart): recovered;
 * 3. at the end of the grace, the page still gone: the caller goes back to its place in the queue (to-queue.ts), or
 *    a consultation's deadline acts now, or the seat leaves a three-way whose other party keeps the caller; the seat
 *    goes not ready (reason connection_lost), a warning alarm for the supervisor, an audit row.
 * The watch lives in Redis; a restarted control plane re-arms those still in grace (resume).
 */
import { raiseAlarm } from '../../alarms/service.ts';
import { recordAudit } from '../../audit/record.ts';
import { getSeatLive, seatIdForSipUser, transitionSeat } from '../../seats/state/store.ts';
import { holdState } from '../actions/hold.ts';
import { seatBindings } from '../conference/caller-requeue.ts';
import { playHoldToCaller, releaseCallerInRoom } from '../conference/caller-hold.ts';
import type { LegEnv } from '../conference/legs.ts';
import { leaveRoom, outsideParties } from '../conference/seat-leaves.ts';
import { expireForLostPage } from '../consult/deadline.ts';
import { partyTags, talkingCall, type TalkingCall } from '../media/session.ts';
import { getLiveCall, logCallEvent, type LiveCall } from '../store.ts';
import { afterGrace, pageBack, pageLostTransition, type CallView, type PageLostState } from './machine.ts';
import { getWatch, openWatches, putNewWatch, putWatch, type PageLostWatch } from './store.ts';
import { SYSTEM, callerBackToQueue } from './to-queue.ts';

const POLL_MS = 500;
/** Loops of the hold file: effectively "until the watch stops it" (as hold.ts). */
const REPEAT_TIMES = 10_000;
export const CONNECTION_LOST = 'connection_lost';

export class PageLostWatcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly busy = new Set<string>();

  constructor(private readonly env: LegEnv, readonly graceMs: number) {}

  /** seat.connection_closed: the seat's talking call, if any, enters its grace. */
  async onConnectionClosed(sipUser: string, source: string): Promise<void> {
    const { deps } = this.env;
    const seatId = await seatIdForSipUser(deps, sipUser);
    const seat = seatId ? await getSeatLive(deps.redis, seatId) : undefined;
    const live = seat?.call ? await getLiveCall(deps.redis, seat.call) : undefined;
    if (!seatId || seat?.state !== 'talking' || !live || live.state !== 'talking' || live.answeredSeatId !== seatId || live.seatLeft) {
      deps.log.info({ seat_id: seatId, seat_state: seat?.state, call: seat?.call, call_state: live?.state, answered_by: live?.answeredSeatId, source }, 'a seat\'s page closed with no call of its own talking');
      return;
    }
    const now = Date.now();
    const w: PageLostWatch = {
      call_id: live.id, sip_call_id: live.sipCallId, seat_id: seatId, sip_user: sipUser, source, state: 'grace', since_ms: now,
      deadline_ms: now + this.graceMs, hold: 'none', blocked: [],
    };
    if (!(await putNewWatch(deps.redis, w))) return;
    deps.log.warn({ call_id: live.id, seat_id: seatId, source, grace_ms: this.graceMs }, 'the seat\'s page is gone mid-call: the caller hears the hold audio while the page may come back');
    await this.holdDuringGrace(w, live).catch((err: unknown) => deps.log.error({ err: String(err), call_id: live.id }, 'hold audio for the caller of a lost page failed'));
    await putWatch(deps.redis, w);
    await this.event(w, 'grace');
    this.arm(w);
  }

  /** At start: every watch still in grace goes on (its deadline may have passed: it ends at the first tick). */
  async resume(): Promise<number> {
    const open = await openWatches(this.env.deps.redis);
    for (const w of open) this.arm(w);
    return open.length;
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private arm(w: PageLostWatch): void {
    const tick = () => {
      this.timers.delete(w.sip_call_id);
      void this.check(w.sip_call_id).catch((err: unknown) => this.env.deps.log.error({ err: String(err), call_id: w.call_id }, 'lost page: the check failed'))
        .finally(() => {
          void getWatch(this.env.deps.redis, w.sip_call_id).then((now) => { if (now?.state === 'grace') this.arm(now); }).catch(() => undefined);
        });
    };
    this.timers.set(w.sip_call_id, setTimeout(tick, Math.max(0, Math.min(POLL_MS, w.deadline_ms - Date.now()))).unref());
  }

  /** One look at the call: the page back, the call over, or the grace over decide; else wait for the next tick. */
  private async check(sipCallId: string): Promise<void> {
    if (this.busy.has(sipCallId)) return;
    this.busy.add(sipCallId);
    try {
      const w = await getWatch(this.env.deps.redis, sipCallId);
      if (w?.state !== 'grace') return;
      const back = pageBack(await seatBindings(this.env, w.sip_user), w.source);
      const view = await this.view(w);
      const decision = afterGrace(w.seat_id, view, back);
      if (decision === 'ended' || decision === 'recovered' || Date.now() >= w.deadline_ms) await this.decide(w, decision);
    } finally {
      this.busy.delete(sipCallId);
    }
  }

  private async view(w: PageLostWatch): Promise<CallView> {
    const live = await getLiveCall(this.env.deps.redis, w.sip_call_id);
    const a = await this.env.store.anchor(w.sip_call_id);
    const parts = a?.room_id ? await this.env.store.participants(a.room_id) : [];
    return {
      state: live?.state, answeredSeatId: live?.answeredSeatId ?? null, seatLeft: live?.seatLeft === true,
      ...(a ? { anchor: { state: a.state, outsideParties: outsideParties(parts).length > 0, consult: a.consult === true } } : {}),
    };
  }

  private async decide(w: PageLostWatch, decision: ReturnType<typeof afterGrace>): Promise<void> {
    const { deps } = this.env;
    const call = await talking(deps, w, await getLiveCall(deps.redis, w.sip_call_id));
    let to: PageLostState;
    if (decision === 'ended') to = 'ended';
    else if (decision === 'recovered') {
      await this.releaseHold(w);
      to = 'recovered';
    } else {
      try {
        if (decision === 'consultation') await expireForLostPage(this.env, w.call_id);
        else if (decision === 'leave_three_way') await leaveRoom(this.env, SYSTEM, call);
        else await callerBackToQueue(this.env, call, w.blocked[0]);
        to = decision === 'requeue' ? 'requeued' : 'handed_over';
      } catch (err) {
        deps.log.error({ err: String(err), call_id: w.call_id }, 'lost page: the caller could not be moved; the hold audio goes on');
        to = 'stranded';
      }
      await this.seatGone(w, to);
    }
    const done = { ...w, state: pageLostTransition(w.state, to, w.call_id) };
    await putWatch(deps.redis, done);
    await this.event(done, to);
    deps.log.warn({ call_id: w.call_id, seat_id: w.seat_id, state: to, lost_ms: Date.now() - w.since_ms }, 'lost page: the grace ended');
  }

  /** The hold audio while the page may come back: on the caller's side of the call (a two-party call), or in its room. */
  private async holdDuringGrace(w: PageLostWatch, live: LiveCall): Promise<void> {
    const { env } = this;
    if ((await holdState(env.deps, live.id)).held) return; // the dispatcher held the caller: the hold audio plays already
    const a = await env.store.anchor(live.sipCallId);
    if (a) {
      const parts = await env.store.participants(a.room_id);
      // a three-way: the caller talks on with the other party; a consultation holds the caller already
      if (a.state !== 'anchored' || a.consult || outsideParties(parts).length > 0) return;
      await playHoldToCaller(env, a);
      w.hold = 'room';
      return;
    }
    const call = await talking(env.deps, w, live);
    const seatTags = (await partyTags(env.ng, call)).slice(1);
    for (const tag of seatTags) {
      await env.ng.blockMedia?.({ callId: call.sipCallId, fromTag: tag });
      w.blocked.push(tag);
    }
    if (env.holdAudio) await env.ng.playMedia?.({ callId: call.sipCallId, fromTag: call.callerTag, file: env.holdAudio, repeatTimes: REPEAT_TIMES });
    w.hold = 'two_party';
  }

  private async releaseHold(w: PageLostWatch): Promise<void> {
    const { env } = this;
    const log = (err: unknown) => env.deps.log.warn({ err: String(err), call_id: w.call_id }, 'lost page: stopping the hold audio failed');
    if (w.hold === 'room') {
      const a = await env.store.anchor(w.sip_call_id);
      if (a) await releaseCallerInRoom(env, a);
      return;
    }
    if (w.hold !== 'two_party') return;
    const live = await getLiveCall(env.deps.redis, w.sip_call_id);
    if (live?.fromTag) await env.ng.stopMedia?.({ callId: w.sip_call_id, fromTag: live.fromTag }).catch(log);
    for (const tag of w.blocked) await env.ng.unblockMedia?.({ callId: w.sip_call_id, fromTag: tag }).catch(log);
  }

  /** The seat whose page is gone takes no more calls until its dispatcher is back: not ready, alarm, audit. */
  private async seatGone(w: PageLostWatch, outcome: PageLostState): Promise<void> {
    const { deps } = this.env;
    await transitionSeat(deps, w.seat_id, 'not_ready', { from: ['talking', 'wrap_up', 'ready'], reason: CONNECTION_LOST, set: { call: '' } });
    await raiseAlarm(deps, { type: 'seat_connection_lost', level: outcome === 'stranded' ? 'critical' : 'warning', subject: w.seat_id, details: { call_id: w.call_id, outcome } });
    await recordAudit(deps.sql, {
      actor: SYSTEM.actor, ip: null, action: 'seat.connection_lost', target_type: 'seat', target_id: w.seat_id,
      before: { call_id: w.call_id, source: w.source }, after: { state: 'not_ready', reason: CONNECTION_LOST, outcome },
    });
    this.env.kick?.();
  }

  private async event(w: PageLostWatch, state: PageLostState): Promise<void> {
    await logCallEvent(this.env.deps, w.call_id, 'call.seat_connection_lost.v1', {
      call_id: w.call_id, seat_id: w.seat_id, state, grace_ms: this.graceMs, lost_ms: Date.now() - w.since_ms,
    });
  }
}

/** The call as the media actions take it; the caller's tag from the live call, else from its caller leg row. */
async function talking(deps: LegEnv['deps'], w: PageLostWatch, live: LiveCall | undefined): Promise<TalkingCall> {
  const callerTag = live?.fromTag || (await talkingCall(deps, w.call_id).catch(() => undefined))?.callerTag || '';
  return { id: w.call_id, sipCallId: w.sip_call_id, seatId: w.seat_id, callerTag };
}
