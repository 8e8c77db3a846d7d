/**
 * The dispatcher page's transfer panel end to end (docs/transfers.md), in headless Chromium: a trunk gateway (raw
 * UDP, test/integration/support/raw-sip-parties.ts) calls 120, the browser seat answers (F1). The one-key 110 button
 * (an outside number: not transferable yet) shows a clear error and changes nothing. The directory search finds
 * 二号调度席 and 转接 moves the caller there: the page's SIP.js session sends the REFER, the gateway accepts it,
 * sends its new INVITE to the Refer-To URI, seat B (raw) answers, the gateway ends the old dialog; the page shows
 * the success, the call record is talking at seat B, one record, and the browser seat is free again.
 * Then a consultative transfer from the page (consult.js, docs/mixer.md): the browser's phone moves into the call's
 * room with its own re-INVITE (X-CTI-Anchor), 110 is dialled on the gateway's trunk; 110 hears the browser's tone and
 * not the caller's, the caller hears neither; 完成转接: the page hangs up (Kamailio answers), caller and 110 hear
 * each other, the browser seat is free.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { RawGateway, RawSeat } from '../support/raw-sip-parties.ts';
import { referUser } from '../support/transfer-parties.ts';
import { SipUdpEndpoint, header, newToken } from '../../support/sip-udp.ts';
import { SPELLINGS } from '../../support/sip-spellings.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher } from './support/pages.ts';
import { audioSdp } from '../../support/sip-spellings.ts';
import { callIdOf } from '../../support/sip-udp.ts';
import { audioTarget } from '../../../control/src/calls/conference/sdp.ts';
import { GW_HZ, HEARD_DB, P110_HZ, SEAT_HZ, assertHears, endpoint, measure, type Endpoint } from '../calls/support/tone-endpoints.ts';
import type { Page } from 'playwright-core';

/** What the consultation test takes over from the first one: the logged-in page, its seat, the gateway. */
const kept: { disp?: Page; seat?: Awaited<ReturnType<CallCentre['createSeat']>>; gw?: RawGateway; log?: string[] } = {};
const tones: Endpoint[] = [];

const CALLER = '13900000120';
let cc: CallCentre;
let server: ConsoleServer;
let browser: ConsoleBrowser;
let gwEp: SipUdpEndpoint | undefined;
let epB: SipUdpEndpoint | undefined;

before(async () => {
  cc = await startCallCentre('consoles-transfer', { queue: { wrapup_s: 0 } });
  server = await startConsoleServer(cc.apiUrl, { ws: cc.info.sip.ws, domain: cc.info.sip.domain });
  browser = await launchConsoleBrowser(1000);
});
after(async () => {
  await browser?.close();
  await server?.close();
  for (const e of tones) e.close();
  await gwEp?.close();
  await epB?.close();
  await cc?.close();
});

test('dispatcher transfers the caller to another seat from the page; the one-key 110 refusal changes nothing', async (t) => {
  const seat = await cc.createSeat('seat-web1', '网页席位一');
  const [seatB] = await cc.createSeats(1);
  await createPerson(cc, DISPATCHER, 'dispatcher');
  const { port } = await cc.registerSeat(seatB!);
  epB = await SipUdpEndpoint.open(port);
  const rsB = new RawSeat(epB, SPELLINGS[0]!, cc.sipRemote, seatB!.sipUser);
  const trunk = await cc.createTrunkPort();
  gwEp = await SipUdpEndpoint.open(trunk.port);
  const gw = new RawGateway(gwEp, SPELLINGS[0]!, cc.sipRemote, CALLER);
  await cc.apiOk('POST', '/v1/linkage/destinations', { id: 'seat-b', name: '二号调度席', category: 'seat', kind: 'seat', seat_id: seatB!.id, sort_order: 1 }, [201]);
  await cc.apiOk('POST', '/v1/linkage/destinations',
    { id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_id: trunk.id, speed_key: '110', sort_order: 2 }, [201]);

  const disp = await browser.newPage();
  const log = pageLog(disp, 'dispatcher');
  try {
    await loginDispatcher(disp, server.url, seat);
    await waitFor(async () => (await cc.seatState(seat)).registered === true, 15_000, 'the browser seat registered');
    await disp.waitForSelector('#btn-ready:not([disabled])', { timeout: 10_000 });
    await disp.click('#btn-ready');
    await cc.waitForSeatState(seat, 'ready', 10_000);
    await waitFor(async () => (await cc.seatState(seatB!)).registered === true, 15_000, 'seat B registered');

    const callId = `${newToken('web-')}@gw.example`;
    const d = await gw.invite(callId, CALLER);
    await disp.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
    await disp.keyboard.press('F1');
    const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'the browser\'s 200');
    await gw.ackAnswer(d, ok);
    const record = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'talking at the browser seat');

    // one-key 110: an outside number, refused with a clear message; nothing changes
    await disp.waitForSelector('[data-testid="transfer-key-110"]:not([disabled])', { timeout: 10_000 });
    await disp.click('[data-testid="transfer-key-110"]');
    await disp.waitForFunction(() => document.querySelector('[data-testid="transfer-status"]')?.textContent?.includes('暂不支持'), undefined, { timeout: 5000 });
    assert.equal((await cc.call(record.id))!.state, 'talking');
    assert.equal((await cc.sql`SELECT 1 FROM call_transfers WHERE call_id = ${record.id}`).length, 0);

    // directory search, then 转接 to seat B
    await cc.loginReady(seatB!);
    await disp.fill('[data-testid="transfer-search"]', '二号');
    await disp.waitForSelector('[data-testid="transfer-to-seat-b"]:not([disabled])', { timeout: 5000 });
    await disp.click('[data-testid="transfer-to-seat-b"]');
    const refer = await gw.waitRequest(callId, 'REFER');
    const referTo = /<([^>]+)>/.exec(header(refer, 'refer-to'))?.[1] ?? header(refer, 'refer-to');
    assert.match(referTo, /^sip:xfer-[A-Za-z0-9_-]{32}@/);
    await gw.respond(refer, 202, 'Accepted');
    const newCallId = `${newToken('web2-')}@gw.example`;
    const d2 = await gw.invite(newCallId, CALLER, referUser(referTo));
    await rsB.answer(await rsB.waitInvite(newCallId));
    await gw.ackAnswer(d2, await gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'seat B\'s 200'));
    await gw.request(d, 'NOTIFY', 'SIP/2.0 200 OK\r\n', undefined,
      [['Event', 'refer'], ['Subscription-State', 'terminated;reason=noresource'], ['Contact', gw.contact]], 'message/sipfrag');
    await gw.waitResponse(callId, 'NOTIFY', (s) => s === 200, 'NOTIFY answered', d.cseq);
    await gw.request(d, 'BYE'); // the old dialog ends: SIP.js answers the BYE
    await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the browser answered the BYE', d.cseq);

    await disp.waitForFunction(() => document.querySelector('[data-testid="transfer-status"]')?.textContent?.includes('已转接到 二号调度席'), undefined, { timeout: 10_000 });
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-transferred')}`);
    await cc.waitForCall((c) => c.id === record.id && c.state === 'talking' && c.answered_seat_id === seatB!.id, 10_000, 'the record talking at seat B');
    await cc.waitForSeatState(seat, 'ready', 10_000);
    assert.equal((await cc.sql`SELECT 1 FROM calls WHERE sip_call_id = ${newCallId}`).length, 0, 'one call record');
    await gw.request(d2, 'BYE');
    await rsB.respond(await rsB.waitRequest(newCallId, 'BYE'), 200, 'OK');
    await cc.waitForCall((c) => c.id === record.id && c.state === 'ended', 10_000, 'the call ended');
    Object.assign(kept, { disp, seat, gw, log });
  } catch (err) {
    t.diagnostic(`dispatcher page log:\n${log.join('\n')}`);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-transfer-failed').catch(() => 'none')}`);
    throw err;
  }
});

// todo (docs/mixer.md "A browser seat's anchoring"): Chromium refuses the anchor re-INVITE's answer ("Failed to set SSL
// role for the transport": rtpengine's new leg <call>-seat answers the browser's actpass as DTLS active); with
// DTLS=passive the answer applies but no DTLS handshake is redone and 110 hears nothing from the browser (tried).
test('dispatcher consults 110 from the page while the caller is held, then completes the transfer', { todo: 'a browser seat cannot be anchored into the room yet' }, async (t) => {
  const { disp, seat, gw, log } = kept;
  assert.ok(disp && seat && gw && log, 'the first test left a logged-in page');
  const caller = await endpoint(GW_HZ);
  const p110 = await endpoint(P110_HZ);
  tones.push(caller, p110);
  gw.rtpPort = caller.port;
  try {
    await cc.waitForSeatState(seat, 'ready', 10_000);
    const callId = `${newToken('web3-')}@gw.example`;
    const d = await gw.invite(callId, CALLER);
    await disp.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
    await disp.keyboard.press('F1');
    const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'the browser\'s 200');
    await gw.ackAnswer(d, ok);
    caller.sendTo(audioTarget(ok.body));
    const record = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'talking at the browser seat');

    await disp.waitForSelector('[data-testid="consult-start-110"]:not([disabled])', { timeout: 10_000 });
    await disp.click('[data-testid="consult-start-110"]');
    const inv110 = await gwEp!.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-'), 15_000, 'the INVITE to 110 (after the page\'s re-INVITE)');
    await gw.respond(inv110, 200, 'OK', { toTag: newToken('p110'), body: audioSdp(p110.port) });
    p110.sendTo(audioTarget(inv110.body));
    await disp.waitForSelector('[data-testid="consult-complete"]:not([disabled])', { timeout: 10_000 });
    const [c1, p1] = await Promise.all([measure(caller, 2000), measure(p110, 2000)]);
    t.diagnostic(`consulting from the page: caller ${JSON.stringify(c1.levels)}; 110 ${JSON.stringify(p1.levels)}`);
    assert.ok(p1.levels[SEAT_HZ]! > HEARD_DB, `110 hears the browser seat: ${JSON.stringify(p1.levels)}`);
    assert.ok(p1.levels[GW_HZ]! < HEARD_DB, `110 does not hear the held caller: ${JSON.stringify(p1.levels)}`);
    assert.ok(c1.levels[SEAT_HZ]! < HEARD_DB && c1.levels[P110_HZ]! < HEARD_DB, `the caller hears neither: ${JSON.stringify(c1.levels)}`);

    await disp.click('[data-testid="consult-complete"]');
    await disp.waitForFunction(() => document.querySelector('[data-testid="consult-status"]')?.textContent?.includes('已转接到'), undefined, { timeout: 10_000 });
    await cc.waitForSeatState(seat, 'ready', 10_000);
    const [c2, p2] = await Promise.all([measure(caller, 2000), measure(p110, 2000)]);
    t.diagnostic(`transferred from the page: caller ${JSON.stringify(c2.levels)}; 110 ${JSON.stringify(p2.levels)}`);
    assertHears('the caller', c2, GW_HZ, [P110_HZ]);
    assertHears('110', p2, P110_HZ, [GW_HZ]);
    assert.deepEqual(gw.requests(callId, 'BYE').length, 0, 'the page\'s BYE never reached the caller\'s gateway');
    assert.equal((await cc.call(record.id))!.state, 'talking');
    await gw.request(d, 'BYE');
    await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the caller\'s BYE answered', d.cseq);
    const bye110 = await gwEp!.waitFor((m) => m.method === 'BYE' && callIdOf(m) === callIdOf(inv110), 10_000, 'the BYE to 110');
    await gw.respond(bye110, 200, 'OK');
    await cc.waitForCall((c) => c.id === record.id && c.state === 'ended', 10_000, 'the call ended');
  } catch (err) {
    t.diagnostic(`dispatcher page log:\n${log.join('\n')}`);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-consult-failed').catch(() => 'none')}`);
    throw err;
  }
});
