/**
 * The dispatcher softphone over HTTPS and WSS, with its headset tools, instant recall and hold (issue 5):
 * - the page is loaded from the control plane's HTTPS port (the set-up's certificate; Chromium with
 *   --ignore-certificate-errors); GET /v1/consoles/config hands it wss://127.0.0.1:<wss port>/ and the SIP.js
 *   phone registers over WSS;
 * - 耳麦设置: the device lists are filled, the microphone meter moves with the fake microphone's 1000 Hz
 *   (> -40 dBFS), the test tone plays, the choice is saved in localStorage;
 * - a SIPp trunk caller (440 Hz for 30 s) is answered with F1; after ~6 s F8 replays the caller's last seconds:
 *   the indicator shows a replay of > 3 s whose RMS (computed in the page) is well above silence;
 * - 保持: the control plane has rtpengine play the hold file (a 600 Hz tone made here, CTI_HOLD_AUDIO) to the
 *   caller and blocks the seat: tshark on the caller's media port sees 600 Hz, not the seat's 1000 Hz, while
 *   held, and 1000 Hz again after 取消保持; call.held.v1 and call.resumed.v1 are in the call's event log,
 *   both changes are audited; F2 hangs up and the caller gets the BYE.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tonePower } from '../../support/audio.ts';
import { freeUdpPort } from '../../support/sipp.ts';
import { sleep, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from './support/browser.ts';
import { createPerson, DISPATCHER, loginDispatcher, UI_MS, waitText } from './support/pages.ts';
import { captureUdpTo, ensureLongCallerAudio, HAS_TSHARK, pcmaAudio } from './support/rtp-capture.ts';

const SCENARIO = join(import.meta.dirname, 'sipp', 'uac-120-expect-answer-long-audio-then-remote-bye.xml');
const CALLER = '13700137000';
const HOLD_HZ = 600;
let dir: string;
let cc: CallCentre;
let browser: ConsoleBrowser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cti120-hold-'));
  const holdWav = join(dir, 'hold-test.wav');
  const sox = spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', holdWav, 'synth', '4', 'sine', String(HOLD_HZ), 'vol', '0.5']);
  assert.equal(sox.status, 0, `sox made the hold file: ${sox.stderr}`);
  ensureLongCallerAudio();
  cc = await startCallCentre('consoles-https-hold', { env: { CTI_HOLD_AUDIO: holdWav } });
  browser = await launchConsoleBrowser(1000, { ignoreCertificateErrors: true });
});
after(async () => {
  await browser?.close();
  await cc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('dispatcher-https-wss-headset-recall-hold: WSS registration, device test, 30 s recall, hold audio to the caller', { skip: !HAS_TSHARK && 'tshark not installed' }, async (t) => {
  const httpsUrl = cc.info.api.httpsUrl;
  const wss = cc.info.sip.wss;
  assert.ok(httpsUrl && wss, 'the stack has HTTPS and WSS (run `npm run setup` for .run/tls)');
  const seat = await cc.createSeat('seat-tls1', '安全席位');
  await createPerson(cc, DISPATCHER, 'dispatcher');
  const page = await browser.newPage();
  const log = pageLog(page, 'dispatcher');
  try {
    // --- HTTPS page, wss:// from the config, registered over WSS
    await loginDispatcher(page, httpsUrl, seat);
    const config = await page.evaluate(() => fetch('/v1/consoles/config').then((r) => r.json()));
    assert.equal(config.sip.ws_url, `wss://127.0.0.1:${new URL(wss).port}/`, 'an https page is handed the WSS listener on its own host');
    const plain = await (await fetch(`${cc.apiUrl}/v1/consoles/config`)).json();
    assert.match(plain.sip.ws_url, /^ws:\/\//, 'a plain http page keeps plain ws');
    assert.equal(await page.evaluate(() => window.isSecureContext && location.protocol), 'https:');
    await page.waitForSelector('[data-testid="banner-reg"].ok', { timeout: 15_000 });
    await waitFor(async () => (await cc.seatState(seat)).registered === true, 15_000, 'the seat registered over WSS');

    // --- headset: lists, level meter, test tone, saved choice
    await page.click('#btn-devices');
    await page.waitForSelector('[data-testid="devices-dialog"][open]');
    const inputs = await page.$$eval('#dev-input option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    const outputs = await page.$$eval('#dev-output option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    t.diagnostic(`devices: ${inputs.length} inputs, ${outputs.length} outputs`);
    assert.ok(inputs.length >= 2, 'the system default plus at least one microphone (Chromium\'s fake device)');
    await page.selectOption('#dev-input', inputs[1]);
    await page.waitForFunction(() => Number((document.querySelector('[data-testid="mic-level"]') as HTMLElement)?.dataset.db ?? -999) > -40,
      undefined, { timeout: UI_MS });
    const db = Number(await page.getAttribute('[data-testid="mic-level"]', 'data-db'));
    t.diagnostic(`microphone level ${db} dBFS`);
    await page.click('#dev-test');
    await waitText(page, 'device-status', /测试音已播放/, 5000);
    await screenshot(page, 'dispatcher-devices');
    if (outputs.length >= 2) await page.selectOption('#dev-output', outputs[1]);
    await page.click('#dev-save');
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('cti120.dispatcher.devices') ?? '{}'));
    assert.equal(saved.input, inputs[1], 'the microphone choice is remembered in this browser');

    // --- a call: answered with F1 over WSS
    await page.click('#btn-ready');
    await cc.waitForSeatState(seat, 'ready', 10_000);
    const trunk = await cc.createTrunkPort();
    const mediaPort = await freeUdpPort('127.0.0.1', true);
    const capture = await captureUdpTo([mediaPort]);
    const caller = await cc.startCaller(trunk, { scenario: SCENARIO, mediaPort, injection: [{ caller: CALLER, display: 'tls caller' }], timeoutS: 90 });
    await page.waitForSelector('[data-testid="incoming-popup"][open]', { timeout: 15_000 });
    await page.keyboard.press('F1');
    await waitText(page, 'call-status', /^通话中/, 10_000);
    const call = await cc.waitForCall((c) => c.caller_number === CALLER && c.state === 'talking', 10_000, 'the call talking');
    await sleep(6000);

    // --- instant recall: F8 replays the caller's last seconds
    await waitText(page, 'recall-buffer', /已缓存最近 \d+ 秒/, 5000);
    await page.keyboard.press('F8');
    await page.waitForSelector('[data-testid="recall-indicator"]:not(.hidden)', { timeout: UI_MS });
    const seconds = Number(await page.getAttribute('[data-testid="recall-indicator"]', 'data-seconds'));
    const rmsDb = Number(await page.getAttribute('[data-testid="recall-indicator"]', 'data-rms-db'));
    t.diagnostic(`recall: ${seconds} s at ${rmsDb} dBFS`);
    assert.ok(seconds > 3 && seconds <= 30, `the replay holds the call so far (${seconds} s)`);
    assert.ok(rmsDb > -30, `the replay is the caller's tone, not silence (${rmsDb} dBFS)`);
    assert.match(await page.textContent('[data-testid="recall-indicator"]') ?? '', /正在回放最近 [\d.]+ 秒的来电声音/);
    assert.equal(await page.evaluate(() => (document.getElementById('remote-audio') as HTMLAudioElement).volume), 0.25, 'the live caller is turned down, not cut');
    await screenshot(page, 'dispatcher-recall');
    await page.click('#recall-stop');
    await page.waitForSelector('[data-testid="recall-indicator"]', { state: 'hidden', timeout: UI_MS });

    // --- hold: the caller hears the hold audio, not the seat
    const holdAt = Date.now();
    await page.click('#btn-hold');
    await page.waitForSelector('[data-testid="banner-hold"].warn', { timeout: UI_MS });
    assert.match(await page.textContent('[data-testid="call-status"]') ?? '', /已保持/);
    assert.equal((await cc.apiOk('GET', `/v1/calls/${call.id}/hold`)).held, true);
    await screenshot(page, 'dispatcher-held');
    await sleep(3000);
    const resumeAt = Date.now();
    await page.click('#btn-hold');
    await page.waitForSelector('[data-testid="banner-hold"]', { state: 'detached', timeout: UI_MS });
    await sleep(3000);
    const endAt = Date.now();
    await page.keyboard.press('F2');
    const result = await caller.done;
    assert.ok(result.ok, `the caller got the seat's BYE: ${result.errorLog}`);
    const packets = await capture.stop();

    const toCaller = packets.filter((d) => d.dst.port === mediaPort);
    const during = (fromMs: number, toMs: number) => pcmaAudio(toCaller.filter((d) => d.tsUs / 1000 >= fromMs && d.tsUs / 1000 < toMs));
    const held = during(holdAt + 800, resumeAt - 200);
    const resumed = during(resumeAt + 1000, endAt - 200);
    const heldRatio = tonePower(held, HOLD_HZ) / tonePower(held, 1000);
    const resumedRatio = tonePower(resumed, 1000) / tonePower(resumed, HOLD_HZ);
    t.diagnostic(`to the caller: ${toCaller.length} packets; held ${held.length} samples (600/1000 Hz ${heldRatio.toExponential(1)}), resumed ${resumed.length} samples (1000/600 Hz ${resumedRatio.toExponential(1)})`);
    assert.ok(held.length >= 8000, 'RTP keeps reaching the caller while held (at least 1 s of it)');
    assert.ok(heldRatio > 100, 'while held the caller hears the hold tone, not the seat\'s microphone');
    assert.ok(resumed.length >= 8000 && resumedRatio > 100, 'after resume the caller hears the seat again, and no hold tone');

    const types = await cc.callEventTypes(call.id);
    assert.ok(types.includes('call.held.v1') && types.includes('call.resumed.v1'), `hold and resume in the call's log: ${types.join(', ')}`);
    assert.ok(types.indexOf('call.held.v1') < types.indexOf('call.resumed.v1'));
    const audit = await cc.sql<{ action: string; actor_name: string }[]>`
      SELECT action, actor_name FROM audit_log WHERE target_type = 'call' AND target_id = ${call.id} ORDER BY id`;
    assert.deepEqual(audit.map((a) => `${a.action}:${a.actor_name}`), [`call.held:${DISPATCHER.username}`, `call.resumed:${DISPATCHER.username}`]);
    await waitText(page, 'call-status', /^空闲$/, 5000);
  } catch (e) {
    await screenshot(page, 'dispatcher-https-failure').catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${log.join('\n')}`, { cause: e });
  }
});
