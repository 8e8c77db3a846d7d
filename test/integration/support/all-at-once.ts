/**
 * Node A dies with everything at once (issue 13; docs/ha.md, "Everything at once"), shared by
 * test/integration/ha/pair-node-a-killed-all-at-once-nothing-lost.test.ts and `npm run bench -- failover`
 * (scenario node_a_killed_all_at_once). One pair, all through node A before the failure:
 * - 8 SIPp trunk callers in conversation with 8 SIPp seats (conversations.ts: RTP captured, media gap per stream);
 * - 2 trunk callers in conversation with 2 browser seats (browser-seats-failover.ts: ICE-restart re-INVITE, page gap);
 * - 20 trunk callers queued on A (takeover.ts: re-injected into B's Kamailio by B's control plane);
 * - a new 120 call sent at the kill (failover.ts).
 * Who answers the queued callers and the new call: ANSWERING dedicated SIPp seats (one SIPp UAS in the carrier
 * namespace, every seat registered with its address, each call answered at once), logged in but not ready before the
 * kill (else they would answer the queue through A) and made ready through B's API right after it, as dispatchers
 * would press "ready". The 8 + 2 seats in conversation stay out of it: their conversations outlast the queue (the
 * first SIPp seat hangs up 18 s after its answer; the browser pages hang up only once the queue is served).
 */
import { startSipp, waitForUdpListenerIn, type SippHandle } from '../../support/sipp.ts';
import {
  browserBenchFigures, browserCallsRecovered, browserSeatsRegistered, hangUpBrowserCalls, keepError, startBrowserSeats, type BrowserSeats,
} from './browser-seats-failover.ts';
import { waitFor, type Seat } from './callcentre.ts';
import { conversationOutcome, mediaGaps, registerAt, startConversations } from './conversations.ts';
import { killNodeA, newCallViaB, prepareFailover, type FailoverRig } from './failover.ts';
import { queueForTakeover, takeoverOutcome } from './takeover.ts';

export const TALKING_SIPP = 8;
export const TALKING_BROWSER = 2;
export const QUEUED = 20;
/** Dedicated seats that answer the queued callers and the new call via B (see above). */
export const ANSWERING = 5;
/** The answering seats' phone: a carrier port apart from the other support modules' (5070-5092, media 16000-16800). */
const ANSWERING_PHONE = { sip: 5076, media: 16900 };

export interface AllAtOnceFigures {
  /** Calls lost of every kind (the sum), and per kind. */
  calls_lost: number;
  queued_lost: number;
  talking_lost: number;
  browser_lost: number;
  new_lost: number;
  /** SIPp conversations: the longest media gap of their 16 RTP streams (towards the phones) and the median. */
  media_gap_ms: number;
  media_gap_median_ms: number;
  streams: number;
  streams_not_resumed: number;
  streams_silent_before_failure: number;
  /** Browser conversations: the longest gap in RTP received by a talking page, and whether both re-INVITEs were answered. */
  browser_media_gap_ms: number;
  browser_calls_recovered: boolean;
  /** Both browser seats' new bindings on B (the slower), the page's own count, stale bindings left. */
  seats_reregistered_ms: number;
  page_counted_ms: number;
  stale_bindings: number;
  /** The queued callers: re-injected on B (max, median), first and last answered, order, double answers. */
  queued_reinjected_after_ms: number;
  queued_reinjected_after_ms_median: number;
  queued_first_answered_after_ms: number;
  queued_last_answered_after_ms: number;
  order_kept: boolean;
  offered_in_order: boolean;
  two_answers: number;
  /** The new 120 call sent at the kill: answered via B (from the kill; it queues behind the 20 taken over). */
  answered_after_ms: number;
  vip_moved_ms: number;
  media_vip_moved_ms: number;
  leader_ms: number;
}

export interface AllAtOnceRun {
  figures: AllAtOnceFigures;
  /** Steps that failed after the kill (the figures of the others are kept). */
  errors: string[];
  browser: BrowserSeats;
  answering: Seat[];
  close(): Promise<void>;
}

const NOT_MEASURED = -1;

/** Runs the scenario on a started rig (startFailoverRig). Never throws after the kill: failed steps are in `errors`. */
export async function allAtOnce(rig: FailoverRig, progress: (s: string) => void = () => {}, waitMs = 120_000): Promise<AllAtOnceRun> {
  const { pair, a } = rig;
  const first = await prepareFailover(rig);
  if (!first.ok) throw new Error(`the first call was not answered through A: exit ${first.exitCode}\n${first.errorLog}`);
  const [firstCall] = await a.calls();
  await a.seatNotReady(rig.seat!);

  const answering = await a.createSeats(ANSWERING);
  for (const seat of answering) await registerAt(rig, seat, ANSWERING_PHONE);
  const phone: SippHandle = await startSipp({
    scenario: 'uas-seat-answer-audio.xml', netns: pair.net.ns.car, localIp: pair.net.addr.car, localPort: ANSWERING_PHONE.sip,
    mediaPort: ANSWERING_PHONE.media, service: answering[0]!.sipUser, timeoutS: Math.ceil(waitMs / 1000) + 120,
  });
  rig.callers.push(phone);
  await waitForUdpListenerIn(pair.net.ns.car, pair.net.addr.car, ANSWERING_PHONE.sip);
  for (const seat of answering) {
    await waitFor(async () => (await a.seatState(seat)).registered === true, 15_000, `answering seat ${seat.id} registered`, 200);
    await a.seatLogin(seat);
  }

  const browser = await startBrowserSeats(rig, TALKING_BROWSER, progress);
  progress(`${TALKING_BROWSER} browser seats talking`);
  const close = () => browser.close();
  try {
    const conv = await startConversations(rig, TALKING_SIPP);
    progress(`${TALKING_SIPP} SIPp conversations talking`);
    const held = await queueForTakeover(rig, QUEUED, waitMs);
    progress(`${QUEUED} callers queued on A; killing node A`);

    const killed = await killNodeA(rig);
    const { t0 } = killed;
    const errors: string[] = [];
    const note = (what: string) => (e: unknown) => { errors.push(`${what}: ${(e as Error).message}`); return undefined; };
    const newCall = newCallViaB(rig, killed, firstCall?.id, answering).catch(note('the new call'));
    const browserDone = keepError(browser, async () => {
      await browserSeatsRegistered(browser, t0, progress);
      await browserCallsRecovered(browser, pair, t0, progress);
    });
    const talking = mediaGaps(conv, t0).then((gaps) => conversationOutcome(rig, conv, gaps)).catch(note('the SIPp conversations'));
    const queued = takeoverOutcome(rig, held, QUEUED, t0, waitMs).catch(note('the queued callers'));
    const [next, talk, taken] = await Promise.all([newCall, talking, queued, browserDone]);
    // the browser seats hang up only now: free, they would be offered the queue's callers (nobody answers in the page)
    await keepError(browser, () => hangUpBrowserCalls(browser));
    if (browser.error) errors.push(`the browser seats: ${browser.error.message}`);
    const web = browserBenchFigures(browser, TALKING_BROWSER);
    const t = taken?.figures;
    const c = talk?.figures;
    const figures: AllAtOnceFigures = {
      calls_lost: 0,
      queued_lost: t ? t.calls_lost : QUEUED,
      talking_lost: c ? c.calls_lost : TALKING_SIPP,
      browser_lost: Number(web.calls_lost),
      new_lost: next ? 0 : 1,
      media_gap_ms: c?.media_gap_ms ?? NOT_MEASURED,
      media_gap_median_ms: c?.media_gap_median_ms ?? NOT_MEASURED,
      streams: c?.streams ?? 0,
      streams_not_resumed: c?.streams_not_resumed ?? NOT_MEASURED,
      streams_silent_before_failure: c?.streams_silent_before_failure ?? NOT_MEASURED,
      browser_media_gap_ms: Number(web.media_gap_ms),
      browser_calls_recovered: browser.figures?.call_recovered === true,
      seats_reregistered_ms: Number(web.seats_reregistered_ms),
      page_counted_ms: Number(web.banner_took_ms),
      stale_bindings: Number(web.stale_bindings),
      queued_reinjected_after_ms: t?.reinjected_after_ms_max ?? NOT_MEASURED,
      queued_reinjected_after_ms_median: t?.reinjected_after_ms_median ?? NOT_MEASURED,
      queued_first_answered_after_ms: t?.first_answered_after_ms ?? NOT_MEASURED,
      queued_last_answered_after_ms: t?.last_answered_after_ms ?? NOT_MEASURED,
      order_kept: t?.order_kept ?? false,
      offered_in_order: t?.offered_in_order ?? false,
      two_answers: t?.two_answers ?? NOT_MEASURED,
      answered_after_ms: next?.figures.answered_after_ms ?? NOT_MEASURED,
      vip_moved_ms: next?.figures.vip_moved_ms ?? NOT_MEASURED,
      media_vip_moved_ms: next?.figures.media_vip_moved_ms ?? NOT_MEASURED,
      leader_ms: next?.figures.leader_ms ?? NOT_MEASURED,
    };
    figures.calls_lost = figures.queued_lost + figures.talking_lost + figures.browser_lost + figures.new_lost;
    return { figures, errors, browser, answering, close };
  } catch (e) {
    await close();
    throw e;
  }
}
