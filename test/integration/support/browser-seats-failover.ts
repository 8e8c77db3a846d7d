/**
 * Browser seats ride through the death of node A (docs/ha.md, "Browser seats"), shared by the integration test and
 * `npm run bench -- failover`. Two dispatcher pages in a headless Chromium that runs in the pair's carrier namespace
 * load the consoles from the floating address (the API and SIP WebSocket behind it); seat 1 talks with a SIPp trunk
 * caller that echoes its RTP, seat 2 is ready. Every process of A is SIGKILLed and its link cut (t = 0). Measured:
 * when each seat's new binding appears on B (ul.dump), the pages' Chinese failover banner, the browser call's audio
 * after its ICE-restart re-INVITE (RTCPeerConnection getStats in the page; RTP from B at the caller's side, tshark),
 * and a new 120 call offered to seat 2 via B and answered in the page.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { KamailioRpc, type UlContact } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import { startSipp, type SippHandle, type SippResult } from '../../support/sipp.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from '../consoles/support/browser.ts';
import { createPerson, loginDispatcher, waitText, type Person } from '../consoles/support/pages.ts';
import { captureUdpTo, type RtpCapture } from '../consoles/support/rtp-capture.ts';
import { waitFor, type CallRow, type Seat } from './callcentre.ts';
import { startFailoverRig, type FailoverRig } from './failover.ts';

/** Carrier-side ports, apart from failover.ts's (5070-5082) and conversations.ts's (5072-5084, media 16300-16500),
 *  so that the all-at-once scenario (all-at-once.ts) runs them on one pair. */
const TALKERS = [
  { port: 5088, media: 16600, caller: '13800000001', trunk: 'trunk-carrier-web' },
  { port: 5092, media: 16800, caller: '13800000003', trunk: 'trunk-carrier-web-3' },
] as const;
const NEW_CALL_PORT = 5090;
const NEW_CALL_MEDIA = 16700;
const NEW_CALLER = '13800000002';
const ECHO_SCENARIO = join(import.meta.dirname, '..', 'ha', 'sipp', 'uac-120-expect-answer-echo-reinvite-then-remote-bye.xml');
const PERSONS: Person[] = [
  { username: 'disp-ha-1', password: 'dispatcher-pw-ha-1', display_name: '王五' },
  { username: 'disp-ha-2', password: 'dispatcher-pw-ha-2', display_name: '赵六' },
];

/** Keeps every RTCPeerConnection the page makes on window.__pcs (test side only: the page has no hook of its own). */
export function trackPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const w = window as unknown as { __pcs: RTCPeerConnection[] };
  w.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      w.__pcs.push(this);
      // into the phone's story (below): when ICE and DTLS came back after the ICE restart
      this.addEventListener('iceconnectionstatechange', () => console.info(`[phone] ${new Date().toISOString()} ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => console.info(`[phone] ${new Date().toISOString()} peer ${this.connectionState}`));
    }
  };
}

export interface RtpCounters { received: number; sent: number }

/** Audio RTP packets received and sent by the page's newest RTCPeerConnection (getStats inbound-rtp/outbound-rtp). */
export async function pageRtp(page: Page): Promise<RtpCounters> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs[pcs.length - 1];
    const out = { received: 0, sent: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((r: { type: string; kind?: string; packetsReceived?: number; packetsSent?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') out.received += r.packetsReceived ?? 0;
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.sent += r.packetsSent ?? 0;
    });
    return out;
  });
}

/** Samples pageRtp's `received` every 50 ms in the page; the longest time between two increases is the media gap. */
async function startGapSampler(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; __rtpSamples: Array<[number, number]> };
    w.__rtpSamples = [];
    setInterval(async () => {
      const pc = w.__pcs[w.__pcs.length - 1];
      if (!pc) return;
      let n = 0;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; packetsReceived?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived ?? 0;
      });
      w.__rtpSamples.push([Date.now(), n]);
    }, 50);
  });
}

async function longestGapMs(page: Page, fromMs: number): Promise<number> {
  const samples = await page.evaluate(() => (window as unknown as { __rtpSamples: Array<[number, number]> }).__rtpSamples);
  let gap = 0;
  let lastChange = fromMs;
  let lastN = samples.filter(([t]) => t <= fromMs).at(-1)?.[1] ?? 0;
  for (const [t, n] of samples.filter(([at]) => at > fromMs)) {
    if (n > lastN) {
      gap = Math.max(gap, t - lastChange);
      lastChange = t;
      lastN = n;
    }
  }
  return lastN === (samples.at(-1)?.[1] ?? 0) && lastChange === fromMs ? Number.POSITIVE_INFINITY : gap;
}

function bindingsOf(contacts: UlContact[], user: string): UlContact[] {
  return contacts.filter((c) => c.aor === user && c.expires > 0);
}

const bindingKey = (c: UlContact) => `${c.contact}|${c.received ?? ''}|${c.callId ?? ''}`;

export interface BrowserSeatsFigures {
  /** Per seat: from the kill until B's Kamailio had the seat's new binding (ul.dump, polled every 50 ms). */
  reregistered_ms: number[];
  /** The slowest of the two seats: the bench figure. */
  seats_reregistered_ms: number;
  /** Per seat: live bindings of the seat's AoR on B after it re-registered (1 = no stale binding). */
  bindings_after: number[];
  /** Per page: the failover banner's text, and what the page itself counted ("用时"). */
  banners: string[];
  banner_took_ms: number[];
  /** Whether the call in conversation got its ICE-restart re-INVITE answered (the page's recovery banner). */
  call_recovered: boolean;
  /** Longest time without a new RTP packet at a talking page (the worst of them), from the kill until 2 s of audio
   *  after recovery. */
  browser_media_gap_ms: number;
  /** RTP at the page after the recovery (received, sent), and at the caller from B's address after the kill (the
   *  fewest of the talking pages and callers). */
  page_rtp_after: RtpCounters;
  caller_packets_from_b: number;
  /** From the kill until the new 120 call (after both seats re-registered) was answered by seat 2 via B. */
  answered_after_ms: number;
  /** The new call's audio at seat 2's page (RTP received within 5 s of the answer), and its peer connection's state. */
  new_call_page_rtp: number;
  new_call_peer_state: string;
  new_call: CallRow;
  /** The talking callers' SIPp results (one per browser call), and the first that failed (else the first). */
  conversations: SippResult[];
  conversation: SippResult;
}

export interface BrowserSeatsRun {
  seats: [Seat, Seat];
  pages: [Page, Page];
  log: string[];
  talkingCallId: string;
  figures?: BrowserSeatsFigures;
  /** What failed, if a step did (the figures up to it are kept). */
  error?: Error;
}

interface BrowserTalk { page: Page; caller: SippHandle; callId: string; media: number }

/** Two browser seats on a pair, `talking` of them (1 or 2) in conversation with a SIPp caller that echoes its RTP;
 *  seat 2 ready when only seat 1 talks. Made before the kill; measured after it by the functions below. */
export interface BrowserSeats extends BrowserSeatsRun {
  readonly talks: BrowserTalk[];
  readonly story: Array<{ seat: number; atMs: number; text: string }>;
  readonly rpcB: KamailioRpc;
  readonly oldKeys: Array<Set<string>>;
  capture?: RtpCapture;
  handles: SippHandle[];
  close(): Promise<void>;
}

export async function startBrowserSeats(rig: FailoverRig, talking: 1 | 2, progress: (s: string) => void = () => {}): Promise<BrowserSeats> {
  const { pair, a } = rig;
  const car = pair.net.ns.car;
  const carIp = pair.net.addr.car;
  const origin = `http://${pair.config.vip}:${new URL(pair.nodes.a.info.api.url).port}`;
  const handles: SippHandle[] = [];
  let browser: ConsoleBrowser | undefined;
  const bs = { handles, talks: [] as BrowserTalk[] } as unknown as BrowserSeats;
  bs.close = async () => {
    await bs.capture?.stop().catch(() => undefined);
    bs.capture = undefined;
    await browser?.close();
    await Promise.allSettled(handles.map((h) => h.stop()));
  };
  try {
    await a.setQueue({ wrapup_s: 0 });
    for (const t of TALKERS.slice(0, talking)) await a.apiOk('POST', '/v1/trunks', { id: t.trunk, name: `测试中继 网页席位 ${t.caller}`, ip_addr: carIp, port: t.port });
    await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-web-2', name: '测试中继 网页席位 2', ip_addr: carIp, port: NEW_CALL_PORT });
    const seats: [Seat, Seat] = [await a.createSeat('seat-web-ha-1', '网页席位一'), await a.createSeat('seat-web-ha-2', '网页席位二')];
    for (const p of PERSONS) await createPerson(a, p, 'dispatcher');

    browser = await launchConsoleBrowser(1000, { netns: car, secureOrigins: [origin] });
    await browser.context.addInitScript(trackPeerConnections);
    const pages: [Page, Page] = [await browser.newPage(), await browser.newPage()];
    const story: BrowserSeats['story'] = [];
    pages.forEach((p, i) => p.on('console', (m) => {
      const hit = /^\[phone\] (\S+) (.*)$/.exec(m.text());
      if (hit) story.push({ seat: i + 1, atMs: Date.parse(hit[1]!), text: hit[2]! });
    }));
    Object.assign(bs, { seats, pages, story, log: [...pageLog(pages[0], 'seat 1'), ...pageLog(pages[1], 'seat 2')], talkingCallId: '' });
    for (const [i, page] of pages.entries()) {
      await loginDispatcher(page, origin, seats[i]!, PERSONS[i]);
      await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 15_000 });
    }
    progress(`two browser seats registered via ${origin}`);

    bs.capture = await captureUdpTo(TALKERS.slice(0, talking).map((t) => t.media), { netns: car, iface: pair.net.dev });
    for (const [i, t] of TALKERS.slice(0, talking).entries()) {
      const page = pages[i]!;
      await page.click('#btn-ready');
      await a.waitForSeatState(seats[i]!, 'ready', 10_000);
      const caller = await startSipp({
        scenario: ECHO_SCENARIO, remote: pair.sipRemote, netns: car, localIp: carIp, localPort: t.port, mediaPort: t.media,
        injection: [{ caller: t.caller, display: 'browser failover' }], timeoutS: 180, extraArgs: ['-rtp_echo'],
      });
      handles.push(caller);
      await page.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
      await page.keyboard.press('F1');
      await waitText(page, 'call-status', /^通话中/);
      const call = await a.waitForCall((c) => c.caller_number === t.caller && c.state === 'talking', 10_000, `browser call ${i + 1} talking`);
      await waitFor(async () => (await pageRtp(page)).received > 50, 10_000, `the echo of seat ${i + 1}'s audio back at the page`, 100);
      bs.talks.push({ page, caller, callId: call.id, media: t.media });
    }
    bs.talkingCallId = bs.talks[0]!.callId;
    if (talking === 1) {
      await pages[1].click('#btn-ready');
      await a.waitForSeatState(seats[1], 'ready', 10_000);
    }

    const rpcB = new KamailioRpc({ url: pair.nodes.b.info.kamailio.rpcUrl });
    const before = await rpcB.ulDump();
    const oldKeys = seats.map((s) => new Set(bindingsOf(before, s.sipUser).map(bindingKey)));
    if (oldKeys.some((k) => k.size === 0)) throw new Error(`a browser seat's registration had not reached B (DMQ): ${JSON.stringify(before)}`);
    for (const t of bs.talks) await startGapSampler(t.page);
    Object.assign(bs, { rpcB, oldKeys });
    return bs;
  } catch (e) {
    await bs.close();
    throw e;
  }
}

/** After the kill at t0: both seats' new bindings on B, the pages' banners, no stale binding. Throws if a step fails. */
export async function browserSeatsRegistered(bs: BrowserSeats, t0: number, progress: (s: string) => void = () => {}): Promise<BrowserSeatsFigures> {
  const { seats, rpcB, oldKeys, pages } = bs;
  const reregisteredAt: Array<number | undefined> = [undefined, undefined];
  let after: UlContact[] = [];
  await waitFor(async () => {
    after = await rpcB.ulDump().catch(() => after);
    seats.forEach((s, i) => {
      if (reregisteredAt[i] === undefined && bindingsOf(after, s.sipUser).some((c) => !oldKeys[i]!.has(bindingKey(c)))) reregisteredAt[i] = Date.now();
    });
    return reregisteredAt.every((x) => x !== undefined);
  }, 20_000, 'both browser seats registered again on B', 50);
  const reregistered = reregisteredAt.map((x) => x! - t0);
  progress(`re-registered on B after ${reregistered.join(' / ')} ms`);

  const banners: string[] = [];
  const tookMs: number[] = [];
  for (const page of pages) {
    await page.waitForSelector('[data-testid="banner-failover"]', { timeout: 10_000 });
    const el = page.locator('[data-testid="banner-failover"]');
    banners.push((await el.textContent()) ?? '');
    tookMs.push(Number(await el.getAttribute('data-took-ms')));
  }
  await waitFor(async () => bindingsOf(await rpcB.ulDump(), seats[0].sipUser).length <= 1
    && bindingsOf(await rpcB.ulDump(), seats[1].sipUser).length <= 1, 5_000, 'no stale binding on B', 200).catch(() => undefined);
  const finalContacts = await rpcB.ulDump();
  const figures: Partial<BrowserSeatsFigures> = {
    reregistered_ms: reregistered, seats_reregistered_ms: Math.max(...reregistered),
    bindings_after: seats.map((s) => bindingsOf(finalContacts, s.sipUser).length), banners, banner_took_ms: tookMs,
  };
  bs.figures = figures as BrowserSeatsFigures;
  return bs.figures;
}

/** After the kill at t0: every browser call's ICE-restart re-INVITE through B, its audio both ways again and its media
 *  gap. Throws if a step fails. */
export async function browserCallsRecovered(bs: BrowserSeats, pair: FailoverRig['pair'], t0: number, progress: (s: string) => void = () => {}): Promise<void> {
  const figures = bs.figures!;
  const storyAfter = () => bs.story.filter((e) => e.atMs >= t0).map((e) => `seat ${e.seat} +${e.atMs - t0} ms ${e.text}`).join('; ');
  figures.call_recovered = true;
  figures.browser_media_gap_ms = 0;
  figures.page_rtp_after = { received: Number.POSITIVE_INFINITY, sent: Number.POSITIVE_INFINITY };
  for (const { page } of bs.talks) {
    const recovered = await page.waitForSelector('[data-testid="banner-recovery"].ok', { timeout: 20_000 }).then(() => true, () => false);
    figures.call_recovered &&= recovered;
    const atRecovery = await pageRtp(page);
    await waitFor(async () => (await pageRtp(page)).received > atRecovery.received + 100, 10_000,
      'RTP back at a talking page after the recovery (the caller\'s echo through B)', 100).catch(() => undefined);
    const now = await pageRtp(page);
    figures.page_rtp_after = {
      received: Math.min(figures.page_rtp_after.received, now.received - atRecovery.received),
      sent: Math.min(figures.page_rtp_after.sent, now.sent - atRecovery.sent),
    };
    figures.browser_media_gap_ms = Math.max(figures.browser_media_gap_ms, await longestGapMs(page, t0));
  }
  const datagrams = await bs.capture!.stop();
  bs.capture = undefined;
  // rtpengine sends from the floating media address on a pair (docs/ha.md "Calls in conversation"); A is dead after t0,
  // so what comes from the floating address then comes from B (B's own address if media is not on the VIP)
  const fromB = new Set([pair.config.nodes.b, pair.config.mediaVip]);
  figures.caller_packets_from_b = Math.min(...bs.talks.map((t) => datagrams.filter((d) => fromB.has(d.src.ip) && d.dst.port === t.media && d.tsUs / 1000 > t0).length));
  progress(`the pages after the kill: ${storyAfter()}`);
  progress(`conversations: recovered=${figures.call_recovered}, page RTP after ${JSON.stringify(figures.page_rtp_after)}, `
    + `callers got at least ${figures.caller_packets_from_b} packets from B, gap ${figures.browser_media_gap_ms} ms`);
}

/** Each talking page hangs up (F2, its BYE through B); the callers' SIPp results go to the figures. */
export async function hangUpBrowserCalls(bs: BrowserSeats): Promise<void> {
  const figures = bs.figures!;
  for (const { page } of bs.talks) await page.keyboard.press('F2');
  figures.conversations = await Promise.all(bs.talks.map((t) => t.caller.done));
  figures.conversation = figures.conversations.find((r) => !r.ok) ?? figures.conversations[0]!;
}

/** Runs the recovery step on failure-tolerant terms: a failed step goes to `error` with screenshots of the pages. */
export async function keepError(bs: BrowserSeats, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (e) {
    bs.error ??= e as Error;
    await Promise.all(bs.pages.map((p, i) => screenshot(p, `ha-browser-seat-${i + 1}-failure`).catch(() => undefined)));
  }
}

/**
 * Runs the scenario on a started rig (startFailoverRig): seat 1 talking, seat 2 ready, A killed, a new call to seat 2.
 * Never throws after the kill: a failed step is in `error`, so that the test can assert each part and the bench can
 * report what it got.
 */
export async function browserSeatsFailover(rig: FailoverRig, progress: (s: string) => void = () => {}): Promise<BrowserSeatsRun & { close(): Promise<void> }> {
  const { pair, b } = rig;
  const car = pair.net.ns.car;
  const carIp = pair.net.addr.car;
  const bs = await startBrowserSeats(rig, 1, progress);
  progress('seat 1 talking (echo both ways), seat 2 ready; killing node A');
  const t0 = Date.now();
  await pair.killNode('a');
  await keepError(bs, async () => {
    const figures = await browserSeatsRegistered(bs, t0, progress);
    // a new 120 call, via B, to seat 2 (seat 1 is still in its call)
    const next = await startSipp({
      scenario: 'uac-120-expect-answer-audio.xml', remote: pair.sipRemote, netns: car, localIp: carIp, localPort: NEW_CALL_PORT,
      mediaPort: NEW_CALL_MEDIA, injection: [{ caller: NEW_CALLER, display: 'after failover' }], timeoutS: 40,
    });
    bs.handles.push(next);
    const page = bs.pages[1];
    await page.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 20_000 });
    await page.keyboard.press('F1');
    await waitText(page, 'call-status', /^通话中/);
    await waitFor(async () => (await pageRtp(page)).received > 50, 5_000, 'the new caller\'s audio at seat 2', 100).catch(() => undefined);
    figures.new_call_page_rtp = (await pageRtp(page)).received;
    figures.new_call_peer_state = await page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)?.connectionState ?? 'none');
    await b.login();
    const newCall = await waitFor(async () => (await b.calls()).find((c) => c.caller_number === NEW_CALLER && c.answered_at),
      15_000, 'the new call answered, in PostgreSQL');
    figures.new_call = newCall;
    figures.answered_after_ms = newCall.answered_at!.getTime() - t0;
    progress(`new call answered by ${newCall.answered_seat_id} after ${figures.answered_after_ms} ms`);
    await browserCallsRecovered(bs, pair, t0, progress);
    await hangUpBrowserCalls(bs);
  });
  return bs;
}

/** The bench's figures of one run (node_a_killed_browser_seats, and the browser part of node_a_killed_all_at_once). */
export function browserBenchFigures(run: BrowserSeatsRun, talking = 1): Record<string, number | boolean> {
  const f = run.figures;
  return {
    seats_reregistered_ms: f?.seats_reregistered_ms ?? -1,
    banner_took_ms: f?.banner_took_ms ? Math.max(...f.banner_took_ms) : -1,
    stale_bindings: f?.bindings_after ? f.bindings_after.reduce((n, b) => n + Math.max(0, b - 1), 0) : -1,
    media_gap_ms: f?.browser_media_gap_ms ?? -1,
    calls_lost: f?.conversations ? f.conversations.filter((c) => !c.ok).length : talking,
    answered_after_ms: f?.answered_after_ms ?? -1,
  };
}

/** One run on a pair of its own for `npm run bench -- failover` (scenario node_a_killed_browser_seats). */
export async function benchBrowserSeats(name: string, progress: (s: string) => void): Promise<Record<string, number | boolean>> {
  const rig = await startFailoverRig(name);
  let run: (BrowserSeatsRun & { close(): Promise<void> }) | undefined;
  try {
    run = await browserSeatsFailover(rig, progress);
    if (run.error) progress(`browser seats: a step failed: ${run.error.message}`);
    return browserBenchFigures(run);
  } finally {
    await run?.close();
    await rig.close();
  }
}
