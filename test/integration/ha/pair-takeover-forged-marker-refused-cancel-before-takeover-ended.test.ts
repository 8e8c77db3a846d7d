/**
 * The edges of the takeover of queued callers (docs/ha.md, "Queued callers when a node dies"):
 * - an INVITE from outside that carries the re-injection header (X-CTI-Takeover) is refused with 403 and creates no
 *   call: only the control plane's own re-injection, with the marker it set over JSON-RPC, is taken;
 * - a caller queued on A who hangs up after A died but before B re-injected the call: B's Kamailio answers the CANCEL
 *   (it has no transaction for it yet), the re-injected INVITE is then answered 487 at once, and the call is
 *   abandoned (on the callback list as any abandoned caller), never offered to a seat.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SipUdpEndpoint, callIdOf, newBranch, newToken } from '../../support/sip-udp.ts';
import { waitFor } from '../support/callcentre.ts';
import { prepareFailover, queueCallsOnA, startFailoverRig, type FailoverRig } from '../support/failover.ts';
import { QUEUED_PREFIX } from '../support/takeover.ts';

let rig: FailoverRig;
before(async () => {
  // Without fencing the floating address reaches B about 1 s after the kill, before B's control plane leads and
  // re-injects (4 s or more): the window in which a CANCEL reaches B before the re-injection, tested below. With
  // fencing (the default) B takes the address only once it leads, after the re-injection, and such a CANCEL reaches
  // B only when the gateway knows B's own address (a gateway configured with both servers); the retransmissions of a
  // CANCEL sent to the floating address meanwhile meet the re-injected transaction (an ordinary CANCEL).
  // a 3 s lease (a pair's default is 1.5 s): B's control plane must lead well after the caller's CANCEL at 2.5 s
  rig = await startFailoverRig('ha-takeover-edges', { fence: false, leaseMs: 3000 });
  const first = await prepareFailover(rig);
  if (!first.ok) throw new Error(`the first call was not answered through A: exit ${first.exitCode}\n${first.errorLog}`);
});
after(async () => { await rig?.close(); });

test('pair-takeover-forged-marker-refused: an INVITE from outside with X-CTI-Takeover gets 403 and creates no call', async () => {
  const ep = await SipUdpEndpoint.open(0, rig.pair.net.addr.root);
  try {
    const callId = `forged-${newToken()}`;
    const local = `${rig.pair.net.addr.root}:${ep.port}`;
    await ep.send([
      `INVITE sip:120@${rig.pair.sipRemote} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local};branch=${newBranch()};rport`,
      `From: <sip:13911112222@${local}>;tag=${newToken()}`,
      `To: <sip:120@${rig.pair.sipRemote}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      'X-CTI-Takeover: guessed-marker-0123456789',
      `Contact: <sip:13911112222@${local}>`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '', '',
    ].join('\r\n'), rig.pair.sipRemote);
    const reply = await ep.waitFor((m) => callIdOf(m) === callId && (m.status ?? 0) >= 200, 5_000, 'the final response to the forged INVITE');
    assert.equal(reply.status, 403);
    const calls = await rig.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM calls WHERE sip_call_id = ${callId}`;
    assert.equal(calls[0]!.n, 0, 'no call was created');
  } finally {
    await ep.close();
  }
});

test('pair-takeover-cancel-before-takeover-ended: a caller who hangs up between A\'s death and the re-injection gets 200 and 487 from B and is never offered', async () => {
  // the CANCEL leaves 2.5 s after A's last provisional response: after B holds the floating address (about 1 s after
  // the kill), before B's control plane leads and re-injects (4 s or more after the kill, docs/ha.md)
  const held = await queueCallsOnA(rig, 1, { scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '2500' }, timeoutS: 30 });
  const t0 = Date.now();
  await rig.pair.killNode('a');
  await rig.b.login();
  await rig.b.seatReady(rig.seat!);
  const result = await held.done;
  assert.ok(result.ok, `the caller's CANCEL got 200 and the INVITE 487: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const row = await waitFor(async () => (await rig.b.calls()).find((c) => (c.caller_number ?? '').startsWith(QUEUED_PREFIX) && c.ended_at),
    15_000, 'the cancelled caller ended in PostgreSQL', 200);
  assert.equal(row.state, 'abandoned');
  assert.equal(row.end_reason, 'abandoned', 'abandoned by the caller, not a failover loss');
  const takeover = await rig.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM call_events WHERE call_id = ${row.id} AND type = 'call.queued.v1' AND data->>'reason' = 'takeover'`;
  assert.equal(takeover[0]!.n, 0, 'the re-injected INVITE was ended at once (the CANCEL came first), not queued again');
  const offers = await rig.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM call_offers WHERE call_id = ${row.id} AND offered_at >= ${new Date(t0)}`;
  assert.equal(offers[0]!.n, 0, 'never offered to a seat');
});
