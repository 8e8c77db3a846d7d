/**
 * Each scenario in test/sipp against its counterpart, SIPp to SIPp on loopback (no Kamailio):
 * the pairs must complete with every call successful, and a mismatched pair must fail, not hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runSipp, startSipp, waitForUdpListener, type SippOptions, type SippResult } from '../../support/sipp.ts';

function brief(r: SippResult): string {
  return JSON.stringify({ exit: r.exitCode, ok: r.successful, failed: r.failed, err: r.errorLog.slice(-800), msgs: r.messageLog.slice(-1500) });
}

async function pair(uas: SippOptions, uac: Omit<SippOptions, 'remote'>): Promise<{ uas: SippResult; uac: SippResult }> {
  const server = await startSipp({ timeoutS: 30, ...uas });
  await waitForUdpListener(server.localPort);
  const client = await runSipp({ timeoutS: 30, ...uac, remote: `127.0.0.1:${server.localPort}` });
  const served = uas.calls === undefined ? await server.stop() : await server.done;
  return { uas: served, uac: client };
}

/** Failed runs keep their traces for debugging; a test that expects the failure removes them. */
function discard(...results: SippResult[]): void {
  for (const r of results) rmSync(r.traceDir, { recursive: true, force: true });
}

test('caller hangs up: uac-120-expect-answer-audio against uas-seat-answer-audio, UTF-8 display name intact', async () => {
  const r = await pair(
    { scenario: 'uas-seat-answer-audio.xml', service: 'seat01', calls: 1, vars: { answer_ms: '300' }, keepTraces: true },
    { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13912345678', display: '王小明 急救' }] },
  );
  assert.ok(r.uac.ok, brief(r.uac));
  assert.ok(r.uas.ok, brief(r.uas));
  assert.ok(r.uac.durationMs >= 5_000, 'the caller talks for the length of its audio');
  const seen = readFileSync(join(r.uas.traceDir, 'messages.log'), 'utf8');
  assert.match(seen, /From: "王小明 急救" <sip:13912345678@127\.0\.0\.1:\d+>/);
  assert.match(seen, /^INVITE sip:120@/m);
  rmSync(r.uas.traceDir, { recursive: true, force: true });
});

test('seat hangs up: uac-120-expect-answer-then-remote-bye against uas-seat-answer-then-bye', async () => {
  const r = await pair(
    { scenario: 'uas-seat-answer-then-bye.xml', service: 'seat01', calls: 1 },
    { scenario: 'uac-120-expect-answer-then-remote-bye.xml' },
  );
  assert.ok(r.uac.ok, brief(r.uac));
  assert.ok(r.uas.ok, brief(r.uas));
});

test('caller abandons in queue: uac-120-cancel-in-queue-expect-487 against uas-seat-no-answer', async () => {
  const r = await pair(
    { scenario: 'uas-seat-no-answer.xml', service: 'seat01', calls: 1 },
    { scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '400' } },
  );
  assert.ok(r.uac.ok, brief(r.uac));
  assert.ok(r.uas.ok, brief(r.uas));
});

test('load: 20 calls at 10 cps with uac-120-expect-answer-many, all answered, no failures', async () => {
  const rows = Array.from({ length: 20 }, (_, i) => ({ caller: `1380000${String(i).padStart(4, '0')}`, display: `来电${i}` }));
  const r = await pair(
    { scenario: 'uas-seat-answer-audio.xml', service: 'seat01' },
    { scenario: 'uac-120-expect-answer-many.xml', calls: 20, rate: 10, concurrent: 20, injection: rows, vars: { talk_ms: '300' } },
  );
  assert.ok(r.uac.ok, brief(r.uac));
  assert.equal(r.uac.successful, 20);
  assert.equal(r.uas.successful, 20, brief(r.uas));
  discard(r.uas);
});

test('REGISTER with the right password against the digest registrar stand-in: 401 then 200', async () => {
  const r = await pair(
    { scenario: 'uas-registrar-digest.xml', calls: 1, vars: { user: 'seat07', password: 's3cret' } },
    { scenario: 'uac-register-expect-200.xml', auth: { username: 'seat07', password: 's3cret' }, vars: { expires: '60' } },
  );
  assert.ok(r.uac.ok, brief(r.uac));
});

test('unregister (Expires: 0) against the digest registrar stand-in: 401 then 200', async () => {
  const r = await pair(
    { scenario: 'uas-registrar-digest.xml', calls: 1, vars: { user: 'seat07', password: 's3cret' } },
    { scenario: 'uac-unregister-expect-200.xml', auth: { username: 'seat07', password: 's3cret' } },
  );
  assert.ok(r.uac.ok, brief(r.uac));
});

test('REGISTER with a wrong password is refused, and the expect-200 scenario reports that as a failure', async () => {
  const refused = await pair(
    { scenario: 'uas-registrar-digest.xml', calls: 1, vars: { user: 'seat07', password: 's3cret' } },
    { scenario: 'uac-register-wrong-password-expect-403-or-401.xml', auth: { username: 'seat07', password: 'wrong' } },
  );
  assert.ok(refused.uac.ok, brief(refused.uac));
  const failing = await pair(
    { scenario: 'uas-registrar-digest.xml', calls: 1, vars: { user: 'seat07', password: 's3cret' } },
    { scenario: 'uac-register-expect-200.xml', auth: { username: 'seat07', password: 'wrong' }, timeoutS: 10 },
  );
  assert.equal(failing.uac.ok, false);
  assert.equal(failing.uac.exitCode, 1);
  assert.equal(failing.uac.failed, 1);
  discard(failing.uac, failing.uas);
});

test('INVITE from a non-trunk gets 407: uac-invite-expect-407 against uas-reply-407', async () => {
  const r = await pair({ scenario: 'uas-reply-407.xml', calls: 1 }, { scenario: 'uac-invite-expect-407.xml', service: 'seat02' });
  assert.ok(r.uac.ok, brief(r.uac));
  assert.ok(r.uas.ok, brief(r.uas));
});

test('a call nobody answers fails at the timeout instead of hanging', async () => {
  const r = await pair(
    { scenario: 'uas-seat-no-answer.xml', service: 'seat01' },
    { scenario: 'uac-120-expect-answer-audio.xml', timeoutS: 3 },
  );
  assert.equal(r.uac.ok, false);
  assert.notEqual(r.uac.exitCode, 0);
  assert.ok(r.uac.durationMs < 3_000 + 6_000, `took ${r.uac.durationMs} ms`);
  discard(r.uac, r.uas);
});
