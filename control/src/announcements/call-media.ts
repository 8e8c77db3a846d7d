/**
 * What a caller hears before a seat answers, per call: early media (early.ts) and the program the announcer
 * plays (the queue's greeting, music and waiting prompt; screening's warning). The call flow calls `begin` when a
 * call has to wait or must be warned, `onEarly` when Kamailio has answered the caller 183, and `end` when the call
 * leaves the queue. Every prompt played is an event on the call's timeline (call.announcement_played.v1).
 */
import type { AppDeps } from '../app/deps.ts';
import type { CallControl } from '../engine/kamailio/call-control.ts';
import { deleteCall, type NgTransport } from '../engine/rtpengine/commands.ts';
import { getLiveCall, logCallEvent, saveLiveCall, type LiveCall } from '../calls/store.ts';
import { Announcer, type Program, type Step } from './announcer.ts';
import { canHaveEarlyMedia, earlySdp, placeholderTag } from './early.ts';
import { queueAnnouncementPlan, type AnnouncementPlan } from '../queues/announcements.ts';

export class CallMedia {
  /** Programs waiting for Kamailio's 183 (call.early) before they start. */
  private readonly afterEarly = new Map<string, Program>();
  readonly announcer: Announcer;

  constructor(private readonly deps: AppDeps, private readonly control: CallControl, private readonly ng: NgTransport) {
    this.announcer = new Announcer(ng, deps.config.mediaDir, deps.log);
  }

  /**
   * Starts `program` for a waiting call, bringing up early media first if it is not up yet.
   * False when the caller cannot have early media (a WebRTC caller, no SDP, rtpengine failed): the caller hears ringing.
   */
  async begin(call: LiveCall, callerSdp: string, proto: string, program: Program, opts: { record?: boolean } = {}): Promise<boolean> {
    const listener = { sipCallId: call.sipCallId, fromTag: call.fromTag ?? '' };
    if (!listener.fromTag) return false;
    if (call.early) {
      this.announcer.run(listener, program);
      return true;
    }
    if (!canHaveEarlyMedia(callerSdp, proto)) return false;
    // an offer of this call made meanwhile (a seat became free) waits until early media is set up
    const setup = this.startEarly(call, listener.fromTag, callerSdp, program, opts.record === true);
    this.control.holdOffersUntil(call.sipCallId, setup);
    return setup;
  }

  private async startEarly(call: LiveCall, fromTag: string, callerSdp: string, program: Program, record: boolean): Promise<boolean> {
    let sdp: string;
    try {
      sdp = await earlySdp(this.ng, { sipCallId: call.sipCallId, fromTag, sdp: callerSdp }, record);
    } catch (err) {
      this.deps.log.warn({ call: call.sipCallId, err: String(err) }, 'early media not possible: the caller hears ringing');
      return false;
    }
    this.afterEarly.set(call.sipCallId, program);
    this.control.early(call, sdp);
    return true;
  }

  /** Kamailio answered the caller 183 and suspended the call again (same transaction). */
  async onEarly(sipCallId: string, tindex: number, tlabel: number): Promise<void> {
    this.control.confirmed(sipCallId, 'early');
    const call = await getLiveCall(this.deps.redis, sipCallId);
    const program = this.afterEarly.get(sipCallId);
    this.afterEarly.delete(sipCallId);
    if (!call) return;
    await saveLiveCall(this.deps.redis, { sipCallId, tindex, tlabel, early: true });
    if (program && (call.state === 'queued' || call.state === 'offering')) {
      this.announcer.run({ sipCallId, fromTag: call.fromTag ?? '' }, program);
    }
  }

  /** The call left the queue (answered, gone): stop the program; `media` also stops what rtpengine is playing. */
  async end(call: Pick<LiveCall, 'sipCallId' | 'fromTag' | 'early'>, media: boolean): Promise<void> {
    this.afterEarly.delete(call.sipCallId);
    const wasPlaying = this.announcer.isPlaying(call.sipCallId);
    await this.announcer.stop(call.sipCallId, { media: media && (wasPlaying || call.early === true), fromTag: call.fromTag });
  }

  /**
   * After the call's BYE: drops the early-media placeholder branch (to-tag `q-<from-tag>`) at once. The BYE's delete
   * (Kamailio) names the side that hung up; when that is the seat, rtpengine may find the placeholder branch still
   * associated with the caller and keep the call, and its recording, until its 60 s timeout (seen on a pair's node
   * that took the call over, docs/ha.md "Recordings of calls taken over"). Also for calls whose 183 never went out
   * (`early` unset: the seat answered first), as the placeholder exists once it was offered. A call without one
   * gets rtpengine's "tag not found": nothing to do.
   */
  async dropPlaceholder(call: Pick<LiveCall, 'sipCallId' | 'fromTag'>): Promise<void> {
    if (!call.fromTag) return;
    await deleteCall(this.ng, { callId: call.sipCallId, fromTag: call.fromTag, toTag: placeholderTag(call.fromTag), deleteDelay: 0 })
      .catch((err: unknown) => this.deps.log.debug({ call: call.sipCallId, err: String(err) }, 'no early-media placeholder left at the BYE'));
  }

  stopAll(): void {
    this.afterEarly.clear();
    this.announcer.stopAll();
  }

  /** The queue's program: greeting once (if `greeting`), then music (or silence) and the waiting prompt in turn. */
  waitingProgram(callId: string, queueId: string, plan: AnnouncementPlan, greeting: boolean): Program {
    const steps: Step[] = [];
    if (greeting && plan.greeting) steps.push({ kind: 'prompt', name: plan.greeting, purpose: 'greeting' });
    const loopFrom = steps.length;
    steps.push(plan.music ? { kind: 'music', name: plan.music, forMs: plan.repeatMs } : { kind: 'pause', name: 'pause', forMs: plan.repeatMs });
    if (plan.waiting) steps.push({ kind: 'prompt', name: plan.waiting, purpose: 'waiting' });
    return { steps, loopFrom, onPrompt: (s, ms) => this.logPrompt(callId, s, ms), renew: () => this.renew(callId, queueId) };
  }

  /** The queue's current program for a call that is still waiting (supervisors' changes apply at the next round). */
  private async renew(callId: string, queueId: string): Promise<Program | null> {
    const plan = await queueAnnouncementPlan(this.deps, queueId);
    return plan.play ? this.waitingProgram(callId, queueId, plan, false) : null;
  }

  /** Screening's warning (训诫语): played once, then `onDone` (queue at the lowest priority, or end the call). */
  warningProgram(callId: string, end: boolean, onDone: () => void): Program {
    return {
      steps: [{ kind: 'prompt', name: end ? 'warning-end' : 'warning', purpose: end ? 'warning_end' : 'warning' }],
      onDone,
      onPrompt: (s, ms) => this.logPrompt(callId, s, ms),
    };
  }

  private logPrompt(callId: string, s: Step, durationMs: number | undefined): void {
    void logCallEvent(this.deps, callId, 'call.announcement_played.v1', {
      call_id: callId, prompt: s.name, purpose: s.purpose ?? 'waiting', duration_ms: durationMs ?? null,
    }).catch((err) => this.deps.log.warn({ call: callId, err: String(err) }, 'announcement event not recorded'));
  }
}
