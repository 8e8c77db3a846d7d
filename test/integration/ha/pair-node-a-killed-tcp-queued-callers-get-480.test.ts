/**
 * Callers queued on node A over a TCP trunk when A dies (docs/ha.md, "Queued callers when a node dies"): their
 * gateway's INVITE transactions are bound to TCP connections that died with A, so B cannot re-inject them. The next
 * best thing: B sends each one `480 Temporarily Unavailable` (Retry-After) built from the stored INVITE over a new
 * TCP connection to the gateway (RFC 3261 18.2.2), so the caller is not left in silence, and lists it at once for a
 * callback, marked `failover`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { prepareFailover, queueCallsOnA, startFailoverRig, type FailoverRig } from '../support/failover.ts';
import { waitFor } from '../support/callcentre.ts';
import { QUEUED_PREFIX } from '../support/takeover.ts';

// one caller: SIPp as the gateway multiplexes its calls on one TCP connection, and when it aborts a call on the 480
// (an unexpected final response) it resets that connection, failing the other calls before their 480 is read
const QUEUED = 1;

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-takeover-tcp'); });
after(async () => { await rig?.close(); });

test('pair-node-a-killed-tcp-queued-callers-get-480: callers queued on A over TCP get 480 from B and are listed as failover', async () => {
  const first = await prepareFailover(rig);
  assert.ok(first.ok, `the first call was answered through A: exit ${first.exitCode}\n${first.errorLog}`);
  // a TCP connection leaves from a port of the kernel's choosing: the trunk is recognised by its address alone
  await rig.a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-tcp', name: '测试中继 TCP', ip_addr: rig.pair.net.addr.car });
  const held = await queueCallsOnA(rig, QUEUED, { extraArgs: ['-t', 't1'], keepTraces: true, timeoutS: 60 });
  const t0 = Date.now();
  await rig.pair.killNode('a');
  const rows = await waitFor(async () => {
    const mine = (await rig.b.calls()).filter((c) => (c.caller_number ?? '').startsWith(QUEUED_PREFIX));
    return mine.length === QUEUED && mine.every((c) => c.ended_at) ? mine : undefined;
  }, 30_000, `the ${QUEUED} TCP callers ended in PostgreSQL`, 200);
  for (const r of rows) {
    assert.equal(r.state, 'abandoned');
    assert.equal(r.end_reason, 'failover');
  }
  // the listing follows the call's end (calls/flow/sync.ts closeLostCall): waited for, not read once
  await waitFor(async () => (await rig.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM abandoned_calls WHERE call_id = ANY(${rows.map((r) => r.id)}::uuid[])`)[0]!.n === QUEUED,
  5_000, 'every TCP caller on the callback list', 100);
  const result = await held.stop();
  const log = readFileSync(join(result.traceDir, 'messages.log'), 'latin1');
  const got480 = rows.filter((r) => new RegExp(`SIP/2\\.0 480 Temporarily Unavailable[\\s\\S]*?Call-ID: ${r.sip_call_id.replace(/[.]/g, '\\.')}`).test(log));
  console.log(`TCP callers: ${JSON.stringify({ queued: QUEUED, final_480: got480.length, listed_after_ms: Math.max(...rows.map((r) => r.ended_at!.getTime() - t0)) })}`);
  assert.equal(got480.length, QUEUED, `every TCP caller got B's 480; SIPp errors:\n${result.errorLog}`);
});
