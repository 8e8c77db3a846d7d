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

const TRUNK_PORT = 5084;
const CALLER_MEDIA = 16300;
const NEW_CALL_PORT = 5086;
const NEW_CALL_MEDIA = 16400;
const TALKING_CALLER = '13800000001';
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
  /** Longest time without a new RTP packet at the talking page, from the kill until 2 s of audio after recovery. */
  browser_media_gap_ms: number;
  /** RTP at the page after the recovery (received, sent), and at the caller from B's address after the kill. */
  page_rtp_after: RtpCounters;
  caller_packets_from_b: number;
  /** From the kill until the new 120 call (after both seats re-registered) was answered by seat 2 via B. */
  answered_after_ms: number;
  /** The new call's audio at seat 2's page (RTP received within 5 s of the answer), and its peer connection's state. */
  new_call_page_rtp: number;
  new_call_peer_state: string;
  new_call: CallRow;
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

/**
 * Runs the scenario on a started rig (startFailoverRig). Never throws after the kill: a failed step is in `error`,
 * so that the test can assert each part and the bench can report what it got.
 */
export async function browserSeatsFailover(rig: FailoverRig, progress: (s: string) => void = () => {}): Promise<BrowserSeatsRun & { close(): Promise<void> }> {
  const { pair, a, b } = rig;
  const car = pair.net.ns.car;
  const carIp = pair.net.addr.car;
  const origin = `http://${pair.config.vip}:${new URL(pair.nodes.a.info.api.url).port}`;
  const handles: SippHandle[] = [];
  let browser: ConsoleBrowser | undefined;
  let capture: RtpCapture | undefined;
  const close = async () => {
    await capture?.stop().catch(() => undefined);
    await browser?.close();
    await Promise.allSettled(handles.map((h) => h.stop()));
  };

  await a.setQueue({ wrapup_s: 0 });
  await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-web', name: '测试中继 网页席位', ip_addr: carIp, port: TRUNK_PORT });
  await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-web-2', name: '测试中继 网页席位 2', ip_addr: carIp, port: NEW_CALL_PORT });
  const seats: [Seat, Seat] = [await a.createSeat('seat-web-ha-1', '网页席位一'), await a.createSeat('seat-web-ha-2', '网页席位二')];
  for (const p of PERSONS) await createPerson(a, p, 'dispatcher');

  browser = await launchConsoleBrowser(1000, { netns: car, secureOrigins: [origin] });
  await browser.context.addInitScript(trackPeerConnections);
  const pages: [Page, Page] = [await browser.newPage(), await browser.newPage()];
  const log = [...pageLog(pages[0], 'seat 1'), ...pageLog(pages[1], 'seat 2')];
  const story: Array<{ seat: number; atMs: number; text: string }> = [];
  pages.forEach((p, i) => p.on('console', (m) => {
    const hit = /^\[phone\] (\S+) (.*)$/.exec(m.text());
    if (hit) story.push({ seat: i + 1, atMs: Date.parse(hit[1]!), text: hit[2]! });
  }));
  const run: BrowserSeatsRun = { seats, pages, log, talkingCallId: '' };
  for (const [i, page] of pages.entries()) {
    await loginDispatcher(page, origin, seats[i]!, PERSONS[i]);
    await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 15_000 });
  }
  await pages[0].click('#btn-ready');
  await a.waitForSeatState(seats[0], 'ready', 10_000);
  progress(`two browser seats registered via ${origin}`);

  capture = await captureUdpTo([CALLER_MEDIA], { netns: car, iface: pair.net.dev });
  const talking = await startSipp({
    scenario: ECHO_SCENARIO, remote: pair.sipRemote, netns: car, localIp: carIp, localPort: TRUNK_PORT, mediaPort: CALLER_MEDIA,
    injection: [{ caller: TALKING_CALLER, display: 'browser failover' }], timeoutS: 180, extraArgs: ['-rtp_echo'],
  });
  handles.push(talking);
  await pages[0].waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
  await pages[0].keyboard.press('F1');
  await waitText(pages[0], 'call-status', /^通话中/);
  const call = await a.waitForCall((c) => c.caller_number === TALKING_CALLER && c.state === 'talking', 10_000, 'the browser call talking');
  run.talkingCallId = call.id;
  await waitFor(async () => (await pageRtp(pages[0])).received > 50, 10_000, 'the echo of seat 1\'s audio back at the page', 100);
  await pages[1].click('#btn-ready');
  await a.waitForSeatState(seats[1], 'ready', 10_000);

  const rpcB = new KamailioRpc({ url: pair.nodes.b.info.kamailio.rpcUrl });
  const before = await rpcB.ulDump();
  const oldKeys = seats.map((s) => new Set(bindingsOf(before, s.sipUser).map(bindingKey)));
  if (oldKeys.some((k) => k.size === 0)) throw new Error(`a browser seat's registration had not reached B (DMQ): ${JSON.stringify(before)}`);
  await startGapSampler(pages[0]);
  progress('seat 1 talking (echo both ways), seat 2 ready; killing node A');

  const t0 = Date.now();
  await pair.killNode('a');
  try {
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
    const storyAfter = () => story.filter((e) => e.atMs >= t0).map((e) => `seat ${e.seat} +${e.atMs - t0} ms ${e.text}`).join('; ');

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
    const bindingsAfter = seats.map((s) => bindingsOf(finalContacts, s.sipUser).length);

    const figures: Partial<BrowserSeatsFigures> = {
      reregistered_ms: reregistered, seats_reregistered_ms: Math.max(...reregistered), bindings_after: bindingsAfter,
      banners, banner_took_ms: tookMs,
    };
    run.figures = figures as BrowserSeatsFigures;

    // a new 120 call, via B, to seat 2 (seat 1 is still in its call)
    const next = await startSipp({
      scenario: 'uac-120-expect-answer-audio.xml', remote: pair.sipRemote, netns: car, localIp: carIp, localPort: NEW_CALL_PORT,
      mediaPort: NEW_CALL_MEDIA, injection: [{ caller: NEW_CALLER, display: 'after failover' }], timeoutS: 40,
    });
    handles.push(next);
    await pages[1].waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 20_000 });
    await pages[1].keyboard.press('F1');
    await waitText(pages[1], 'call-status', /^通话中/);
    await waitFor(async () => (await pageRtp(pages[1])).received > 50, 5_000, 'the new caller\'s audio at seat 2', 100).catch(() => undefined);
    figures.new_call_page_rtp = (await pageRtp(pages[1])).received;
    figures.new_call_peer_state = await pages[1].evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)?.connectionState ?? 'none');
    await b.login();
    const newCall = await waitFor(async () => (await b.calls()).find((c) => c.caller_number === NEW_CALLER && c.answered_at),
      15_000, 'the new call answered, in PostgreSQL');
    figures.new_call = newCall;
    figures.answered_after_ms = newCall.answered_at!.getTime() - t0;
    progress(`new call answered by ${newCall.answered_seat_id} after ${figures.answered_after_ms} ms`);

    // the call in conversation: the page's ICE-restart re-INVITE through B, then audio both ways again
    figures.call_recovered = await pages[0].waitForSelector('[data-testid="banner-recovery"].ok', { timeout: 20_000 }).then(() => true, () => false);
    const atRecovery = await pageRtp(pages[0]);
    await waitFor(async () => (await pageRtp(pages[0])).received > atRecovery.received + 100, 10_000,
      'RTP back at seat 1 after the recovery (the caller\'s echo through B)', 100).catch(() => undefined);
    figures.page_rtp_after = { received: (await pageRtp(pages[0])).received - atRecovery.received, sent: (await pageRtp(pages[0])).sent - atRecovery.sent };
    figures.browser_media_gap_ms = await longestGapMs(pages[0], t0);
    const datagrams = await capture.stop();
    capture = undefined;
    // rtpengine sends from the floating media address on a pair (docs/ha.md "Calls in conversation"); A is dead after t0,
    // so what comes from the floating address then comes from B (B's own address if media is not on the VIP)
    const fromB = new Set([pair.config.nodes.b, pair.config.mediaVip]);
    figures.caller_packets_from_b = datagrams.filter((d) => fromB.has(d.src.ip) && d.tsUs / 1000 > t0).length;
    progress(`the pages after the kill: ${storyAfter()}`);
    progress(`conversation: recovered=${figures.call_recovered}, page RTP after ${JSON.stringify(figures.page_rtp_after)}, `
      + `caller got ${figures.caller_packets_from_b} packets from B, gap ${figures.browser_media_gap_ms} ms`);

    await pages[0].keyboard.press('F2');
    figures.conversation = await talking.done;
  } catch (e) {
    run.error = e as Error;
    await Promise.all(pages.map((p, i) => screenshot(p, `ha-browser-seat-${i + 1}-failure`).catch(() => undefined)));
  }
  return { ...run, close };
}

/** One run on a pair of its own for `npm run bench -- failover` (scenario node_a_killed_browser_seats). */
export async function benchBrowserSeats(name: string, progress: (s: string) => void): Promise<Record<string, number | boolean>> {
  const rig = await startFailoverRig(name);
  let run: (BrowserSeatsRun & { close(): Promise<void> }) | undefined;
  try {
    run = await browserSeatsFailover(rig, progress);
    const f = run.figures;
    if (run.error) progress(`browser seats: a step failed: ${run.error.message}`);
    return {
      seats_reregistered_ms: f?.seats_reregistered_ms ?? -1,
      banner_took_ms: f?.banner_took_ms ? Math.max(...f.banner_took_ms) : -1,
      stale_bindings: f?.bindings_after ? f.bindings_after.reduce((n, b) => n + Math.max(0, b - 1), 0) : -1,
      media_gap_ms: f?.browser_media_gap_ms ?? -1,
      calls_lost: f?.conversation?.ok ? 0 : 1,
      answered_after_ms: f?.answered_after_ms ?? -1,
    };
  } finally {
    await run?.close();
    await rig.close();
  }
}
