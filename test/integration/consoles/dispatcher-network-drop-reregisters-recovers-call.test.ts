/**
 * A network drop in the middle of a call: the browser's SIP WebSocket runs through a relay that the test
 * cuts. The page says so in Chinese, SIP.js reconnects (ua.reconnect from onDisconnect), registers
 * again, and recovers the call with a re-INVITE carrying an ICE restart (engine-notes): the caller's
 * SIPp only passes if that re-INVITE reaches it. The dispatcher then hangs up over the new connection;
 * the call is answered and ended by the seat, and recorded with signal on both channels.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CallCentre, sleep, startCallCentre, waitFor } from '../support/callcentre.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher, UI_MS, waitText } from './support/pages.ts';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.ts';

const CALLER = '13700137000';
const SCENARIO = join(import.meta.dirname, 'sipp', 'uac-120-expect-answer-reinvite-then-remote-bye.xml');

let cc: CallCentre;
let relay: TcpRelay;
let server: ConsoleServer;
let browser: ConsoleBrowser;

before(async () => {
  cc = await startCallCentre('consoles-netdrop');
  const ws = new URL(cc.info.sip.ws);
  relay = await startTcpRelay(ws.hostname, Number(ws.port));
  server = await startConsoleServer(cc.apiUrl, { ws: `ws://127.0.0.1:${relay.port}/`, domain: cc.info.sip.domain }, { ownServer: true });
  browser = await launchConsoleBrowser(1000);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await relay?.close();
  await cc?.close();
});

test('dispatcher-network-drop-reregisters-recovers-call: WebSocket cut mid-call, reconnect, REGISTER, re-INVITE with ICE restart, hang-up works', async (t) => {
  const seat = await cc.createSeat('seat-web2', '网页席位二');
  await createPerson(cc, DISPATCHER, 'dispatcher');
  const page = await browser.newPage();
  const log = pageLog(page, 'dispatcher');
  try {
    await loginDispatcher(page, server.url, seat);
    await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 15_000 });
    await page.click('#btn-ready');
    await cc.waitForSeatState(seat, 'ready', 10_000);

    const trunk = await cc.createTrunkPort();
    const caller = await cc.startCaller(trunk, { scenario: SCENARIO, injection: [{ caller: CALLER, display: 'netdrop' }], timeoutS: 90, keepTraces: true });
    await page.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
    await page.keyboard.press('F1');
    await waitText(page, 'call-status', /^通话中/);
    const talking = await cc.waitForCall((c) => c.caller_number === CALLER && c.state === 'talking', 10_000, 'the call talking');
    await sleep(1500);

    const before = relay.accepted();
    relay.cut();
    await page.waitForSelector('[data-testid="banner-sip"].error', { timeout: UI_MS });
    await waitText(page, 'banner-sip', /网络/);
    t.diagnostic(`screenshot ${await screenshot(page, 'dispatcher-network-dropped')}`);
    relay.restore();

    await page.waitForSelector('[data-testid="banner-recovery"].ok', { timeout: 20_000 });
    await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 10_000 });
    assert.ok(relay.accepted() > before, 'the phone opened a new WebSocket');
    t.diagnostic(`screenshot ${await screenshot(page, 'dispatcher-call-recovered')}`);
    assert.match(await page.textContent('[data-testid="call-status"]') ?? '', /^通话中/, 'the call is still up in the page');
    assert.equal((await cc.call(talking.id))?.state, 'talking', 'the call is still talking in the call record');

    await sleep(2000);
    await page.keyboard.press('F2');
    const result = await caller.done;
    assert.ok(result.ok, `the caller got the re-INVITE and then the seat's BYE: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);

    const sdpPorts = [...readFileSync(join(result.traceDir, 'messages.log'), 'utf8').matchAll(/^m=audio (\d+)/gm)].map((m) => m[1]);
    // Seen here: rtpengine offers the caller a new port in the re-INVITE; SIPp's pcap keeps going to the old one,
    // so the caller channel goes silent after the recovery (a real gateway follows the new SDP).
    t.diagnostic(`m=audio ports seen by the caller (INVITE, 200, re-INVITE, 200): ${sdpPorts.join(', ')}`);
    rmSync(result.traceDir, { recursive: true, force: true });

    const call = await waitFor(async () => {
      const c = await cc.call(talking.id);
      return c?.state === 'ended' ? c : undefined;
    }, 10_000, 'the call ended');
    assert.equal(call.answered_seat_id, seat.id);
    assert.equal(call.ended_by, 'seat', 'the BYE sent over the new WebSocket ended the call');
    assert.equal((await cc.seatState(seat)).registered, true, 'the seat is registered again');

    const meta = await waitFor(async () => {
      const r = await cc.api<{ status: string; channels: Record<'caller' | 'seat', { rmsDbfs: number; packets: number }> | null }>(
        'GET', `/v1/calls/${call.id}/recording/meta`);
      return r.status === 200 && r.body.status === 'ready' ? r.body : undefined;
    }, 40_000, 'the call\'s recording ready');
    t.diagnostic(`recording channels ${JSON.stringify(meta.channels)}`);
    assert.ok(meta.channels && meta.channels.caller.rmsDbfs > -40 && meta.channels.seat.rmsDbfs > -40, 'signal on both channels');
  } catch (e) {
    await screenshot(page, 'dispatcher-network-drop-failure').catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${log.join('\n')}`, { cause: e });
  }
});
