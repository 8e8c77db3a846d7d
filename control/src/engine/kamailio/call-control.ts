import type { Logger } from '../../app/logger.ts';
import type { EvapiClient } from '../evapi/client.ts';

/**
 * Commands to Kamailio for suspended calls, with confirm-and-retry (engine-notes): Kamailio confirms each
 * resume with `resumed`, or reports `resume_failed`; a failed resume is retried after 3 ms, an unconfirmed
 * one is resent after 200 ms, at most `maxTries` times; then `onGiveUp` decides, told whether Kamailio's last
 * word was a refusal (the transaction is not suspended there: the command certainly did not act) or silence.
 */
export interface SuspendedRef {
  sipCallId: string;
  tindex: number;
  tlabel: number;
}

interface Pending {
  msg: Record<string, unknown>;
  tries: number;
  /** Kamailio answered the latest try with resume_failed (rather than not at all). */
  refused: boolean;
  timer: NodeJS.Timeout;
  /** Bumped at each scheduling: a resend already due (see schedule) acts only if nothing rescheduled it since. */
  gen: number;
}

const RETRY_AFTER_FAILURE_MS = 3;
const RESEND_UNCONFIRMED_MS = 200;

export class CallControl {
  /** Unconfirmed commands per call and action: an early-media resume and an offer may be in flight together. */
  private readonly pending = new Map<string, Map<string, Pending>>();
  /** Early media being set up per call (CallMedia.begin): an offer of that call waits for it (holdOffersUntil). */
  private readonly earlySetups = new Map<string, Promise<void>>();

  constructor(
    private readonly evapi: EvapiClient,
    private readonly log: Logger,
    private readonly onGiveUp: (callId: string, action: string, refused: boolean) => void,
    private readonly maxTries = 4,
  ) {}

  offer(ref: SuspendedRef, seatSipUser: string, ringMs: number, attempt: number): void {
    this.sendAfterEarlySetup(ref.sipCallId, { action: 'offer', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), seat: seatSipUser, ring_ms: ringMs, attempt });
  }

  /** ring_all: fork to every listed seat at once (SIP users; Kamailio looks each AoR up), first answer wins. */
  offerMany(ref: SuspendedRef, seatSipUsers: readonly string[], ringMs: number, attempt: number): void {
    this.sendAfterEarlySetup(ref.sipCallId, {
      action: 'offer_many', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), seats: seatSipUsers.map((u) => `${u};`).join(''), ring_ms: ringMs, attempt,
    });
  }

  /**
   * Overflow to another centre: relay the suspended INVITE to `uri` with the X-CTI-* headers (values are
   * tokens, acd/overflow.ts); `seq` comes back as the attempt of its offer.* events.
   */
  overflow(ref: SuspendedRef, uri: string, headers: Record<string, string>, ringMs: number, seq: number): void {
    this.send(ref.sipCallId, {
      action: 'overflow', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), uri, ring_ms: ringMs, attempt: seq,
      h_call_id: headers.call_id, h_caller: headers.original_caller, h_queue_ms: headers.queue_ms, h_centre: headers.origin_centre, h_priority: headers.priority,
    });
  }

  /**
   * A blind transfer's new INVITE relayed to another centre or an outside number (route TRANSFER_OUT): to `uri`,
   * through the live gateway of dispatcher set `setid` when given, presenting `presented` when given; its progress
   * comes back as offer.* events of kind `transfer` (attempt 0: no call_offers row).
   */
  transferOut(ref: SuspendedRef, way: { uri: string; setid: number | null; presented: string | null }, ringMs: number): void {
    this.send(ref.sipCallId, {
      action: 'transfer_out', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), uri: way.uri, setid: way.setid ?? 0,
      cli: way.presented ?? '', ring_ms: ringMs, attempt: 0,
    });
  }

  ringAll(ref: SuspendedRef, reason: string): void {
    this.send(ref.sipCallId, { action: 'ringall', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), reason });
  }

  /** Answer the waiting caller 183 with this SDP (early media) and keep the call suspended. */
  early(ref: SuspendedRef, sdp: string): void {
    this.send(ref.sipCallId, { action: 'early', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), sdp: b64(sdp) });
  }

  /** End a suspended call with a final reply (screening's warn_then_end after the warning has played). */
  reject(ref: SuspendedRef, code: number, reason: string): void {
    this.send(ref.sipCallId, { action: 'reject', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId), code, reason });
  }

  /** A call the control plane has ended: Kamailio answers it 487 and never relays or fails it open again. */
  end(ref: SuspendedRef): void {
    this.send(ref.sipCallId, { action: 'end', tindex: ref.tindex, tlabel: ref.tlabel, callid: b64(ref.sipCallId) });
  }

  requestSync(): void {
    this.evapi.send({ action: 'sync' });
  }

  /** Kamailio resumed the call for `action` (or, without an action, the call left the queue: forget them all). */
  confirmed(callId: string, action?: string): void {
    const byAction = this.pending.get(callId);
    if (!byAction) return;
    for (const [a, p] of byAction) {
      if (action !== undefined && a !== action) continue;
      clearTimeout(p.timer);
      byAction.delete(a);
    }
    if (byAction.size === 0) this.pending.delete(callId);
  }

  /** Kamailio could not resume the call for `action` (not suspended right now): retry soon. */
  failed(callId: string, action?: string): void {
    const byAction = this.pending.get(callId);
    if (!byAction) return;
    for (const [a, p] of byAction) {
      if (action !== undefined && action !== '' && a !== action) continue;
      clearTimeout(p.timer);
      p.refused = true;
      this.schedule(callId, a, p, RETRY_AFTER_FAILURE_MS);
    }
  }

  isPending(callId: string): boolean {
    return this.pending.has(callId);
  }

  stop(): void {
    for (const byAction of this.pending.values()) for (const p of byAction.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  /**
   * Offers of `callId` wait until `setup` (the queue's early media: rtpengine's placeholder offer and answer, then
   * the `early` command) has settled. Otherwise a seat that answers at once can have its branch answered in rtpengine
   * before the placeholder's late answer, which then takes the caller's side over: the caller sends to the port of
   * the 200 and rtpengine drops it ("Not switching from local socket ... (not in list)"), so the seat hears nothing
   * for the whole call (seen in a bench run, docs/ha.md "Calls in conversation"). After the setup, rtpengine sees the
   * placeholder before the seat's branch, as when a caller waited, and Kamailio gets `early` before `offer`.
   */
  holdOffersUntil(callId: string, setup: Promise<unknown>): void {
    const settled = setup.then(() => undefined, () => undefined);
    this.earlySetups.set(callId, settled);
    void settled.then(() => { if (this.earlySetups.get(callId) === settled) this.earlySetups.delete(callId); });
  }

  private sendAfterEarlySetup(callId: string, msg: Record<string, unknown>): void {
    const setup = this.earlySetups.get(callId);
    if (!setup) this.send(callId, msg);
    else void setup.then(() => this.send(callId, msg));
  }

  private send(callId: string, msg: Record<string, unknown>): void {
    const action = String(msg.action);
    let byAction = this.pending.get(callId);
    if (!byAction) this.pending.set(callId, (byAction = new Map()));
    const old = byAction.get(action);
    if (old) clearTimeout(old.timer);
    const p: Pending = { msg, tries: 1, refused: false, timer: undefined as unknown as NodeJS.Timeout, gen: 0 };
    byAction.set(action, p);
    this.schedule(callId, action, p, RESEND_UNCONFIRMED_MS);
    if (!this.evapi.send(msg)) this.log.warn({ call: callId, action }, 'evapi not connected; command will be retried');
  }

  private retry(callId: string, action: string): void {
    const byAction = this.pending.get(callId);
    const p = byAction?.get(action);
    if (!byAction || !p) return;
    if (p.tries >= this.maxTries) {
      byAction.delete(action);
      if (byAction.size === 0) this.pending.delete(callId);
      if (action === 'early') {
        // early media is a courtesy: the call was taken by something else meanwhile (an offer); nothing is lost
        this.log.warn({ call: callId, tries: p.tries }, 'early media not started: the call was not suspended');
        return;
      }
      this.log.error({ call: callId, action, tries: p.tries, refused: p.refused }, 'Kamailio did not resume the call');
      this.onGiveUp(callId, action, p.refused);
      return;
    }
    p.tries += 1;
    p.refused = false;
    this.schedule(callId, action, p, RESEND_UNCONFIRMED_MS);
    this.evapi.send(p.msg);
  }

  /**
   * Retry `p` after `ms`, but only after the event loop has read what already arrived: a timer that expired while
   * the process was busy runs before the poll phase, i.e. before a confirmation already in the socket is read, and
   * a resend then resumes the call's next suspension (Kamailio acts twice). setImmediate runs after the poll phase.
   */
  private schedule(callId: string, action: string, p: Pending, ms: number): void {
    const gen = ++p.gen;
    p.timer = setTimeout(() => setImmediate(() => {
      if (p.gen === gen && this.pending.get(callId)?.get(action) === p) this.retry(callId, action);
    }), ms);
  }
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}
