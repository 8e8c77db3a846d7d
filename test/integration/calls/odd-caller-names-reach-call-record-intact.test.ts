/**
 * What a trunk sends reaches the call record intact: display names in Chinese, with escaped quotes and
 * backslashes (RFC 3261 25.1 quoted-string), 4-byte UTF-8, markup-like characters, a long From header,
 * an empty display name, and a percent-escaped '+' in the user part (RFC 3261 19.1.2). Kamailio sends them
 * base64 over evapi; the control plane decodes and unquotes them. The calls go to the queue and the callers
 * give up after a moment (no seat is needed to record the caller).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';

interface Case { number: string; display: string; expectNumber: string; expectName: string | null }

// display is what goes between the quotes of From: "<display>" <sip:number@...>
const CASES: Case[] = [
  { number: '13800000001', display: '王小二', expectNumber: '13800000001', expectName: '王小二' },
  { number: '13800000002', display: '王\\"小\\\\二', expectNumber: '13800000002', expectName: '王"小\\二' },
  { number: '13800000003', display: 'Zhang \\"San\\" O\'Brien', expectNumber: '13800000003', expectName: 'Zhang "San" O\'Brien' },
  { number: '13800000004', display: '急救'.repeat(300), expectNumber: '13800000004', expectName: '急救'.repeat(300) },
  { number: '13800000005', display: '🚑 a,b <c> {d} $e `f` \' --', expectNumber: '13800000005', expectName: '🚑 a,b <c> {d} $e `f` \' --' },
  { number: '13800000006', display: '', expectNumber: '13800000006', expectName: null },
  { number: '%2B8613800000007', display: '国际 caller', expectNumber: '+8613800000007', expectName: '国际 caller' },
];

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-odd-sip'); });
after(async () => { await cc?.close(); });

test('odd-caller-names-reach-call-record-intact: caller_name and caller_number equal what the trunk sent', async () => {
  const trunk = await cc.createTrunkPort();
  const result = await cc.runCaller(trunk, {
    scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '500' }, calls: CASES.length, rate: 10, concurrent: CASES.length,
    injection: CASES.map((c) => ({ caller: c.number, display: c.display })), timeoutS: 30,
  });
  assert.ok(result.ok && result.successful === CASES.length,
    `every caller should be queued and get 487 on CANCEL: ${result.successful} ok, ${result.failed} failed\n${result.errorLog}\n${result.messageLog}`);

  const rows = await cc.waitForCalls(CASES.length, (c) => c.state === 'abandoned', 10_000, `${CASES.length} calls recorded`);
  const offered = await cc.streamEvents((e) => e.type === 'call.offered.v1');
  for (const c of CASES) {
    const row = rows.find((r) => r.caller_number === c.expectNumber);
    assert.ok(row, `a call with caller_number ${c.expectNumber}; got ${rows.map((r) => r.caller_number).join(', ')}`);
    assert.equal(row.caller_name, c.expectName, `caller_name for ${c.number}`);
    const ev = offered.find((e) => e.data.call_id === row.id);
    assert.ok(ev, 'call.offered.v1 for the call');
    assert.equal(ev.data.caller_name, c.expectName, `call.offered.v1 caller_name for ${c.number}`);
    assert.equal(ev.data.caller_number, c.expectNumber);
  }
});

test('malformed-percent-escape-call-still-recorded: a From user part with a bad %-escape is queued and recorded as sent', async () => {
  // RFC 3261 19.1.2 allows only "%" HEXDIG HEXDIG; trunks still send junk, and the call must not be lost from the record
  const trunk = await cc.createTrunkPort();
  const number = '1380%E4%ZZ';
  const result = await cc.runCaller(trunk, {
    scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '1500' }, injection: [{ caller: number, display: 'bad escape' }], timeoutS: 20,
  });
  assert.ok(result.ok, `the caller did not get 487 on CANCEL: exit ${result.exitCode}\n${result.errorLog}`);
  const row = await cc.waitForCall((c) => c.caller_name === 'bad escape', 5000, 'a call record for the caller with the malformed number');
  assert.equal(row.state, 'abandoned', 'queued, then abandoned like any other call');
  assert.equal(row.caller_number, number, 'the number as sent (it cannot be decoded)');
});

test('gbk-display-name-decoded: a gateway that sends the display name in GBK bytes is recorded in readable Chinese', async () => {
  // "王小二" and "急救" in GBK (not UTF-8): CD F5 D0 A1 B6 FE, BC B1 BE C8. The injection file carries the raw bytes.
  const dir = mkdtempSync(join(tmpdir(), 'cti-gbk-'));
  const csv = join(dir, 'gbk.csv');
  const gbk = (name: number[]) => Buffer.from(name);
  writeFileSync(csv, Buffer.concat([
    Buffer.from('SEQUENTIAL\n13800000008;'), gbk([0xcd, 0xf5, 0xd0, 0xa1, 0xb6, 0xfe]), Buffer.from(';\n'),
    Buffer.from('13800000009;'), gbk([0xbc, 0xb1, 0xbe, 0xc8, 0x20, 0x41]), Buffer.from(';\n'),
  ]));
  try {
    const trunk = await cc.createTrunkPort();
    const result = await cc.runCaller(trunk, {
      scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '500' }, calls: 2, rate: 10, concurrent: 2, injection: csv, timeoutS: 20,
    });
    assert.ok(result.ok && result.successful === 2, `both callers queued and cancelled: ${result.errorLog}`);
    const a = await cc.waitForCall((c) => c.caller_number === '13800000008' && c.state === 'abandoned', 5000, 'the first GBK caller');
    const b = await cc.waitForCall((c) => c.caller_number === '13800000009' && c.state === 'abandoned', 5000, 'the second GBK caller');
    assert.equal(a.caller_name, '王小二');
    assert.equal(b.caller_name, '急救 A');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
