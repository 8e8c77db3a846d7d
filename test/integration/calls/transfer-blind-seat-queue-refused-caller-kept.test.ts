/**
 * Blind transfer (issue 14, item 2; docs/transfers.md) on the real daemons: a raw-UDP trunk gateway
 * (test/integration/support/raw-sip-parties.ts) calls 120 and is answered by seat A (the dispatcher); the dispatcher
 * asks POST /v1/calls/:id/transfers, seat A's phone sends the REFER with the Refer-To it was given, and the gateway
 * does what a REFER-capable E1 gateway does (202, NOTIFY sipfrag, a new INVITE to the Refer-To URI, BYE of the old
 * dialog after success) or refuses the REFER (501). Asserted:
 *   - bad input (unknown destination, number not in the directory, wrong mode) changes nothing;
 *   - a REFER without a live token never leaves Kamailio;
 *   - seat target: the caller is connected to seat B; ONE call record with both legs and the timeline;
 *   - queue target: the new leg waits in the queue with the original priority and arrival time;
 *   - the gateway refuses the REFER, or the target seat cannot take the call: the caller stays with seat A.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre, type Seat } from '../support/callcentre.ts';
import { RawGateway, RawSeat, openRawEndpoints, type Dialog, type RawEndpoints } from '../support/raw-sip-parties.ts';
import { SipUdpEndpoint, header, newToken } from '../../support/sip-udp.ts';
import { SPELLINGS } from '../../support/sip-spellings.ts';
import { queueKey } from '../../../control/src/acd/queue.ts';
import { queueScore } from '../../../control/src/acd/selector.ts';

let cc: CallCentre;
let seatA: Seat;
let seatB: Seat;
let gw: RawGateway;
let rsA: RawSeat;
let rsB: RawSeat;
let raw: RawEndpoints | undefined;
let epB: SipUdpEndpoint | undefined;
const CALLER = '13700000007';

before(async () => {
  cc = await startCallCentre('calls-transfer-blind', { queue: { wrapup_s: 0 } });
  raw = await openRawEndpoints(cc);
  seatA = raw.seat;
  [seatB] = await cc.createSeats(1);
  const { port } = await cc.registerSeat(seatB!);
  epB = await SipUdpEndpoint.open(port);
  await waitFor(async () => (await cc.seatState(seatB!)).registered === true, 15_000, 'seat B registered', 200);
  gw = new RawGateway(raw.gwEp, SPELLINGS[0]!, cc.sipRemote, CALLER);
  rsA = new RawSeat(raw.seatEp, SPELLINGS[0]!, cc.sipRemote, seatA.sipUser);
  rsB = new RawSeat(epB, SPELLINGS[0]!, cc.sipRemote, seatB!.sipUser);
  for (const d of [
    { id: 'seat-b', name: '二号调度席', category: 'seat', kind: 'seat', seat_id: seatB!.id, sort_order: 1 },
    { id: 'main-queue', name: '主队列', category: 'queue', kind: 'queue', queue_id: 'city-main', sort_order: 2 },
    { id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_id: await someTrunk(), speed_key: '110', sort_order: 3 },
  ]) await cc.apiOk('POST', '/v1/linkage/destinations', d, [201]);
  await cc.loginReady(seatA);
});
after(async () => {
  await raw?.close();
  await epB?.close();
  await cc?.close();
});

async function someTrunk(): Promise<string> {
  const [t] = await cc.sql<{ id: string }[]>`SELECT id FROM trunks ORDER BY id LIMIT 1`;
  return t!.id;
}

interface Connected { d: Dialog; a: Dialog; callId: string; recordId: string }

/** The caller reaches seat A (seat B not ready meanwhile) and both sides have the dialog. */
async function connectToA(): Promise<Connected> {
  const sipCallId = `${newToken('xf-')}@gw.example`;
  const d = await gw.invite(sipCallId, CALLER);
  const invite = await rsA.waitInvite(sipCallId);
  const a = await rsA.answer(invite);
  const ok = await gw.waitResponse(sipCallId, 'INVITE', (s) => s === 200, 'seat A\'s 200');
  await gw.ackAnswer(d, ok);
  await rsA.waitRequest(sipCallId, 'ACK');
  const row = await cc.waitForCall((c) => c.sip_call_id === sipCallId && c.state === 'talking', 10_000, 'call talking at seat A');
  return { d, a, callId: sipCallId, recordId: row.id };
}

/** Seat A's phone sends the REFER (RFC 3515 2.1: Refer-To, and a Contact for the implicit subscription). */
async function referFromA(c: Connected, referTo: string): Promise<void> {
  await rsA.request(c.a, 'REFER', '', undefined, [['Refer-To', `<${referTo}>`], ['Referred-By', `<sip:${seatA.sipUser}@cti>`], ['Contact', rsA.contact]]);
}

/** The gateway's NOTIFY of the refer subscription with a message/sipfrag body (RFC 3515 2.4.4). */
async function notifyFromGateway(c: Connected, status: string, terminated: boolean): Promise<void> {
  await gw.request(c.d, 'NOTIFY', `SIP/2.0 ${status}\r\n`, undefined,
    [['Event', 'refer'], ['Subscription-State', terminated ? 'terminated;reason=noresource' : 'active;expires=60'], ['Contact', gw.contact]], 'message/sipfrag');
  await gw.waitResponse(c.callId, 'NOTIFY', (s) => s === 200, 'NOTIFY answered by Kamailio', c.d.cseq);
}

async function hangUpFromGateway(d: Dialog, seat: RawSeat): Promise<void> {
  await gw.request(d, 'BYE');
  const bye = await seat.waitRequest(d.callId, 'BYE');
  await seat.respond(bye, 200, 'OK');
  await gw.waitResponse(d.callId, 'BYE', (s) => s === 200, 'BYE answered', d.cseq);
}

async function transfersOf(recordId: string) {
  return cc.sql<{ state: string; fail_reason: string | null; new_sip_call_id: string | null; refer_status: number | null }[]>`
    SELECT state, fail_reason, new_sip_call_id, refer_status FROM call_transfers WHERE call_id = ${recordId} ORDER BY requested_at`;
}

/** The dispatcher transfers, seat A sends the REFER, the gateway accepts it (202) and sends its new INVITE. */
async function transferAccepted(c: Connected, destinationId: string): Promise<{ newCallId: string; d2: Dialog }> {
  const started = await cc.apiOk<{ refer_to: string }>('POST', `/v1/calls/${c.recordId}/transfers`, { destination: { destination_id: destinationId }, mode: 'blind' }, [201]);
  await referFromA(c, started.refer_to);
  const refer = await gw.waitRequest(c.callId, 'REFER');
  await gw.respond(refer, 202, 'Accepted');
  const newCallId = `${newToken('xn-')}@gw.example`;
  return { newCallId, d2: await gw.invite(newCallId, CALLER, referUser(started.refer_to)) };
}

function referUser(referTo: string): string {
  return /^sip:(xfer-[A-Za-z0-9_-]+)@/.exec(referTo)![1]!;
}

test('bad input changes nothing; a REFER without a live token is refused by Kamailio', async () => {
  const c = await connectToA();
  const cases: Array<[unknown, number, string]> = [
    [{ destination: { destination_id: 'nowhere' }, mode: 'blind' }, 404, 'CTI_LINKAGE_DESTINATION_NOT_FOUND'],
    [{ destination: { number: '99999' }, mode: 'blind' }, 403, 'CTI_LINKAGE_FORBIDDEN'],
    [{ destination: { destination_id: 'seat-b' }, mode: 'attended' }, 400, 'CTI_BAD_REQUEST'],
    [{ destination: { destination_id: 'police-110' }, mode: 'blind' }, 501, 'CTI_TRANSFER_TARGET_UNSUPPORTED'],
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
  await referFromA(c, `sip:xfer-${'A'.repeat(32)}@cti`);
  await rsA.waitResponse(c.callId, 'REFER', (s) => s === 403, 'REFER refused');
  assert.equal(gw.requests(c.callId, 'REFER').length, 0);
  await hangUpFromGateway(c.d, rsA);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'call ended');
  await cc.waitForSeatState(seatA, 'ready');
});

test('seat target: REFER 202, NOTIFYs, new INVITE rings seat B, answered; one record with both legs; seat A freed', async () => {
  const c = await connectToA();
  await cc.loginReady(seatB!);
  const started = await cc.apiOk<{ refer_to: string; transfer_id: string }>('POST', `/v1/calls/${c.recordId}/transfers`, { destination: { destination_id: 'seat-b' }, mode: 'blind' }, [201]);
  assert.match(started.refer_to, /^sip:xfer-[A-Za-z0-9_-]{32}@/);
  assert.equal((await cc.call(c.recordId))!.state, 'transferring');
  await referFromA(c, started.refer_to);
  const refer = await gw.waitRequest(c.callId, 'REFER');
  assert.equal(uriUser(header(refer, 'refer-to')), referUser(started.refer_to));
  await gw.respond(refer, 202, 'Accepted');
  await rsA.waitResponse(c.callId, 'REFER', (s) => s === 202, 'REFER accepted');
  await notifyFromGateway(c, '100 Trying', false);
  assert.equal(rsA.requests(c.callId, 'NOTIFY').length, 0, 'Kamailio answers the NOTIFY itself');
  // the gateway's new INVITE to the Refer-To URI
  const newCallId = `${newToken('xf2-')}@gw.example`;
  const d2 = await gw.invite(newCallId, CALLER, referUser(started.refer_to));
  const offer = await rsB.waitInvite(newCallId);
  await rsB.answer(offer);
  const ok2 = await gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'seat B\'s 200');
  await gw.ackAnswer(d2, ok2);
  await rsB.waitRequest(newCallId, 'ACK');
  await notifyFromGateway(c, '200 OK', true);
  await hangUpFromGateway(c.d, rsA); // the gateway ends the old dialog after the transfer succeeded
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded', 50);
  await cc.waitForSeatState(seatA, 'ready');
  await cc.waitForSeatState(seatB!, 'talking');
  // the seat's state is set before the record's (flow/answered.ts): wait for the record itself
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'talking' && (r as { answered_seat_id?: string }).answered_seat_id === seatB!.id,
    10_000, 'the record talking at seat B');
  const legs = await cc.sql<{ kind: string; party: string | null; sip_call_id: string | null; ended: boolean }[]>`
    SELECT kind, party, sip_call_id, ended_at IS NOT NULL AS ended FROM call_legs WHERE call_id = ${c.recordId} ORDER BY id`;
  assert.deepEqual(legs.map((l) => [l.kind, l.party, l.sip_call_id, l.ended]), [
    ['caller', CALLER, null, true], ['seat', seatA.id, null, true], ['caller', CALLER, newCallId, false], ['seat', seatB!.id, null, false],
  ]);
  const types = await cc.callEventTypes(c.recordId);
  for (const t of ['call.answered.v1', 'call.transfer_started.v1', 'call.offering.v1', 'call.transferred.v1']) assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
  assert.ok(types.indexOf('call.transfer_started.v1') < types.lastIndexOf('call.answered.v1'), 'timeline: started, then answered at B');
  assert.equal((await cc.sql`SELECT 1 FROM calls WHERE sip_call_id = ${newCallId}`).length, 0, 'no second call record');
  await hangUpFromGateway(d2, rsB);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'call ended');
  await cc.waitForSeatState(seatB!, 'ready');
  await cc.seatNotReady(seatB!);
});

test('queue target: the new leg waits in the queue with the original priority and arrival time, then a seat answers', async () => {
  const c = await connectToA();
  const before = await cc.sql<{ priority: number; arrived_at: Date }[]>`SELECT priority, arrived_at FROM calls WHERE id = ${c.recordId}`;
  const { newCallId, d2 } = await transferAccepted(c, 'main-queue');
  await gw.waitResponse(newCallId, 'INVITE', (s) => s === 180, 'queued (180)');
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'succeeded', 10_000, 'transfer succeeded (caller in the queue)', 50);
  const score = await cc.redis.zscore(queueKey('city-main'), newCallId);
  assert.equal(Number(score), queueScore(before[0]!.priority, before[0]!.arrived_at.getTime()), 'same priority and first arrival');
  const queued = await cc.sql<{ data: { priority: number; reason: string } }[]>`
    SELECT data FROM call_events WHERE call_id = ${c.recordId} AND type = 'call.queued.v1' ORDER BY id DESC LIMIT 1`;
  assert.deepEqual([queued[0]!.data.priority, queued[0]!.data.reason], [before[0]!.priority, 'transfer']);
  // seat B (the only ready seat: A still holds the old dialog) takes the caller from the queue
  await cc.seatReady(seatB!);
  const offer = await rsB.waitInvite(newCallId);
  await rsB.answer(offer);
  const ok2 = await gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'seat B\'s 200');
  await gw.ackAnswer(d2, ok2);
  await hangUpFromGateway(c.d, rsA); // the gateway ends the old dialog once its new INVITE is answered
  await cc.waitForSeatState(seatA, 'ready');
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'talking' && (r as { answered_seat_id?: string }).answered_seat_id === seatB!.id,
    10_000, 'the record talking at seat B');
  assert.equal(((await cc.call(c.recordId))! as { arrived_at?: Date }).arrived_at?.getTime(), before[0]!.arrived_at.getTime());
  await hangUpFromGateway(d2, rsB);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'call ended');
  await cc.waitForSeatState(seatB!, 'ready');
  await cc.seatNotReady(seatB!);
});

test('the gateway refuses the REFER (501): transfer failed, the caller stays with seat A', async () => {
  const c = await connectToA();
  const started = await cc.apiOk<{ refer_to: string }>('POST', `/v1/calls/${c.recordId}/transfers`, { destination: { destination_id: 'seat-b' }, mode: 'blind' }, [201]);
  await referFromA(c, started.refer_to);
  const refer = await gw.waitRequest(c.callId, 'REFER');
  await gw.respond(refer, 501, 'Not Implemented');
  await rsA.waitResponse(c.callId, 'REFER', (s) => s === 501, 'REFER refused');
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'failed', 10_000, 'transfer failed', 50);
  assert.deepEqual((await transfersOf(c.recordId)).map((t) => [t.fail_reason, t.refer_status]), [['refer_refused', 501]]);
  assert.equal((await cc.call(c.recordId))!.state, 'talking');
  assert.equal((await cc.seatState(seatA)).state, 'talking');
  assert.ok((await cc.callEventTypes(c.recordId)).includes('call.transfer_failed.v1'));
  assert.equal(rsA.requests(c.callId, 'BYE').length, 0, 'nobody hung up on the caller');
  await hangUpFromGateway(c.d, rsA);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'call ended');
  await cc.waitForSeatState(seatA, 'ready');
});

test('the target seat cannot take the call: the new INVITE is refused, the caller stays with seat A', async () => {
  const c = await connectToA(); // seat B is not ready
  const { newCallId, d2 } = await transferAccepted(c, 'seat-b');
  const final = await gw.waitResponse(newCallId, 'INVITE', (s) => s >= 300, 'the new INVITE refused');
  assert.equal(final.status, 486);
  await gw.ackFailure(d2, final);
  await notifyFromGateway(c, '486 Busy Here', true);
  await waitFor(async () => (await transfersOf(c.recordId))[0]?.state === 'failed', 10_000, 'transfer failed', 50);
  assert.equal((await transfersOf(c.recordId))[0]!.fail_reason, 'busy');
  assert.equal((await cc.call(c.recordId))!.state, 'talking');
  assert.equal((await cc.seatState(seatA)).state, 'talking');
  await hangUpFromGateway(c.d, rsA);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'call ended');
});

function uriUser(h: string): string {
  return /sip:([^@]+)@/.exec(h)?.[1] ?? '';
}
