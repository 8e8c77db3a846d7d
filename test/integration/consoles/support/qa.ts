/**
 * What the QA console tests share: the stack, console server and browser (qaConsoleEnv), a real recorded call answered at a seat where a dispatcher is logged in
 * (SIPp seat with audio, SIPp trunk caller), and logging in to the QA page.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import { startCallCentre, waitFor, type CallCentre, type CallRow, type Seat } from '../../support/callcentre.ts';
import { launchConsoleBrowser, type ConsoleBrowser } from './browser.ts';
import { startConsoleServer, type ConsoleServer } from './console-server.ts';
import type { Person } from './pages.ts';

export interface RecordedCall {
  call: CallRow;
  seat: Seat;
  recording: { id: string; size_bytes: number };
}

/** The dispatcher (token) logs in at a new seat and gets ready; a trunk caller with `caller`'s number is answered there with audio; waits for the recording. */
export async function recordedCall(cc: CallCentre, dispatcherToken: string, caller: string): Promise<RecordedCall> {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, 'uas-seat-answer-audio.xml');
  for (const step of ['login', 'ready']) {
    const res = await fetch(`${cc.apiUrl}/v1/seats/${seat!.id}/${step}`, { method: 'POST', headers: { authorization: `Bearer ${dispatcherToken}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200, `seat ${step} as the dispatcher: ${await res.text()}`);
  }
  const trunk = await cc.createTrunkPort();
  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller, display: 'qa caller' }] });
  assert.ok(result.ok, `caller SIPp failed: ${result.errorLog}`);
  const call = await cc.waitForCall((c) => c.caller_number === caller && c.state === 'ended', 10_000, 'the call ended');
  const recording = await waitFor(async () => {
    const [r] = await cc.sql<{ id: string; status: string; size_bytes: number }[]>`SELECT id, status, size_bytes::float8 AS size_bytes FROM recordings WHERE call_id = ${call.id}`;
    return r?.status === 'ready' ? { id: r.id, size_bytes: r.size_bytes } : undefined;
  }, 30_000, 'the call\'s recording ready');
  return { call, seat: seat!, recording };
}

/** Opens the QA console and logs in; resolves when the app is shown. */
export async function loginQaPage(page: Page, baseUrl: string, p: Person): Promise<void> {
  await page.goto(`${baseUrl}/consoles/qa/`);
  await page.fill('#f-user', p.username);
  await page.fill('#f-pass', p.password);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not(.hidden)', { timeout: 15_000 });
}

export interface QaConsoleEnv { cc: CallCentre; server: ConsoleServer; browser: ConsoleBrowser }

/** Registers before/after hooks: the whole stack, the console server and headless Chromium; read the fields inside a test. */
export function qaConsoleEnv(name: string): QaConsoleEnv {
  const env = {} as QaConsoleEnv;
  before(async () => {
    env.cc = await startCallCentre(name);
    env.server = await startConsoleServer(env.cc.apiUrl, { ws: env.cc.info.sip.ws, domain: env.cc.info.sip.domain });
    env.browser = await launchConsoleBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
    await env.cc?.close();
  });
  return env;
}
