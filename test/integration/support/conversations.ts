/**
 * Calls in conversation through node A's death (docs/ha.md, "Calls in conversation"), shared by the integration test
 * and `npm run bench -- failover`: `n` trunk callers (one SIPp in the carrier namespace) talk to `n` seats (two SIPp
 * UAS there, each standing for half of the seats: one group hangs up first, the other waits for the caller's BYE),
 * both sides sending 20 ms PCMA packets for 30 s. A capture in the carrier namespace records every RTP packet the
 * floating address sends to them; after the kill, the longest gap per stream is the media gap.
 */
import { runSipp, startSipp, waitForUdpListenerIn, type SippHandle, type SippResult } from '../../support/sipp.ts';
import { pcapDatagrams, streamGaps, type StreamGap } from '../../support/rtp-gaps.ts';
import { waitFor, type CallRow, type Seat } from './callcentre.ts';
import type { FailoverRig } from './failover.ts';
import { startCapture, type RtpCapture } from './rtp-capture.ts';

/** Carrier-side ports, apart from the ones failover.ts uses (5070/16000, 5080/16100, 5082/16200). */
const SEATS_WAIT = { sip: 5072, media: 16300 };
const SEATS_BYE = { sip: 5074, media: 16400 };
const CALLERS = { sip: 5084, media: 16500 };
const CALLER_PREFIX = '1370000';
/** The window of the gap measurement: from before the kill to this long after it (before the first hang-up at 18 s). */
const WINDOW_BEFORE_MS = 1_000;
const WINDOW_AFTER_MS = 8_000;

export interface Conversations {
  readonly n: number;
  readonly seats: Seat[];
  readonly callers: SippHandle;
  readonly seatPhones: readonly [SippHandle, SippHandle];
  readonly capture: RtpCapture;
  /** The calls as PostgreSQL had them once all were talking (through A). */
  readonly talking: CallRow[];
  /** The phones' address (the carrier namespace's). */
  readonly phonesIp: string;
  /** What the phones sent towards the floating address around the failure (filled by mediaGaps): tells a stream
   *  the floating address did not send because its phone was silent from one its node did not forward. */
  sent?: StreamGap[];
}

export interface ConversationFigures {
  conversations: number;
  /** RTP streams towards the carrier's phones with a packet around the failure (2 per call: to caller, to seat). */
  streams: number;
  /** The longest media gap of any stream (ms). */
  media_gap_ms: number;
  /** Median over streams of their longest gap (ms). */
  media_gap_median_ms: number;
  /** Streams that flowed before the failure (in the second before it) and had no packet after the failure plus 3 s,
   *  i.e. whose audio the failover did not bring back. */
  streams_not_resumed: number;
  /** Streams (of 2 per call) with no packet in the second before the failure: no audio already through A, so not
   *  the failover's loss (counted apart from streams_not_resumed; seen once in a bench run: 19 streams). */
  streams_silent_before_failure: number;
  /** The phones' streams towards the floating address with a packet in the second before the failure (of 2 per
   *  call): fewer than 2 per call means a phone did not send; as many, A's rtpengine did not forward. */
  phone_streams_before_failure: number;
  /** Conversations not ended normally (end reason other than normal, or a side's SIPp saw a failed call). */
  calls_lost: number;
  end_reasons: string[];
  ended_by: Record<string, number>;
}

function isOurs(c: CallRow): boolean {
  return (c.caller_number ?? '').startsWith(CALLER_PREFIX);
}

/** REGISTER of `seat` from a carrier port via the floating address (the seat's phone then listens there). */
export async function registerAt(rig: FailoverRig, seat: Seat, port: { sip: number; media: number }): Promise<void> {
  const { pair } = rig;
  const reg = await runSipp({
    scenario: 'uac-register-expect-200.xml', remote: pair.sipRemote, netns: pair.net.ns.car, localIp: pair.net.addr.car,
    localPort: port.sip, mediaPort: port.media, service: seat.sipUser, auth: { username: seat.sipUser, password: seat.password },
    vars: { expires: '3600' }, timeoutS: 15,
  });
  if (!reg.ok) throw new Error(`REGISTER of ${seat.sipUser} failed: exit ${reg.exitCode}\n${reg.errorLog}\n${reg.messageLog}`);
}

/**
 * `n` (even) conversations through node A, answered and talking; the capture runs. Call after prepareFailover: its
 * seat is set not ready so that it stays free for the call after the kill.
 */
export async function startConversations(rig: FailoverRig, n: number): Promise<Conversations> {
  const { pair, a } = rig;
  if (n % 2 !== 0) throw new Error('an even number of conversations: half the seats hang up first');
  await a.seatNotReady(rig.seat!);
  await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-talk', name: '测试中继 通话', ip_addr: pair.net.addr.car, port: CALLERS.sip });
  const seats = await a.createSeats(n);
  const groups = [SEATS_WAIT, SEATS_BYE] as const;
  for (const [i, seat] of seats.entries()) await registerAt(rig, seat, groups[i % 2]!);
  const phones = [] as SippHandle[];
  for (const [g, scenario] of [[0, 'uas-seat-talk-through-failover.xml'], [1, 'uas-seat-talk-through-failover-then-bye.xml']] as const) {
    const h = await startSipp({
      scenario, netns: pair.net.ns.car, localIp: pair.net.addr.car, localPort: groups[g].sip, mediaPort: groups[g].media,
      service: seats[g]!.sipUser, calls: n / 2, timeoutS: 120,
    });
    rig.callers.push(h);
    phones.push(h);
    await waitForUdpListenerIn(pair.net.ns.car, pair.net.addr.car, groups[g].sip);
  }
  for (const seat of seats) {
    await waitFor(async () => (await a.seatState(seat)).registered === true, 15_000, `seat ${seat.id} registered`, 200);
    await a.loginReady(seat);
  }
  // every RTP packet between the floating address and the conversations' phones (both ways: a stream missing
  // towards a phone is told apart as its peer phone's silence or the node's not forwarding)
  const capture = await startCapture(pair.net.ns.car, pair.net.dev,
    `udp and host ${pair.config.mediaVip} and (port ${SEATS_WAIT.media} or port ${SEATS_BYE.media} or port ${CALLERS.media})`);
  const callers = await startSipp({
    scenario: 'uac-120-talk-through-failover.xml', remote: pair.sipRemote, netns: pair.net.ns.car, localIp: pair.net.addr.car,
    localPort: CALLERS.sip, mediaPort: CALLERS.media, calls: n, concurrent: n, rate: 10, timeoutS: 120,
    injection: Array.from({ length: n }, (_, i) => ({ caller: `${CALLER_PREFIX}${String(i).padStart(4, '0')}`, display: '通话中的来电' })),
  });
  rig.callers.push(callers);
  const talking = await a.waitForCalls(n, (c) => isOurs(c) && c.state === 'talking', 20_000, `${n} conversations talking through A`);
  // in conversation for a while: the queue's prompt streams (early media, their own ports) stopped at the answer
  // and are out of the measurement window, which starts WINDOW_BEFORE_MS before the kill
  const lastAnswer = Math.max(...talking.map((c) => c.answered_at!.getTime()));
  await waitFor(() => Date.now() > lastAnswer + WINDOW_BEFORE_MS + 500, WINDOW_BEFORE_MS + 5_000, 'every conversation talking for 1.5 s', 50);
  return { n, seats, callers, seatPhones: [phones[0]!, phones[1]!], capture, talking, phonesIp: pair.net.addr.car };
}

/** The longest gap per stream the floating address sent around the failure at t0 (stops the capture); the phones'
 *  streams towards it go to conv.sent. */
export async function mediaGaps(conv: Conversations, t0: number): Promise<StreamGap[]> {
  await waitFor(() => Date.now() > t0 + WINDOW_AFTER_MS, WINDOW_AFTER_MS + 5_000, 'the end of the measurement window', 100);
  const datagrams = pcapDatagrams(await conv.capture.stop());
  const window = { fromMs: t0 - WINDOW_BEFORE_MS, toMs: t0 + WINDOW_AFTER_MS, afterMs: t0 + 3_000, atMs: t0 };
  conv.sent = streamGaps(datagrams, { ...window, from: conv.phonesIp });
  return streamGaps(datagrams.filter((d) => d.src.ip !== conv.phonesIp), window);
}

/** Waits for every conversation to end (both sides' SIPp and PostgreSQL) and sums up. */
export async function conversationOutcome(rig: FailoverRig, conv: Conversations, gaps: StreamGap[]): Promise<{
  figures: ConversationFigures; rows: CallRow[]; sipp: SippResult[];
}> {
  const sipp = await Promise.all([conv.callers.done, ...conv.seatPhones.map((p) => p.done)]);
  let seen: CallRow[] = [];
  const rows = await waitFor(async () => {
    seen = (await rig.b.calls()).filter(isOurs);
    return seen.length === conv.n && seen.every((c) => c.ended_at) ? seen : undefined;
  }, 20_000, `the ${conv.n} conversations ended in PostgreSQL`, 200).catch((e: Error) => {
    // which calls did not end, and what both sides' SIPp saw (seen once in ha-talk: a timeout here, not reproduced)
    const open = seen.filter((c) => !c.ended_at).map((c) => `${c.caller_number} ${c.state} ${c.sip_call_id}`);
    throw new Error(`${e.message}: ${seen.length} of ${conv.n} in PostgreSQL, not ended: ${open.join('; ')}; `
      + `SIPp successful/failed: ${sipp.map((r) => `${r.successful}/${r.failed}`).join(' ')}`);
  });
  const sorted = gaps.map((g) => g.maxGapMs).sort((x, y) => x - y);
  const ended_by: Record<string, number> = {};
  for (const r of rows) ended_by[r.ended_by ?? '?'] = (ended_by[r.ended_by ?? '?'] ?? 0) + 1;
  const failedSipp = sipp.reduce((s, r) => s + r.failed, 0);
  return {
    figures: {
      conversations: conv.n,
      streams: gaps.length,
      media_gap_ms: sorted.length ? sorted[sorted.length - 1]! : -1,
      media_gap_median_ms: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : -1,
      streams_not_resumed: gaps.filter((g) => g.packetsBefore > 0 && g.packetsAfter === 0).length,
      streams_silent_before_failure: Math.max(0, 2 * conv.n - gaps.filter((g) => g.packetsBefore > 0).length),
      phone_streams_before_failure: (conv.sent ?? []).filter((g) => g.packetsBefore > 0).length,
      calls_lost: Math.max(rows.filter((r) => r.end_reason !== 'normal').length, Math.min(conv.n, failedSipp)),
      end_reasons: [...new Set(rows.map((r) => `${r.state}:${r.end_reason ?? ''}`))],
      ended_by,
    },
    rows,
    sipp,
  };
}
