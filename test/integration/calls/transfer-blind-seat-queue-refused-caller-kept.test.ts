/**
 * Blind transfer (issue 14, item 2; docs/transfers.md) on the real daemons: a raw-UDP trunk gateway
 * (test/integration/support/transfer-parties.ts) calls 120 and is answered by seat A (the dispatcher); the dispatcher
 * asks POST /v1/calls/:id/transfers, seat A's phone sends the REFER with the Refer-To it was given, and the gateway
 * does what a REFER-capable E1 gateway does (202, NOTIFY sipfrag, a new INVITE to the Refer-To URI, BYE of the old
 * dialog after success) or refuses the REFER (501). Asserted:
 *   - bad input (unknown destination, number not in the directory, wrong mode) changes nothing;
 *   - a REFER without a live token never leaves Kamailio;
 *   - seat target: the caller is connected to seat B; ONE call record with both legs and the timeline;
 *   - queue target: the new leg waits in the queue with the original priority and arrival time;
 *   - the gateway refuses the REFER, or the target seat cannot take the call: the caller stays with seat A;
 *   - outside number (110 through the trunk pstn-out, the entry's presented number) and another centre (its SIP
 *     address): the new INVITE is relayed out (recorded through rtpengine); answered: one record with the caller's
 *     new leg and the target's `external` leg; busy or unreachable: the gateway's INVITE gets the failure and the
 *     caller stays with seat A; the gateway ended the old dialog first: the caller is requeued, never dropped;
 *   - 110 through a trunk group: its preferred gateway out of service (probes), the live member takes the call.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { audioTarget } from '../../../control/src/calls/conference/sdp.ts';
import { GW_HZ, HEARD_DB, P110_HZ, SELF_BELOW_DB, endpoint, measure } from './support/tone-endpoints.ts';
import { readStereoWav, recordedLevels } from './support/recorded-tones.ts';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { TransferRig, referUser, type Connected } from '../support/transfer-parties.ts';
import type { Dialog } from '../support/raw-sip-parties.ts';
import { audioSdp } from '../../support/sip-spellings.ts';
import { startSipp } from '../../support/sipp.ts';
import { header } from '../../support/sip-udp.ts';
import { dispatcherFlags } from '../support/kamailio-dispatcher.ts';
import { queueKey } from '../../../control/src/acd/queue.ts';
import { queueScore } from '../../../control/src/acd/selector.ts';

let cc: CallCentre;
let rig: TransferRig;
const CALLER = '13700000007';

before(async () => {
  cc = await startCallCentre('calls-transfer-blind', { queue: { wrapup_s: 0 } });
  rig = await TransferRig.open(cc, CALLER);
  // an entry whose trunk is switched off: no way out
  await cc.apiOk('POST', '/v1/trunks', { id: 'pstn-off', name: '停用中继', ip_addr: '192.0.2.9', port: 5060, enabled: false });
  await cc.apiOk('POST', '/v1/linkage/destinations',
    { id: 'fire-119', name: '消防119', category: 'fire', kind: 'number', number: '119', trunk_id: 'pstn-off', speed_key: '119', sort_order: 5 }, [201]);
});
after(async () => {
  await rig?.close();
  await cc?.close();
});

async function transfersOf(recordId: string) {
  return cc.sql<{ state: string; fail_reason: string | null; new_sip_call_id: string | null; refer_status: number | null }[]>`
    SELECT state, fail_reason, new_sip_call_id, refer_status FROM call_transfers WHERE call_id = ${recordId} ORDER BY requested_at`;
}

function recordAt(recordId: string, state: string, seatId?: string) {
  return cc.waitForCall((r) => r.id === recordId && r.state === state && (seatId === undefined || (r as { answered_seat_id?: string }).answered_seat_id === seatId),
    10_000, `the record ${state}${seatId ? ` at ${seatId}` : ''}`);
}

/** The new INVITE is refused with `status`: the transfer failed for `reason`, the caller is still talking with seat A. */
async function refusedCallerKept(c: Connected, newCallId: string, d2: Dialog, status: number, reason: string, timeoutMs?: number): Promise<void> {
  const final = await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s >= 300, 'the new INVITE refused', undefined, timeoutMs);
  assert.equal(final.status, status);
  await rig.gw.ackFailure(d2, final);
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'failed', 10_000, 'transfer failed', 50);
  assert.equal((await transfersOf(c.recordId))[0]!.fail_reason, reason);
  await recordAt(c.recordId, 'talking', rig.seatA.id);
  assert.equal((await cc.seatState(rig.seatA)).state, 'talking');
}

test('bad input changes nothing; a REFER without a live token is refused by Kamailio', async () => {
  const c = await rig.connectToA();
  const cases: Array<[unknown, number, string]> = [
    [{ destination: { destination_id: 'nowhere' }, mode: 'blind' }, 404, 'CTI_LINKAGE_DESTINATION_NOT_FOUND'],
    [{ destination: { number: '99999' }, mode: 'blind' }, 403, 'CTI_LINKAGE_FORBIDDEN'],
    [{ destination: { destination_id: 'seat-b' }, mode: 'attended' }, 400, 'CTI_BAD_REQUEST'],
    [{ destination: { destination_id: 'fire-119' }, mode: 'blind' }, 409, 'CTI_TRANSFER_NO_WAY_OUT'],
  ];
  for (const [body, status, code] of cases) {
    const res = await cc.api<{ code: string }>('POST', `/v1/calls/${c.recordId}/transfers`, body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
  }
  assert.equal((await cc.call(c.recordId))!.state, 'talking');
  assert.equal((await transfersOf(c.recordId)).length, 0);
  assert.ok(!(await cc.callEventTypes(c.recordId)).some((t) => t.includes('transfer')), 'no transfer event');
  // seat A's phone sends a REFER of its own making: Kamailio answers 403 and the gateway never sees it
  await rig.referFromA(c, `sip:xfer-${'A'.repeat(32)}@cti`);
  await rig.rsA.waitResponse(c.callId, 'REFER', (s) => s === 403, 'REFER refused');
  assert.equal(rig.gw.requests(c.callId, 'REFER').length, 0);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatA, 'ready');
});

test('seat target: REFER 202, NOTIFYs, new INVITE rings seat B, answered; one record with both legs; seat A freed', async () => {
  const c = await rig.connectToA();
  await cc.loginReady(rig.seatB);
  const referTo = await rig.startTransfer(c, 'seat-b');
  assert.match(referTo, /^sip:xfer-[A-Za-z0-9_-]{32}@/);
  assert.equal((await cc.call(c.recordId))!.state, 'transferring');
  await rig.referFromA(c, referTo);
  const refer = await rig.gw.waitRequest(c.callId, 'REFER');
  assert.equal(/sip:([^@]+)@/.exec(header(refer, 'refer-to'))?.[1], referUser(referTo));
  await rig.gw.respond(refer, 202, 'Accepted');
  await rig.rsA.waitResponse(c.callId, 'REFER', (s) => s === 202, 'REFER accepted');
  await rig.notifyFromGateway(c, '100 Trying', false);
  assert.equal(rig.rsA.requests(c.callId, 'NOTIFY').length, 0, 'Kamailio answers the NOTIFY itself');
  const newCallId = `xs-${Date.now()}@gw.example`;
  const d2 = await rig.gw.invite(newCallId, CALLER, referUser(referTo));
  await rig.answerAtB(newCallId, d2);
  await rig.notifyFromGateway(c, '200 OK', true);
  await rig.hangUpFromGateway(c.d, rig.rsA); // the gateway ends the old dialog after the transfer succeeded
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded', 50);
  await cc.waitForSeatState(rig.seatA, 'ready');
  await cc.waitForSeatState(rig.seatB, 'talking');
  // the seat's state is set before the record's (flow/answered.ts): wait for the record itself
  await recordAt(c.recordId, 'talking', rig.seatB.id);
  const legs = await cc.sql<{ kind: string; party: string | null; sip_call_id: string | null; ended: boolean }[]>`
    SELECT kind, party, sip_call_id, ended_at IS NOT NULL AS ended FROM call_legs WHERE call_id = ${c.recordId} ORDER BY id`;
  assert.deepEqual(legs.map((l) => [l.kind, l.party, l.sip_call_id, l.ended]), [
    ['caller', CALLER, null, true], ['seat', rig.seatA.id, null, true], ['caller', CALLER, newCallId, false], ['seat', rig.seatB.id, null, false],
  ]);
  const types = await cc.callEventTypes(c.recordId);
  for (const t of ['call.answered.v1', 'call.transfer_started.v1', 'call.offering.v1', 'call.transferred.v1']) assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
  assert.ok(types.indexOf('call.transfer_started.v1') < types.lastIndexOf('call.answered.v1'), 'timeline: started, then answered at B');
  assert.equal((await cc.sql`SELECT 1 FROM calls WHERE sip_call_id = ${newCallId}`).length, 0, 'no second call record');
  await rig.hangUpFromGateway(d2, rig.rsB);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatB, 'ready');
  await cc.seatNotReady(rig.seatB);
});

test('queue target: the new leg waits in the queue with the original priority and arrival time, then a seat answers', async () => {
  const c = await rig.connectToA();
  const [first] = await cc.sql<{ priority: number; arrived_at: Date }[]>`SELECT priority, arrived_at FROM calls WHERE id = ${c.recordId}`;
  const { newCallId, d2 } = await rig.transferAccepted(c, 'main-queue');
  await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s === 180, 'queued (180)');
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded (caller in the queue)', 50);
  const score = await cc.redis.zscore(queueKey('city-main'), newCallId);
  assert.equal(Number(score), queueScore(first!.priority, first!.arrived_at.getTime()), 'same priority and first arrival');
  const [queued] = await cc.sql<{ data: { priority: number; reason: string } }[]>`
    SELECT data FROM call_events WHERE call_id = ${c.recordId} AND type = 'call.queued.v1' ORDER BY id DESC LIMIT 1`;
  assert.deepEqual([queued!.data.priority, queued!.data.reason], [first!.priority, 'transfer']);
  // seat B (the only ready seat: A still holds the old dialog) takes the caller from the queue
  await cc.seatReady(rig.seatB);
  await rig.answerAtB(newCallId, d2);
  await rig.hangUpFromGateway(c.d, rig.rsA); // the gateway ends the old dialog once its new INVITE is answered
  await cc.waitForSeatState(rig.seatA, 'ready');
  await recordAt(c.recordId, 'talking', rig.seatB.id);
  assert.equal(((await cc.call(c.recordId))! as { arrived_at?: Date }).arrived_at?.getTime(), first!.arrived_at.getTime());
  await rig.hangUpFromGateway(d2, rig.rsB);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatB, 'ready');
  await cc.seatNotReady(rig.seatB);
});

test('the gateway refuses the REFER (501): transfer failed, the caller stays with seat A', async () => {
  const c = await rig.connectToA();
  await rig.referFromA(c, await rig.startTransfer(c, 'seat-b'));
  await rig.gw.respond(await rig.gw.waitRequest(c.callId, 'REFER'), 501, 'Not Implemented');
  await rig.rsA.waitResponse(c.callId, 'REFER', (s) => s === 501, 'REFER refused');
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'failed', 10_000, 'transfer failed', 50);
  assert.deepEqual((await transfersOf(c.recordId)).map((t) => [t.fail_reason, t.refer_status]), [['refer_refused', 501]]);
  await recordAt(c.recordId, 'talking', rig.seatA.id); // the transfer row is closed first, then the call goes back
  assert.equal((await cc.seatState(rig.seatA)).state, 'talking');
  await failedEventLogged(c.recordId);
  assert.equal(rig.rsA.requests(c.callId, 'BYE').length, 0, 'nobody hung up on the caller');
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatA, 'ready');
});

test('the target seat cannot take the call: the new INVITE is refused, the caller stays with seat A', async () => {
  const c = await rig.connectToA(); // seat B is not ready
  const { newCallId, d2 } = await rig.transferAccepted(c, 'seat-b');
  await refusedCallerKept(c, newCallId, d2, 486, 'busy');
  await rig.notifyFromGateway(c, '486 Busy Here', true);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await recordAt(c.recordId, 'ended');
});

test('the target seat rings and rejects (486): the new INVITE is refused, the caller stays with seat A, seat B ready again', async () => {
  const c = await rig.connectToA();
  await cc.loginReady(rig.seatB);
  const { newCallId, d2 } = await rig.transferAccepted(c, 'seat-b');
  const offer = await rig.rsB.waitInvite(newCallId);
  const tag = `b${Date.now()}`;
  await rig.rsB.respond(offer, 180, 'Ringing', { toTag: tag });
  await rig.rsB.respond(offer, 486, 'Busy Here', { toTag: tag });
  await rig.rsB.waitRequest(newCallId, 'ACK');
  const final = await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s >= 300, 'the new INVITE refused');
  assert.equal(final.status, 486);
  await rig.gw.ackFailure(d2, final);
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'failed', 10_000, 'transfer failed', 50);
  assert.equal((await transfersOf(c.recordId))[0]!.fail_reason, 'busy');
  await recordAt(c.recordId, 'talking', rig.seatA.id);
  assert.equal((await cc.seatState(rig.seatA)).state, 'talking');
  await cc.waitForSeatState(rig.seatB, 'ready');
  const [offerRow] = await cc.sql<{ outcome: string; sip_status: number }[]>`
    SELECT outcome, sip_status FROM call_offers WHERE call_id = ${c.recordId} AND seat_id = ${rig.seatB.id}`;
  assert.deepEqual([offerRow!.outcome, offerRow!.sip_status], ['failed', 486]);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await recordAt(c.recordId, 'ended');
  await cc.seatNotReady(rig.seatB);
});

/** call.transfer_failed.v1 is on the call's timeline: logged just after the call is back to talking (transfer/outcome.ts). */
async function failedEventLogged(recordId: string): Promise<void> {
  await waitFor(async () => (await cc.callEventTypes(recordId)).includes('call.transfer_failed.v1') || undefined, 10_000, 'call.transfer_failed.v1 logged', 50);
}

/** The gateway's new INVITE reaches the outside party (110 behind the trunk, or the county centre). */
async function outsideGets(newCallId: string) {
  return rig.out.waitInvite(newCallId);
}

test('outside number 110: relayed out through its trunk presenting the entry\'s number, answered; one record with the 110 leg', async (t) => {
  const c = await rig.connectToA();
  const caller = await endpoint(GW_HZ); // the caller's new leg and 110 send tones: the leg's recording is checked by them
  const p110 = await endpoint(P110_HZ);
  const ports = [rig.gw.rtpPort, rig.out.rtpPort] as const;
  t.after(() => { caller.close(); p110.close(); [rig.gw.rtpPort, rig.out.rtpPort] = ports; });
  rig.gw.rtpPort = caller.port;
  rig.out.rtpPort = p110.port;
  const { newCallId, d2 } = await rig.transferAccepted(c, 'police-110');
  const invite = await outsideGets(newCallId);
  assert.match(invite.uri ?? '', /^sip:110@127\.0\.0\.1:/, 'dialled 110 at the trunk\'s gateway');
  assert.match(header(invite, 'from'), new RegExp(`sip:${TransferRig.PRESENTED_110}@`), 'From: the presented number');
  assert.match(header(invite, 'p-asserted-identity'), new RegExp(`sip:${TransferRig.PRESENTED_110}@`));
  assert.match(invite.body ?? '', /c=IN IP4 /, 'an SDP offer (rtpengine\'s)');
  assert.ok(!(invite.body ?? '').includes(`m=audio ${rig.gw.rtpPort} `), 'media anchored by rtpengine, not the gateway\'s own port');
  const tag = `o${Date.now()}`;
  await rig.out.respond(invite, 180, 'Ringing', { toTag: tag });
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'ringing', 10_000, 'transfer ringing', 50);
  assert.equal((await cc.call(c.recordId))!.state, 'offering');
  await rig.out.respond(invite, 200, 'OK', { toTag: tag, body: audioSdp(rig.out.rtpPort) });
  const ok = await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, '110\'s 200 relayed to the gateway');
  assert.match(header(ok, 'from'), new RegExp(`sip:${CALLER}@`), 'From restored towards the gateway');
  await rig.gw.ackAnswer(d2, ok);
  await rig.out.waitRequest(newCallId, 'ACK');
  caller.sendTo(audioTarget(ok.body));
  p110.sendTo(audioTarget(invite.body));
  const talkFrom = Date.now() + 300; // measure's window
  const heard = await measure(caller, 1500);
  assert.ok(heard.levels[P110_HZ]! > HEARD_DB, `the caller hears 110: ${JSON.stringify(heard.levels)}`);
  await rig.notifyFromGateway(c, '200 OK', true);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded', 50);
  await cc.waitForSeatState(rig.seatA, 'ready');
  await recordAt(c.recordId, 'talking');
  const legs = await cc.sql<{ kind: string; party: string | null; sip_call_id: string | null; ended: boolean }[]>`
    SELECT kind, party, sip_call_id, ended_at IS NOT NULL AS ended FROM call_legs WHERE call_id = ${c.recordId} ORDER BY id`;
  assert.deepEqual(legs.map((l) => [l.kind, l.party, l.sip_call_id, l.ended]), [
    ['caller', CALLER, null, true], ['seat', rig.seatA.id, null, true], ['caller', CALLER, newCallId, false], ['external', '110', newCallId, false],
  ]);
  const [transferred] = await cc.sql<{ data: { incident_id: unknown; target_kind: string; new_sip_call_id: string } }[]>`
    SELECT data FROM call_events WHERE call_id = ${c.recordId} AND type = 'call.transferred.v1'`;
  assert.deepEqual([transferred!.data.target_kind, transferred!.data.new_sip_call_id, 'incident_id' in transferred!.data], ['number', newCallId, true]);
  assert.equal((await cc.sql`SELECT 1 FROM calls WHERE sip_call_id = ${newCallId}`).length, 0, 'no second call record');
  const [audit] = await cc.sql<{ after: { target: { kind: string; number: string } } }[]>`
    SELECT after FROM audit_log WHERE action = 'call.transfer_started' AND target_id = ${c.recordId}`;
  assert.deepEqual([audit!.after.target.kind, audit!.after.target.number], ['number', '110']);
  await rig.hangUpFromGateway(d2, rig.out);
  await recordAt(c.recordId, 'ended');
  // the new leg's recording (its own Call-ID) is the call's: one record with the recordings of both legs
  const recs = await waitFor(async () => {
    const r = await cc.sql<{ sip_call_id: string; call_id: string | null; status: string; path: string | null; started_at: Date | null }[]>`
      SELECT sip_call_id, call_id::text AS call_id, status, path, started_at FROM recordings WHERE sip_call_id IN (${c.callId}, ${newCallId})`;
    return r.length === 2 ? r : undefined;
  }, 30_000, 'both legs\' recordings indexed');
  assert.deepEqual(recs.map((r) => r.call_id), [c.recordId, c.recordId], JSON.stringify(recs));
  // the new leg's recording: the caller on the left, 110 on the right (what the caller heard after the transfer)
  const leg = recs.find((r) => r.sip_call_id === newCallId)!;
  assert.equal(leg.status, 'ready', JSON.stringify(leg));
  const wav = await readStereoWav(isAbsolute(leg.path!) ? leg.path! : join(cc.info.recordingsDir, leg.path!));
  const l = recordedLevels(wav, [talkFrom - leg.started_at!.getTime(), talkFrom + 1500 - leg.started_at!.getTime()]);
  t.diagnostic(`the transfer leg's recording while caller and 110 talk: ${JSON.stringify(l)}`);
  assert.ok(l.left[GW_HZ]! > HEARD_DB && l.left[P110_HZ]! < HEARD_DB - SELF_BELOW_DB, `left, the caller: ${JSON.stringify(l.left)}`);
  assert.ok(l.right[P110_HZ]! > HEARD_DB && l.right[GW_HZ]! < HEARD_DB - SELF_BELOW_DB, `right, 110: ${JSON.stringify(l.right)}`);
});

test('outside number 110 unreachable (no reply at all): the gateway\'s INVITE gets 503, the caller stays with seat A', async () => {
  const c = await rig.connectToA();
  const { newCallId, d2 } = await rig.transferAccepted(c, 'police-110');
  await outsideGets(newCallId); // and never answers: Kamailio gives up after 5 s without a reply
  await refusedCallerKept(c, newCallId, d2, 503, 'unreachable', 15_000);
  assert.equal(rig.rsA.requests(c.callId, 'BYE').length, 0, 'nobody hung up on the caller');
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatA, 'ready');
});

test('another centre: relayed to its SIP address with the caller\'s own number; answered, then the centre hangs up', async () => {
  const c = await rig.connectToA();
  const { newCallId, d2 } = await rig.transferAccepted(c, 'county-a');
  const invite = await outsideGets(newCallId);
  assert.match(invite.uri ?? '', /^sip:120@127\.0\.0\.1:/);
  assert.match(header(invite, 'from'), new RegExp(`sip:${CALLER}@`), 'no presented number: the caller\'s own');
  await rig.out.answer(invite);
  await rig.gw.ackAnswer(d2, await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'the centre\'s 200'));
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded', 50);
  await recordAt(c.recordId, 'talking');
  await cc.waitForSeatState(rig.seatA, 'ready');
  const [ext] = await cc.sql<{ party: string }[]>`SELECT party FROM call_legs WHERE call_id = ${c.recordId} AND kind = 'external'`;
  assert.match(ext!.party, /^sip:120@127\.0\.0\.1:/);
  await rig.hangUpFromGateway(d2, rig.out);
  await recordAt(c.recordId, 'ended');
});

test('another centre busy (486): the gateway\'s INVITE gets 486, the caller stays with seat A', async () => {
  const c = await rig.connectToA();
  const { newCallId, d2 } = await rig.transferAccepted(c, 'county-a');
  const invite = await outsideGets(newCallId);
  const tag = `c${Date.now()}`;
  await rig.out.respond(invite, 180, 'Ringing', { toTag: tag });
  await rig.out.respond(invite, 486, 'Busy Here', { toTag: tag });
  await rig.out.waitRequest(newCallId, 'ACK');
  await refusedCallerKept(c, newCallId, d2, 486, 'busy');
  await rig.notifyFromGateway(c, '486 Busy Here', true);
  await failedEventLogged(c.recordId);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatA, 'ready');
});

test('the gateway ended the old dialog before 110 answered, then 110 is busy: the caller waits at the head of the original queue, never dropped', async () => {
  const c = await rig.connectToA();
  const [first] = await cc.sql<{ priority: number; arrived_at: Date }[]>`SELECT priority, arrived_at FROM calls WHERE id = ${c.recordId}`;
  const { newCallId, d2 } = await rig.transferAccepted(c, 'police-110');
  const invite = await outsideGets(newCallId);
  await rig.hangUpFromGateway(c.d, rig.rsA); // a gateway that ends the old dialog as soon as it sent the new INVITE
  // 110 answers busy at once: its failure is decided after the old dialog's BYE (new-leg.ts, the old dialog's chain)
  await rig.out.respond(invite, 486, 'Busy Here', { toTag: `p${Date.now()}` });
  await rig.out.waitRequest(newCallId, 'ACK');
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'failed', 10_000, 'transfer failed', 50);
  assert.equal((await transfersOf(c.recordId))[0]!.fail_reason, 'busy');
  // requeued at its first priority and arrival (the head among equals); seat A, free again, is offered it
  const [queued] = await waitFor(async () => {
    const rows = await cc.sql<{ data: { priority: number; requeued: boolean } }[]>`
      SELECT data FROM call_events WHERE call_id = ${c.recordId} AND type = 'call.queued.v1' AND at > (SELECT requested_at FROM call_transfers WHERE call_id = ${c.recordId})`;
    return rows.length ? rows : undefined;
  }, 10_000, 'the caller requeued', 50);
  assert.deepEqual([queued!.data.priority, queued!.data.requeued], [first!.priority, true]);
  await rig.rsA.answer(await rig.rsA.waitInvite(newCallId));
  assert.equal(rig.gw.ep.received.filter((m) => m.status !== undefined && m.status >= 300 && header(m, 'call-id') === newCallId).length, 0, 'the caller was never refused');
  assert.equal(((await cc.call(c.recordId))! as { arrived_at?: Date }).arrived_at?.getTime(), first!.arrived_at.getTime());
  await rig.gw.ackAnswer(d2, await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'seat A\'s 200'));
  await recordAt(c.recordId, 'talking', rig.seatA.id);
  await rig.hangUpFromGateway(d2, rig.rsA);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatA, 'ready');
});

/** Trunks on loopback ports, a group of them in that order (the first preferred), and a directory entry dialling 110 through it. */
async function group110(members: ReadonlyArray<readonly [string, number]>, g: { group: string; name: string; destination: string; sortOrder: number }): Promise<void> {
  for (const [id, port] of members) {
    await cc.apiOk('POST', '/v1/trunks', { id, name: `出局网关 ${port}`, ip_addr: '127.0.0.1', port, gateway_uri: `sip:127.0.0.1:${port}` });
  }
  await cc.apiOk('POST', '/v1/trunk-groups', { id: g.group, name: g.name, members: members.map(([id]) => id) }, [201]);
  await cc.apiOk('POST', '/v1/linkage/destinations', {
    id: g.destination, name: `公安110（${g.name}）`, category: 'police', kind: 'number', number: '110', trunk_group_id: g.group,
    presented_number: TransferRig.PRESENTED_110, sort_order: g.sortOrder,
  }, [201]);
}

/**
 * A blind transfer to `destinationId` (110 behind a trunk group) answered by a member of the group: `check` runs once
 * the caller's gateway has the 200; the old dialog ends, the transfer succeeded, then the new leg's BYE ends the call.
 */
async function transferredThroughGroup(destinationId: string, check: () => void): Promise<void> {
  const c = await rig.connectToA();
  const { newCallId, d2 } = await rig.transferAccepted(c, destinationId);
  await rig.gw.ackAnswer(d2, await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'the group member\'s 200'));
  check();
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded', 50);
  await recordAt(c.recordId, 'talking');
  await rig.gw.request(d2, 'BYE');
  await rig.gw.waitResponse(newCallId, 'BYE', (s) => s === 200, 'the group member answered the BYE', d2.cseq);
  await recordAt(c.recordId, 'ended');
  await cc.waitForSeatState(rig.seatA, 'ready');
}

test('110 through a trunk group whose preferred gateway is out of service: the live member takes the call', async () => {
  const [deadPort, livePort] = [await cc.leasePort(), await cc.leasePort()]; // nothing listens on deadPort
  const logFile = join(mkdtempSync(join(tmpdir(), 'cti120-grp-')), 'gateway.log');
  const live = await startSipp({
    scenario: 'uas-gateway-options-answer.xml', localPort: livePort, service: 'gateway', timeoutS: 120, extraArgs: ['-trace_logs', '-log_file', logFile],
  });
  try {
    await live.listening();
    await group110([['grp-dead', deadPort], ['grp-live', livePort]], { group: 'grp-110', name: '110出局中继组', destination: 'police-110-grp', sortOrder: 6 });
    // Kamailio's probes take the preferred (dead) gateway out of service (docs/trunks.md: within ~7 s)
    await waitFor(async () => (await cc.streamEvents((e) => e.type === 'trunk.down.v1' && e.data.trunk_id === 'grp-dead')).length > 0, 15_000, 'the dead gateway out of service', 200);
    await transferredThroughGroup('police-110-grp', () => {
      assert.ok(readFileSync(logFile, 'utf8').includes('INVITE ruri=110'), 'the live member got the INVITE to 110');
    });
  } finally {
    await live.stop();
  }
});

test('110 through a trunk group whose preferred gateway is in service but answers 503: the next member takes the call', async () => {
  const ports = { refusing: await cc.leasePort(), taking: await cc.leasePort() };
  const dir = mkdtempSync(join(tmpdir(), 'cti120-grp503-'));
  const logs = { refusing: join(dir, 'refusing.log'), taking: join(dir, 'taking.log') };
  const refusing = await startSipp({
    scenario: 'uas-gateway-options-answer-invite-503.xml', localPort: ports.refusing, service: 'gateway', timeoutS: 120, extraArgs: ['-trace_logs', '-log_file', logs.refusing],
  });
  const taking = await startSipp({
    scenario: 'uas-gateway-options-answer.xml', localPort: ports.taking, service: 'gateway', timeoutS: 120, extraArgs: ['-trace_logs', '-log_file', logs.taking],
  });
  try {
    await Promise.all([refusing.listening(), taking.listening()]);
    await group110([['grp-503', ports.refusing], ['grp-ok', ports.taking]], { group: 'grp-110-503', name: '110出局中继组（首选拒绝）', destination: 'police-110-grp503', sortOrder: 7 });
    // both members answer the probes: both in service, the refusing one preferred
    await waitFor(async () => {
      const f = await dispatcherFlags(cc.info.kamailio.rpcUrl);
      return f[`sip:127.0.0.1:${ports.refusing}`] === 'AP' && f[`sip:127.0.0.1:${ports.taking}`] === 'AP';
    }, 15_000, 'both members of the group in service', 200);
    await transferredThroughGroup('police-110-grp503', () => {
      assert.ok(readFileSync(logs.refusing, 'utf8').includes('INVITE ruri=110'), 'the preferred member was tried first (and answered 503)');
      assert.ok(readFileSync(logs.taking, 'utf8').includes('INVITE ruri=110'), 'the next member got the INVITE to 110');
    });
  } finally {
    await Promise.all([refusing.stop(), taking.stop()]);
  }
});
