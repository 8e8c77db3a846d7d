/**
 * The dispatcher page's transfer panel end to end (docs/transfers.md), in headless Chromium: a trunk gateway (raw
 * UDP, test/integration/support/raw-sip-parties.ts) calls 120, the browser seat answers (F1). The one-key 110 button
 * (an outside number: not transferable yet) shows a clear error and changes nothing. The directory search finds
 * 二号调度席 and 转接 moves the caller there: the page's SIP.js session sends the REFER, the gateway accepts it,
 * sends its new INVITE to the Refer-To URI, seat B (raw) answers, the gateway ends the old dialog; the page shows
 * the success, the call record is talking at seat B, one record, and the browser seat is free again.
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
  } catch (err) {
    t.diagnostic(`dispatcher page log:\n${log.join('\n')}`);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-transfer-failed').catch(() => 'none')}`);
    throw err;
  }
});
