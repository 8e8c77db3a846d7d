/**
 * A browser seat answers a call that waited in the queue and heard the announcement (early media, 183, rtpengine
 * `play media` with a placeholder answer, docs/announcements.md): the dispatcher must hear the caller.
 *
 * KNOWN BUG (found by the pair's browser-seat test, docs/ha.md "Browser seats"; reproduced here on one node): the
 * seat's branch offer (WebRTC profile) re-offers the caller's monologue that already has the placeholder's answer,
 * Chromium's DTLS ClientHello reaches rtpengine before the seat's 200 OK does, rtpengine logs "DTLS error: 1
 * (unexpected message)" and then "SRTP output wanted, but no crypto suite was negotiated"; the page's
 * RTCPeerConnection goes `failed` and receives no RTP. Calls answered at once (no announcement) are not affected.
 * Marked todo until the early-media path is fixed for WebRTC seats; it runs and reports what it sees.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { pageRtp, trackPeerConnections } from '../support/browser-seats-failover.ts';
import { launchConsoleBrowser, pageLog, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher, waitText } from './support/pages.ts';

const CALLER = '13900000009';
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

test('dispatcher-answers-queued-call-after-announcement-audio: the caller who heard the greeting is heard by the browser seat',
  { todo: 'known bug: DTLS fails when a WebRTC seat answers a call that had early media (see the file comment)' }, async () => {
    const seat = await cc.createSeat('seat-web-q', '网页席位排队');
    await createPerson(cc, DISPATCHER, 'dispatcher');
    const page = await browser.newPage();
    const log = pageLog(page, 'dispatcher');
    await loginDispatcher(page, server.url, seat);
    await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 15_000 });
    const trunk = await cc.createTrunkPort();
    const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: CALLER, display: 'queued' }], timeoutS: 60 });
    const queued = await cc.waitForCall((c) => c.caller_number === CALLER && c.state === 'queued', 10_000, 'the call queued (no seat ready)');
    // the greeting is early media: the seat becomes ready once it plays
    await waitFor(async () => (await cc.callEventTypes(queued.id)).includes('call.announcement_played.v1'), 10_000, 'the greeting playing', 100);
    await page.click('#btn-ready');
    await page.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
    await page.keyboard.press('F1');
    await waitText(page, 'call-status', /^通话中/);
    await waitFor(async () => (await pageRtp(page)).received > 50, 5_000, 'the caller\'s audio at the page', 100).catch(() => undefined);
    const received = (await pageRtp(page)).received;
    const state = await page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1)?.connectionState ?? 'none');
    await caller.done;
    assert.ok(received > 50, `RTP from the caller at the page: ${received} packets, peer connection ${state}\n${log.join('\n')}`);
  });
