/**
 * The dispatcher page's transfer panel end to end (docs/transfers.md), in headless Chromium: a trunk gateway (raw
 * UDP, test/integration/support/raw-sip-parties.ts) calls 120, the browser seat answers (F1).
 * 1. The one-key 119 button (an entry whose trunk is switched off) shows a clear error and changes nothing. The
 *    directory search finds 二号调度席 and 转接 moves the caller there: the page's SIP.js session sends the REFER, the
 *    gateway accepts it, sends its new INVITE to the Refer-To URI, seat B (raw) answers, the gateway ends the old
 *    dialog; the page shows the success, the call record is talking at seat B, one record, the browser seat is free.
 * 2. F9 (one-key 110): the gateway's new INVITE is relayed out through the 110 trunk to a SIPp outside party, which
 *    sees the entry's presented number and answers; the page shows each party's state (caller moved, 110 answered).
 * 3. The browser seat in the call's room (docs/mixer.md "A browser seat in the room"), tones measured: 咨询 for the
 *    doctor (speed key 8, dialled on the gateway's trunk): the page's phone re-INVITEs with the anchor token; the
 *    doctor and the browser seat hear each other, the held caller hears neither; 完成转接: the page hangs up,
 *    caller and doctor hear each other, the gateway saw no request.
 * 4. 三方 for the doctor: caller, browser seat and doctor each hear the other two; 退出三方: caller and doctor talk on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { startCallCentre, waitFor, type CallCentre, type Seat } from '../support/callcentre.ts';
import { RawGateway, RawSeat } from '../support/raw-sip-parties.ts';
import { referUser } from '../support/transfer-parties.ts';
import { SipUdpEndpoint, header, newToken } from '../../support/sip-udp.ts';
import { SPELLINGS } from '../../support/sip-spellings.ts';
import { startSipp } from '../../support/sipp.ts';
import { gatewayCallerId } from '../callbacks/support.ts';
import type { Page } from 'playwright-core';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher, UI_MS } from './support/pages.ts';
import { pageHears } from './support/page-audio.ts';
import { audioSdp } from '../../support/sip-spellings.ts';
import { callIdOf } from '../../support/sip-udp.ts';
import { audioTarget } from '../../../control/src/calls/conference/sdp.ts';
import { FREQS, GW_HZ, HEARD_DB, P110_HZ, SEAT_HZ, assertHears, endpoint, measure, type Endpoint } from '../calls/support/tone-endpoints.ts';

const CALLER = '13900000120';
let cc: CallCentre;
let server: ConsoleServer;
let browser: ConsoleBrowser;
let gwEp: SipUdpEndpoint | undefined;
let epB: SipUdpEndpoint | undefined;
let gw: RawGateway;
let webSeat: Seat;
/** The dispatcher's page, logged in by the first test and still at the browser seat for the second. */
let disp: Page;
let log: string[];
/** The trunk the raw gateway (gwEp) stands behind: the consultation's doctor is dialled out on it. */
let gwTrunkId: string;
const tones: Endpoint[] = [];

/** The gateway calls 120, the page's popup opens and F1 answers; the gateway ACKs the browser's 200. */
async function answeredAtPage(callId: string) {
  const d = await gw.invite(callId, CALLER);
  await disp.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
  await disp.keyboard.press('F1');
  const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'the browser\'s 200');
  await gw.ackAnswer(d, ok);
  return { d, ok };
}

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

test('dispatcher transfers the caller to another seat from the page; the one-key 119 refusal (no way out) changes nothing', async (t) => {
  const seat = await cc.createSeat('seat-web1', '网页席位一');
  webSeat = seat;
  const [seatB] = await cc.createSeats(1);
  await createPerson(cc, DISPATCHER, 'dispatcher');
  const { port } = await cc.registerSeat(seatB!);
  epB = await SipUdpEndpoint.open(port);
  const rsB = new RawSeat(epB, SPELLINGS[0]!, cc.sipRemote, seatB!.sipUser);
  const trunk = await cc.createTrunkPort();
  gwEp = await SipUdpEndpoint.open(trunk.port);
  gw = new RawGateway(gwEp, SPELLINGS[0]!, cc.sipRemote, CALLER);
  gwTrunkId = trunk.id;
  await cc.apiOk('POST', '/v1/linkage/destinations', { id: 'seat-b', name: '二号调度席', category: 'seat', kind: 'seat', seat_id: seatB!.id, sort_order: 1 }, [201]);
  await cc.apiOk('POST', '/v1/trunks', { id: 'pstn-off', name: '停用中继', ip_addr: '192.0.2.9', port: 5060, enabled: false });
  await cc.apiOk('POST', '/v1/linkage/destinations',
    { id: 'fire-119', name: '消防119', category: 'fire', kind: 'number', number: '119', trunk_id: 'pstn-off', sort_order: 3 }, [201]);

  disp = await browser.newPage();
  log = pageLog(disp, 'dispatcher');
  try {
    await loginDispatcher(disp, server.url, seat);
    await waitFor(async () => (await cc.seatState(seat)).registered === true, 15_000, 'the browser seat registered');
    await disp.waitForSelector('#btn-ready:not([disabled])', { timeout: 10_000 });
    await disp.click('#btn-ready');
    await cc.waitForSeatState(seat, 'ready', 10_000);
    await waitFor(async () => (await cc.seatState(seatB!)).registered === true, 15_000, 'seat B registered');

    const callId = `${newToken('web-')}@gw.example`;
    const { d, ok } = await answeredAtPage(callId);
    const record = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'talking at the browser seat');

    // one-key 119 (its category; no speed key): its trunk is off, refused with a clear message; nothing changes
    await disp.waitForSelector('[data-testid="transfer-key-119"]:not([disabled])', { timeout: 10_000 });
    await disp.click('[data-testid="transfer-key-119"]');
    await disp.waitForFunction(() => document.querySelector('[data-testid="transfer-status"]')?.textContent?.includes('出局中继不可用'), undefined, { timeout: UI_MS });
    assert.equal((await cc.call(record.id))!.state, 'talking');
    assert.equal((await cc.sql`SELECT 1 FROM call_transfers WHERE call_id = ${record.id}`).length, 0);

    // directory search, then 转接 to seat B
    await cc.loginReady(seatB!);
    await disp.fill('[data-testid="transfer-search"]', '二号');
    await disp.waitForSelector('[data-testid="transfer-to-seat-b"]:not([disabled])', { timeout: UI_MS });
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

test('F9 transfers the caller to 110 through its trunk; a SIPp outside party answers; the page shows each party', async (t) => {
  const seat = webSeat;
  const port = await cc.leasePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'cti120-110-')), 'gateway.log');
  const uas = await startSipp({
    scenario: 'uas-gateway-answer-audio-log-caller-id.xml', localPort: port, service: 'gateway', calls: 1, timeoutS: 90, extraArgs: ['-trace_logs', '-log_file', logFile],
  });
  await uas.listening();
  await cc.apiOk('POST', '/v1/trunks', { id: 'pstn-110', name: '110出局中继', ip_addr: '127.0.0.1', port, gateway_uri: `sip:127.0.0.1:${port}` });
  await cc.apiOk('POST', '/v1/linkage/destinations', {
    id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_id: 'pstn-110', presented_number: '12088880120', sort_order: 2,
  }, [201]);
  try {
    await cc.waitForSeatState(seat, 'ready', 10_000); // the page of the first test, ready again after its transfer

    const callId = `${newToken('web110-')}@gw.example`;
    const { d } = await answeredAtPage(callId);
    const record = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'talking at the browser seat');
    // the directory is read again when the call connects: 110 (added since the page opened) has its key and hotkey
    await disp.waitForSelector('[data-testid="transfer-key-110"]:not([disabled])', { timeout: 10_000 });
    assert.match(await disp.textContent('[data-testid="transfer-hotkeys"]') ?? '', /F9：一键转接 110/, 'the hotkey documented on the page');

    await disp.keyboard.press('F9');
    const refer = await gw.waitRequest(callId, 'REFER');
    const referTo = /<([^>]+)>/.exec(header(refer, 'refer-to'))?.[1] ?? header(refer, 'refer-to');
    await gw.respond(refer, 202, 'Accepted');
    const newCallId = `${newToken('web110n-')}@gw.example`;
    const d2 = await gw.invite(newCallId, CALLER, referUser(referTo));
    const ok = await gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, '110\'s 200', undefined, 15_000);
    await gw.ackAnswer(d2, ok);
    await gw.request(d, 'NOTIFY', 'SIP/2.0 200 OK\r\n', undefined,
      [['Event', 'refer'], ['Subscription-State', 'terminated;reason=noresource'], ['Contact', gw.contact]], 'message/sipfrag');
    await gw.waitResponse(callId, 'NOTIFY', (s) => s === 200, 'NOTIFY answered', d.cseq);
    await gw.request(d, 'BYE');
    await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the browser answered the BYE', d.cseq);

    await disp.waitForFunction(() => document.querySelector('[data-testid="transfer-status"]')?.textContent?.includes('已转接到 公安110'), undefined, { timeout: 10_000 });
    assert.equal(await disp.textContent('[data-testid="transfer-party-caller"]'), '已转给 公安110');
    assert.equal(await disp.textContent('[data-testid="transfer-party-target"]'), '已接听');
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-transferred-110')}`);
    await cc.waitForCall((c) => c.id === record.id && c.state === 'talking', 10_000, 'the record talking with 110');
    const legs = await cc.sql<{ kind: string; party: string }[]>`SELECT kind, party FROM call_legs WHERE call_id = ${record.id} AND kind = 'external'`;
    assert.deepEqual(legs.map((l) => [l.kind, l.party]), [['external', '110']]);
    await cc.waitForSeatState(seat, 'ready', 10_000);
    await gw.request(d2, 'BYE');
    await gw.waitResponse(newCallId, 'BYE', (s) => s === 200, '110 answered the BYE', d2.cseq);
    const r = await uas.done;
    assert.ok(r.ok, `the 110 party's SIPp: ${r.errorLog}`);
    const seen = await gatewayCallerId({ trunk: { id: 'pstn-110', port }, uas, logFile });
    assert.deepEqual([seen.ruri, seen.from, seen.pai], ['110', '12088880120', '12088880120'], 'the entry\'s presented number');
    await cc.waitForCall((c) => c.id === record.id && c.state === 'ended', 10_000, 'the call ended');
  } catch (err) {
    t.diagnostic(`dispatcher page log:\n${log.join('\n')}`);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-transfer-110-failed').catch(() => 'none')}`);
    await uas.stop().catch(() => undefined);
    throw err;
  }
});

/**
 * The browser's fake microphone (1000 Hz at -6 dBFS) arrives at -23 to -34 dB after Chromium's audio processing
 * (its gain control varies: docs/mixer.md "Whisper and barge-in" and this file's runs): heard above this; a party
 * not heard reads -57 dB and below. Also the bound for what the browser seat's page hears (measured in the page: a
 * loaded machine's Chromium drops frames; -20.3 dB against the wire's -20 dB bound once in a CI rehearsal).
 */
const BROWSER_HEARD_DB = -40;

/** The levels the dispatcher's page plays from the call (#remote-audio: what the browser seat hears). */
const seatHears = () => pageHears(disp, '#remote-audio', FREQS);

// The browser seat in the room (docs/mixer.md "A browser seat in the room"): its re-INVITE is paired with a Janus leg
// in the call's own rtpengine call, so Chromium keeps its DTLS session. The caller (440 Hz) is the gateway's RTP
// endpoint, the seat the page's fake microphone (1000 Hz), the doctor (1650 Hz) answers on the gateway's trunk.

/**
 * A call from the gateway answered at the page, then the panel's 咨询 or 三方 for the doctor (speed key 8): the
 * page's phone re-INVITEs with the anchor token, the doctor is dialled on the gateway's trunk and answers.
 */
async function doctorInRoom(button: 'consult' | 'three-way') {
  const caller = await endpoint(GW_HZ);
  const doctor = await endpoint(P110_HZ);
  tones.push(caller, doctor);
  gw.rtpPort = caller.port;
  await cc.waitForSeatState(webSeat, 'ready', 10_000);
  const callId = `${newToken('web3-')}@gw.example`;
  const { d, ok } = await answeredAtPage(callId);
  caller.sendTo(audioTarget(ok.body));
  const record = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'talking at the browser seat');
  await disp.waitForSelector(`[data-testid="${button}-start-8"]:not([disabled])`, { timeout: 10_000 });
  await disp.click(`[data-testid="${button}-start-8"]`);
  const invDoc = await gwEp!.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-') && !gw.requests(callIdOf(m), 'BYE').length, 15_000,
    'the INVITE to the doctor (after the page\'s re-INVITE)');
  await gw.respond(invDoc, 200, 'OK', { toTag: newToken('doc'), body: audioSdp(doctor.port) });
  doctor.sendTo(audioTarget(invDoc.body));
  return { caller, doctor, callId, d, record, invDoc };
}

/** After the page left: caller and doctor hear each other, the gateway saw nothing; the caller hangs up, the doctor gets a BYE. */
async function callerAndDoctorTalkOn(t: TestContext, room: Awaited<ReturnType<typeof doctorInRoom>>) {
  const { caller, doctor, callId, d, record, invDoc } = room;
  await cc.waitForSeatState(webSeat, 'ready', 10_000);
  const [c2, p2] = await Promise.all([measure(caller, 2000), measure(doctor, 2000)]);
  t.diagnostic(`the page left: caller ${JSON.stringify(c2.levels)}; doctor ${JSON.stringify(p2.levels)}`);
  assertHears('the caller', c2, GW_HZ, [P110_HZ]);
  assertHears('the doctor', p2, P110_HZ, [GW_HZ]);
  assert.equal(gw.requests(callId, 'BYE').length, 0, 'the page\'s BYE never reached the caller\'s gateway');
  assert.equal(gw.requests(callId, 'INVITE').length, 0, 'the caller\'s gateway was never re-INVITEd');
  assert.equal((await cc.call(record.id))!.state, 'talking');
  await gw.request(d, 'BYE');
  await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the caller\'s BYE answered', d.cseq);
  const byeDoc = await gwEp!.waitFor((m) => m.method === 'BYE' && callIdOf(m) === callIdOf(invDoc), 10_000, 'the BYE to the doctor');
  await gw.respond(byeDoc, 200, 'OK');
  await cc.waitForCall((c) => c.id === record.id && c.state === 'ended', 10_000, 'the call ended');
}

async function onFailure(t: TestContext, name: string) {
  t.diagnostic(`dispatcher page log:\n${log.join('\n')}`);
  t.diagnostic(`screenshot ${await screenshot(disp, name).catch(() => 'none')}`);
}

test('dispatcher consults a doctor from the page while the caller is held, then completes the transfer', async (t) => {
  await cc.apiOk('POST', '/v1/linkage/destinations',
    { id: 'doctor-8', name: '值班专家', category: 'doctor', kind: 'number', number: '12088880008', trunk_id: gwTrunkId, speed_key: '8', sort_order: 4 }, [201]);
  try {
    const room = await doctorInRoom('consult');
    const { caller, doctor } = room;
    await disp.waitForSelector('[data-testid="consult-complete"]:not([disabled])', { timeout: 10_000 });
    const [c1, p1, s1] = await Promise.all([measure(caller, 2000), measure(doctor, 2000), seatHears()]);
    t.diagnostic(`consulting from the page: caller ${JSON.stringify(c1.levels)}; doctor ${JSON.stringify(p1.levels)}; browser seat ${JSON.stringify(s1)}`);
    assert.ok(p1.levels[SEAT_HZ]! > BROWSER_HEARD_DB, `the doctor hears the browser seat: ${JSON.stringify(p1.levels)}`);
    assert.ok(s1[P110_HZ]! > BROWSER_HEARD_DB, `the browser seat hears the doctor: ${JSON.stringify(s1)}`);
    assert.ok(p1.levels[GW_HZ]! < HEARD_DB && s1[GW_HZ]! < HEARD_DB, `neither hears the held caller: ${JSON.stringify({ doctor: p1.levels, seat: s1 })}`);
    assert.ok(c1.levels[SEAT_HZ]! < HEARD_DB && c1.levels[P110_HZ]! < HEARD_DB, `the caller hears neither: ${JSON.stringify(c1.levels)}`);
    assert.equal(c1.sources.length, 1, 'every packet to the caller from one rtpengine address');

    await disp.click('[data-testid="consult-complete"]');
    await disp.waitForFunction(() => document.querySelector('[data-testid="consult-status"]')?.textContent?.includes('已转接到'), undefined, { timeout: 10_000 });
    await callerAndDoctorTalkOn(t, room);
  } catch (err) {
    await onFailure(t, 'dispatcher-consult-failed');
    throw err;
  }
});

test('a three-way from the page: caller, browser seat and doctor hear each other; the dispatcher leaves, the others talk on', async (t) => {
  try {
    const room = await doctorInRoom('three-way');
    const { caller, doctor } = room;
    // the panel follows the room each second: caller, seat and doctor joined
    await disp.waitForFunction(() => (document.querySelector('[data-testid="consult-parties"]')?.textContent?.match(/joined/g)?.length ?? 0) >= 3,
      undefined, { timeout: 10_000 });
    const [c1, p1, s1] = await Promise.all([measure(caller, 2000), measure(doctor, 2000), seatHears()]);
    t.diagnostic(`three-way from the page: caller ${JSON.stringify(c1.levels)}; doctor ${JSON.stringify(p1.levels)}; browser seat ${JSON.stringify(s1)}`);
    assert.ok(c1.levels[SEAT_HZ]! > BROWSER_HEARD_DB && c1.levels[P110_HZ]! > HEARD_DB, `the caller hears seat and doctor: ${JSON.stringify(c1.levels)}`);
    assert.ok(p1.levels[SEAT_HZ]! > BROWSER_HEARD_DB && p1.levels[GW_HZ]! > HEARD_DB, `the doctor hears seat and caller: ${JSON.stringify(p1.levels)}`);
    assert.ok(s1[GW_HZ]! > BROWSER_HEARD_DB && s1[P110_HZ]! > BROWSER_HEARD_DB, `the browser seat hears caller and doctor: ${JSON.stringify(s1)}`);
    assert.equal(c1.sources.length, 1, 'every packet to the caller from one rtpengine address');

    await disp.click('[data-testid="consult-leave"]');
    await callerAndDoctorTalkOn(t, room);
  } catch (err) {
    await onFailure(t, 'dispatcher-three-way-failed');
    throw err;
  }
});
