/**
 * The dispatcher softphone end to end, in headless Chromium: a dispatcher logs in at a seat, the
 * SIP.js phone registers over WebSocket, the seat goes ready; a trunk caller (SIPp) dials 120; the
 * pop-up shows the caller before answering; F1 answers; 5 s of audio each way (the browser's fake
 * microphone plays 1000 Hz, the caller 440 Hz); F2 hangs up (the caller gets the BYE). The call record
 * says the seat answered and ended it, and the recording has signal on both channels. The supervisor
 * console, open beside it, shows the seat's state change live (ready -> talking -> wrap-up/ready).
 */
import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { after, before, test } from 'node:test';
import { dominantTone, readStereoWav, rms } from '../../unit/recordings/support/audio.ts';
import { sleep, startCallCentre, waitFor, type CallCentre, type Seat } from '../support/callcentre.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher, loginSupervisor, SUPERVISOR, UI_MS, waitText } from './support/pages.ts';

const CALLER = '13800138000';
let cc: CallCentre;
let server: ConsoleServer;
let browser: ConsoleBrowser;

before(async () => {
  cc = await startCallCentre('consoles-dispatcher');
  server = await startConsoleServer(cc.apiUrl, { ws: cc.info.sip.ws, domain: cc.info.sip.domain });
  browser = await launchConsoleBrowser(1000);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await cc?.close();
});

test('dispatcher-answers-with-hotkey-recorded: pop-up, F1 answers, 5 s both ways, F2 hangs up, recorded on both channels', async (t) => {
  const seat = await cc.createSeat('seat-web1', '网页席位一');
  await createPerson(cc, DISPATCHER, 'dispatcher');
  await createPerson(cc, SUPERVISOR, 'supervisor');

  const disp = await browser.newPage();
  const sup = await browser.newPage();
  const dispLog = pageLog(disp, 'dispatcher');
  const supLog = pageLog(sup, 'supervisor');
  const supSeatState = (state: string) => sup.waitForSelector(`[data-testid="seat-table"] tr[data-seat="${seat.id}"][data-state="${state}"]`, { timeout: UI_MS });
  try {
    await loginDispatcher(disp, server.url, seat);
    await loginSupervisor(sup, server.url);
    await supSeatState('not_ready');
    await waitFor(async () => (await cc.seatState(seat)).registered === true, 15_000, 'the browser seat registered (control plane sees it)');
    await disp.waitForSelector('[data-testid="banner-reg"].ok', { timeout: UI_MS });
    assert.match(await disp.textContent('[data-testid="seat-state"]') ?? '', /示忙/, 'after login the seat is not ready');

    await disp.waitForSelector('#btn-ready:not([disabled])', { timeout: UI_MS });
    await disp.click('#btn-ready');
    await cc.waitForSeatState(seat, 'ready', 10_000);
    await waitText(disp, 'seat-state', /就绪/);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-ready')}`);
    await supSeatState('ready');

    const trunk = await cc.createTrunkPort();
    const caller = await cc.startCaller(trunk, {
      scenario: 'uac-120-expect-answer-then-remote-bye.xml', injection: [{ caller: CALLER, display: 'e2e caller' }], timeoutS: 60,
    });

    await disp.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
    await waitText(disp, 'popup-number', CALLER);
    await waitText(disp, 'popup-queue', 'city-main');
    assert.match(await disp.textContent('[data-testid="popup-wait"]') ?? '', /^\d\d:\d\d$/, 'the pop-up shows the wait time');
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-incoming-popup')}`);

    await disp.keyboard.press('F1');
    await waitText(disp, 'call-status', /^通话中/);
    const answered = await cc.waitForCall((c) => c.caller_number === CALLER && c.state === 'talking', 10_000, 'the call talking');
    assert.equal(answered.answered_seat_id, seat.id);
    const talkingRow = await supSeatState('talking');
    assert.match(await talkingRow.textContent() ?? '', new RegExp(CALLER), 'the wallboard shows the seat\'s caller');
    await sleep(2000);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-talking')}`);
    assert.match(await disp.textContent('[data-testid="call-timer"]') ?? '', /^00:0[1-9]$/, 'the call timer runs');
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-seat-talking')}`);
    const answeredCell = await sup.textContent('[data-testid="queue-table"] tr[data-queue="city-main"] [data-col="answered"]');
    assert.equal(answeredCell, '1', 'the wallboard counts the answered call');
    await sleep(3000);

    await disp.keyboard.press('F2');
    const result = await caller.done;
    assert.ok(result.ok, `the caller got the seat's BYE: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
    await waitText(disp, 'call-status', '空闲');

    await sup.waitForSelector(`[data-testid="seat-table"] tr[data-seat="${seat.id}"]:not([data-state="talking"])`, { timeout: UI_MS });

    const call = await waitFor(async () => {
      const c = await cc.call(answered.id);
      return c?.state === 'ended' ? c : undefined;
    }, 10_000, 'the call ended');
    assert.equal(call.answered_seat_id, seat.id, 'answered by the browser seat');
    assert.equal(call.ended_by, 'seat', 'the seat hung up');
    assert.ok(call.talk_ms! >= 4500 && call.talk_ms! < 15_000, `talk_ms ${call.talk_ms} covers the 5 s conversation`);

    const meta = await waitFor(async () => {
      const r = await cc.api<{ status: string; channels: { caller: { rmsDbfs: number; packets: number }; seat: { rmsDbfs: number; packets: number } } | null; path?: string }>(
        'GET', `/v1/calls/${call.id}/recording/meta`);
      return r.status === 200 && r.body.status === 'ready' ? r.body : undefined;
    }, 40_000, 'the call\'s recording ready');
    t.diagnostic(`recording channels ${JSON.stringify(meta.channels)}`);
    assert.ok(meta.channels, 'channel statistics are recorded');
    assert.ok(meta.channels.caller.packets > 100 && meta.channels.seat.packets > 100, 'RTP on both channels');
    assert.ok(meta.channels.caller.rmsDbfs > -40, `caller channel carries signal (${meta.channels.caller.rmsDbfs} dBFS)`);
    assert.ok(meta.channels.seat.rmsDbfs > -40, `seat channel carries signal (${meta.channels.seat.rmsDbfs} dBFS)`);

    const [rec] = await cc.sql<{ path: string }[]>`SELECT path FROM recordings WHERE call_id = ${call.id}`;
    const wav = await readStereoWav(isAbsolute(rec.path) ? rec.path : join(cc.info.recordingsDir, rec.path));
    const mid = (x: Int16Array | Float32Array | number[]) => (x as Int16Array).subarray(wav.sampleRate, wav.sampleRate * 4);
    const left = mid(wav.left as Int16Array);
    const right = mid(wav.right as Int16Array);
    assert.ok(rms(left) > 500 && rms(right) > 500, `both channels carry audio (rms ${rms(left).toFixed(0)} / ${rms(right).toFixed(0)})`);
    assert.equal(dominantTone(left, wav.sampleRate).freq, 440, 'left: the caller\'s 440 Hz');
    assert.equal(dominantTone(right, wav.sampleRate).freq, 1000, 'right: the browser microphone\'s 1000 Hz');

    // The supervisor forces the seat not ready: the dispatcher sees it live.
    await cc.waitForSeatState(seat, 'ready', 15_000);
    await supSeatState('ready');
    await sup.click(`[data-testid="seat-table"] tr[data-seat="${seat.id}"] button[data-act="not-ready"]`);
    await cc.waitForSeatState(seat, 'not_ready', 5000, 'supervisor');
    await waitText(disp, 'seat-state', /班长置忙/);

    // A caller who gives up in the queue appears in the abandoned list and the queue's count.
    const quitter = await cc.runCaller(trunk, {
      scenario: 'uac-120-cancel-in-queue-expect-487.xml', injection: [{ caller: '13900139000', display: 'gave up' }], vars: { cancel_ms: '1500' },
    });
    assert.ok(quitter.ok, `the quitting caller got 487: ${quitter.errorLog}`);
    await sup.waitForSelector('[data-testid="abandoned-table"] tr[data-call] >> text=13900139000', { timeout: UI_MS });
    await sup.waitForFunction(() => document.querySelector('[data-testid="queue-table"] tr[data-queue="city-main"] [data-col="abandoned"]')?.textContent === '1', undefined, { timeout: UI_MS });
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-abandoned')}`);

    sup.once('dialog', (d) => void d.accept());
    await sup.click(`[data-testid="seat-table"] tr[data-seat="${seat.id}"] button[data-act="logout"]`);
    await cc.waitForSeatState(seat, 'logged_out', 5000);
    await waitText(disp, 'seat-state', /未登录/);
    t.diagnostic(`screenshot ${await screenshot(disp, 'dispatcher-logged-out-by-supervisor')}`);
  } catch (e) {
    await screenshot(disp, 'dispatcher-failure').catch(() => undefined);
    await screenshot(sup, 'supervisor-failure').catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${[...dispLog, ...supLog].join('\n')}`, { cause: e });
  }
});
