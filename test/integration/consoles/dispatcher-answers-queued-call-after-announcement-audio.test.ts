/**
 * A browser seat answers a call that waited in the queue and heard the announcement (early media, 183, rtpengine
 * `play media` with a placeholder answer, docs/announcements.md): the dispatcher must hear the caller. Two such
 * calls one after the other on the same page (each with its own RTCPeerConnection).
 *
 * Regression test of a critical bug: the seat's branch offer (WebRTC profile) re-offered rtpengine's placeholder
 * monologue (`q-<from-tag>`), the seat's answer then met a monologue that was never offered; rtpengine logged
 * "DTLS error: 1 (unexpected message)" and "SRTP output wanted, but no crypto suite was negotiated", the page's
 * RTCPeerConnection went `failed` and received no RTP. Fixed by giving the placeholder and every seat branch a
 * via-branch of its own (control/src/announcements/early.ts, cfg MANAGE_BRANCH / MANAGE_REPLY).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startCallCentre, waitFor, type CallCentre, type Seat, type Trunk } from '../support/callcentre.ts';
import { pageRtp, trackPeerConnections } from '../support/browser-seats-failover.ts';
import { launchConsoleBrowser, pageLog, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher, waitText } from './support/pages.ts';

const CALLER = '13900000009';
const CALLER_2 = '13900000010';
let cc: CallCentre;
let server: ConsoleServer;
let browser: ConsoleBrowser;

before(async () => {
  cc = await startCallCentre('consoles-queued-announcement');
  server = await startConsoleServer(cc.apiUrl, { ws: cc.info.sip.ws, domain: cc.info.sip.domain });
  browser = await launchConsoleBrowser(1000);
  await browser.context.addInitScript(trackPeerConnections);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await cc?.close();
});

async function queuedCallHeardAtPage(page: Page, seat: Seat, trunk: Trunk, callerNumber: string, log: string[]): Promise<void> {
  // the call must find no ready seat, so that it queues and hears the greeting
  if ((await cc.seatState(seat)).state !== 'not_ready') {
    await page.click('#btn-notready:not([disabled])');
    await cc.waitForSeatState(seat, 'not_ready', 10_000);
  }
  const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: callerNumber, display: 'queued' }], timeoutS: 60 });
  const queued = await cc.waitForCall((c) => c.caller_number === callerNumber && c.state === 'queued', 10_000, 'the call queued (no seat ready)');
  // the greeting is early media: the seat becomes ready once it plays
  await waitFor(async () => (await cc.callEventTypes(queued.id)).includes('call.announcement_played.v1'), 10_000, 'the greeting playing', 100);
  await page.click('#btn-ready:not([disabled])');
  await page.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
  await page.keyboard.press('F1');
  await waitText(page, 'call-status', /^通话中/);
  await waitFor(async () => (await pageRtp(page)).received > 50, 5_000, 'the caller\'s audio at the page', 100).catch(() => undefined);
  const received = (await pageRtp(page)).received;
  const state = await page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)?.connectionState ?? 'none');
  assert.ok(received > 50, `${callerNumber}: RTP from the caller at the page: ${received} packets, peer connection ${state}\n${log.join('\n')}`);
  const result = await caller.done;
  assert.ok(result.ok, `${callerNumber}: the caller's call ended normally: exit ${result.exitCode}\n${result.errorLog}`);
  const call = await waitFor(async () => {
    const c = await cc.call(queued.id);
    return c?.state === 'ended' ? c : undefined;
  }, 10_000, 'the call ended');
  assert.equal(call.answered_seat_id, seat.id, `${callerNumber}: answered by the browser seat`);
  await waitText(page, 'call-status', /^空闲/);
}

test('dispatcher-answers-queued-call-after-announcement-audio: two callers who heard the greeting, one after the other, are heard by the browser seat', async () => {
  const seat = await cc.createSeat('seat-web-q', '网页席位排队');
  await createPerson(cc, DISPATCHER, 'dispatcher');
  const page = await browser.newPage();
  const log = pageLog(page, 'dispatcher');
  await loginDispatcher(page, server.url, seat);
  await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 15_000 });
  const trunk = await cc.createTrunkPort();
  await queuedCallHeardAtPage(page, seat, trunk, CALLER, log);
  await queuedCallHeardAtPage(page, seat, trunk, CALLER_2, log);
});
