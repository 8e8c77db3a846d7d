/**
 * The callback panels in headless Chromium: a caller abandons; in the dispatcher console's 未接来电回拨 panel the
 * dispatcher clicks 认领 then 回拨, which places the call from the page's own SIP.js user agent (WebRTC: DTLS-SRTP
 * to rtpengine, plain RTP to the gateway); the gateway (SIPp) sees the centre's number, answers, both sides play
 * a tone; 挂断, then the outcome form records 已联系上. The supervisor's 未接回拨 tab shows the outcome. The callback
 * is an outbound call in `calls` with a recording carrying the browser's 440 Hz and the gateway's 1000 Hz.
 */
import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { after, before, test } from 'node:test';
import { dominantTone, readStereoWav, rms } from '../../unit/recordings/support/audio.ts';
import { sleep, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from '../consoles/support/browser.ts';
import { startConsoleServer, type ConsoleServer } from '../consoles/support/console-server.ts';
import { createPerson, DISPATCHER, loginDispatcher, loginSupervisor, SUPERVISOR, UI_MS } from '../consoles/support/pages.ts';
import { abandonFrom, gatewayCallerId, startGateway } from './support.ts';

const CALLER = '13700137000';
const CENTRE_NUMBER = '057112011';
let cc: CallCentre;
let server: ConsoleServer;
let browser: ConsoleBrowser;

before(async () => {
  cc = await startCallCentre('callbacks-console');
  server = await startConsoleServer(cc.apiUrl, { ws: cc.info.sip.ws, domain: cc.info.sip.domain });
  browser = await launchConsoleBrowser(440);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await cc?.close();
});

test('console-claim-dial-outcome: 认领, 回拨 from the browser through the gateway, 挂断, 登记结果; supervisor sees it', async (t) => {
  const seat = await cc.createSeat('seat-cb1', '回拨席位');
  await createPerson(cc, DISPATCHER, 'dispatcher');
  await createPerson(cc, SUPERVISOR, 'supervisor');
  const trunk = await cc.createTrunkPort();
  const gateway = await startGateway(cc);
  await cc.apiOk('PUT', '/v1/callbacks/settings', { callback_number: CENTRE_NUMBER, trunk_id: gateway.trunk.id, gateway_uri: `sip:127.0.0.1:${gateway.trunk.port}` }, [200]);

  const disp = await browser.newPage();
  const sup = await browser.newPage();
  const logs = [...pageLog(disp, 'dispatcher'), ...pageLog(sup, 'supervisor')];
  try {
    await loginDispatcher(disp, server.url, seat);
    await waitFor(async () => (await cc.seatState(seat)).registered === true, 15_000, 'the browser seat registered');
    await abandonFrom(cc, trunk, CALLER);

    const row = `[data-testid="callback-table"] tr[data-status] >> text=${CALLER}`;
    await disp.waitForSelector(row, { timeout: 10_000 });
    const item = disp.locator('[data-testid="callback-table"] tr[data-item]', { hasText: CALLER });
    await item.locator('button[data-act="claim"]').click();
    await disp.waitForFunction((n) => document.querySelector('[data-testid="callback-status"]')?.textContent?.includes(`可以回拨 ${n}`), CALLER, { timeout: UI_MS });
    await item.locator('button[data-act="dial"]').click();
    await disp.waitForFunction(() => document.querySelector('[data-testid="callback-status"]')?.textContent?.startsWith('回拨通话中'), undefined, { timeout: 15_000 });
    t.diagnostic(`screenshot ${await screenshot(disp, 'callback-talking')}`);
    assert.deepEqual(await gatewayCallerId(gateway), { from: CENTRE_NUMBER, pai: CENTRE_NUMBER, ruri: CALLER });
    await sleep(5000);
    await item.locator('button[data-act="hangup"]').click();
    const gw = await gateway.uas.done;
    assert.ok(gw.ok, `the gateway got the browser's BYE: exit ${gw.exitCode}\n${gw.errorLog}\n${gw.messageLog}`);

    await item.locator('button[data-act="close-form"]').click();
    await disp.selectOption('[data-testid="callback-table"] form select[name="outcome"]', 'reached');
    await disp.fill('[data-testid="callback-table"] form input[name="note"]', '已联系家属');
    await disp.click('[data-testid="callback-table"] form button[type="submit"]');
    await disp.waitForFunction(() => document.querySelector('[data-testid="callback-status"]')?.textContent?.includes('已联系上'), undefined, { timeout: UI_MS });
    await disp.waitForSelector(row, { state: 'detached', timeout: UI_MS });

    const [closed] = await cc.sql<{ status: string; outcome: string; note: string; callback_call_id: string }[]>`
      SELECT status, outcome, note, callback_call_id::text AS callback_call_id FROM abandoned_calls WHERE caller_number = ${CALLER}`;
    assert.deepEqual([closed.status, closed.outcome, closed.note], ['done', 'reached', '已联系家属']);
    const [call] = await cc.sql<{ id: string; state: string; direction: string; ended_by: string; talk_ms: number; sip_headers: { proto: string } }[]>`
      SELECT id::text AS id, state, direction, ended_by, talk_ms, sip_headers FROM calls WHERE id = ${closed.callback_call_id}`;
    assert.equal(call.direction, 'outbound');
    assert.equal(call.state, 'ended');
    assert.equal(call.ended_by, 'seat');
    assert.ok(call.talk_ms >= 4500, `talk_ms ${call.talk_ms}`);
    assert.match(call.sip_headers.proto, /^wss?$/, 'placed from the browser over WebSocket');

    const rec = await waitFor(async () => {
      const [r] = await cc.sql<{ status: string; path: string }[]>`SELECT status, path FROM recordings WHERE call_id = ${call.id}`;
      return r?.status === 'ready' ? r : undefined;
    }, 40_000, 'the callback\'s recording');
    const wav = await readStereoWav(isAbsolute(rec.path) ? rec.path : join(cc.info.recordingsDir, rec.path));
    const left = (wav.left as Int16Array).subarray(wav.sampleRate, wav.sampleRate * 4);
    const right = (wav.right as Int16Array).subarray(wav.sampleRate, wav.sampleRate * 4);
    assert.ok(rms(left) > 500 && rms(right) > 500, `both channels carry audio (rms ${rms(left).toFixed(0)} / ${rms(right).toFixed(0)})`);
    assert.equal(dominantTone(left, wav.sampleRate).freq, 1000, 'left: the person called back (the gateway\'s 1000 Hz)');
    assert.equal(dominantTone(right, wav.sampleRate).freq, 440, 'right: the dispatcher (the browser microphone\'s 440 Hz)');
    const gaps = await cc.sql<{ details: unknown }[]>`SELECT details FROM alarms WHERE type = 'recording_gap' AND subject = ${call.id}`;
    t.diagnostic(`talk ${call.talk_ms} ms; recording_gap alarms: ${JSON.stringify(gaps.map((g) => g.details))}`);

    await loginSupervisor(sup, server.url);
    await sup.click('[data-tab="callbacks"]');
    const supRow = sup.locator('[data-testid="callback-admin-table"] tr[data-item]', { hasText: CALLER });
    await supRow.waitFor({ timeout: UI_MS });
    assert.match(await supRow.locator('[data-col="outcome"]').textContent() ?? '', /已联系上：已联系家属/);
    assert.equal(await supRow.getAttribute('data-status'), 'done');
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-callbacks')}`);
  } catch (e) {
    await screenshot(disp, 'callback-dispatcher-failure').catch(() => undefined);
    await screenshot(sup, 'callback-supervisor-failure').catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${logs.join('\n')}`, { cause: e });
  } finally {
    await gateway.uas.stop();
  }
});
