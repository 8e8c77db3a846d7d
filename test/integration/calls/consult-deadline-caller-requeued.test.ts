/**
 * No caller left alone on hold (issue 14 "Bad input and faults"; docs/mixer.md "Back to the queue"), on the real
 * daemons with raw-UDP parties: a consultation whose dispatcher's page closed meets its deadline (a short
 * CTI_CONSULT_MAX_MS in this stack): 110 was talking, so the transfer is completed (caller and 110 connected, the
 * dispatcher out). 110 hangs up: the caller, alone in the room, hears the hold audio and waits in the original queue
 * at its old place (priority, first arrival); the next ready seat (B) is dialled into the room by Kamailio with the
 * caller's number; B answers: caller and B hear each other. B hangs up: the caller's gateway gets a BYE, the call
 * ends, B is free. The caller's gateway never sees a re-INVITE.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { startCallCentre, waitFor, type CallCentre, type Seat } from '../support/callcentre.ts';
import { RawGateway, RawSeat, dialledDialog, openRawEndpoints, type Dialog, type RawEndpoints } from '../support/raw-sip-parties.ts';
import { SipUdpEndpoint, callIdOf, header, newToken, type SipMessage } from '../../support/sip-udp.ts';
import { SPELLINGS, audioSdp } from '../../support/sip-spellings.ts';
import { audioTarget } from '../../../control/src/calls/conference/sdp.ts';
import { GW_HZ, HEARD_DB, P110_HZ, SEAT_HZ, assertHears, endpoint, measure, rmsOf, type Endpoint } from './support/tone-endpoints.ts';

const CALLER = '13700000141';
const CONSULT_MAX_MS = 5000;
let cc: CallCentre;
let raw: RawEndpoints;
let gw: RawGateway;
let seatA: RawSeat;
let seatB: RawSeat;
let seatBRow: Seat;
let epB: SipUdpEndpoint;
const media: Endpoint[] = [];

before(async () => {
  cc = await startCallCentre('calls-consult-requeue', { queue: { wrapup_s: 0 }, env: { CTI_CONSULT_MAX_MS: String(CONSULT_MAX_MS) } });
  raw = await openRawEndpoints(cc);
  gw = new RawGateway(raw.gwEp, SPELLINGS[0]!, cc.sipRemote, CALLER);
  seatA = new RawSeat(raw.seatEp, SPELLINGS[0]!, cc.sipRemote, raw.seat.sipUser);
  [seatBRow] = await cc.createSeats(1);
  const { port } = await cc.registerSeat(seatBRow!);
  epB = await SipUdpEndpoint.open(port);
  seatB = new RawSeat(epB, SPELLINGS[0]!, cc.sipRemote, seatBRow!.sipUser);
  await waitFor(async () => (await cc.seatState(seatBRow)).registered === true, 15_000, 'seat B registered', 200);
  const [trunk] = await cc.sql<{ id: string }[]>`SELECT id FROM trunks ORDER BY id LIMIT 1`; // the gateway's
  await cc.apiOk('POST', '/v1/linkage/destinations',
    { id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_id: trunk!.id, speed_key: '110', sort_order: 1 }, [201]);
  await cc.loginReady(raw.seat);
});
after(async () => {
  for (const m of media) m.close();
  await raw?.close();
  await epB?.close();
  await cc?.close();
});

const sdpTarget = (m: SipMessage) => audioTarget(m.body);

/** The caller talks with seat A (the only ready seat), the dispatcher consults 110, seat A's phone moves into the room. */
async function consultingFromA(caller: Endpoint, deskA: Endpoint) {
  const callId = `${newToken('cq-')}@gw.example`;
  const d = await gw.invite(callId, CALLER);
  const offer = await seatA.waitInvite(callId);
  const a = await seatA.answer(offer);
  const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'seat A\'s 200');
  await gw.ackAnswer(d, ok);
  caller.sendTo(sdpTarget(ok));
  deskA.sendTo(sdpTarget(offer));
  const row = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'call talking');
  const started = await cc.apiOk<{ room_id: string; anchor: { header: string; token: string } }>(
    'POST', `/v1/calls/${row.id}/consultations`, { destination: { destination_id: 'police-110' } }, [201]);
  await seatA.request(a, 'INVITE', audioSdp(deskA.port, 'sendrecv', 2), undefined, [[started.anchor.header, started.anchor.token]]);
  deskA.sendTo(sdpTarget(await seatA.waitResponse(callId, 'INVITE', (s) => s === 200, 'the re-INVITE answered', a.cseq)));
  await seatA.request(a, 'ACK', '', a.cseq);
  return { callId, d, row, started };
}

/** Seat B answers the INVITE Kamailio sent it: caller and seat B hear each other through the room. */
async function seatBAnswers(t: TestContext, inviteB: SipMessage, caller: Endpoint, deskB: Endpoint): Promise<Dialog> {
  const dB = await seatB.answer(inviteB);
  deskB.sendTo(sdpTarget(inviteB));
  await cc.waitForSeatState(seatBRow, 'talking');
  const [c2, b2] = await Promise.all([measure(caller, 2000), measure(deskB, 2000)]);
  t.diagnostic(`with seat B: caller ${JSON.stringify(c2.levels)}; seat B ${JSON.stringify(b2.levels)}`);
  assertHears('the caller with seat B', c2, GW_HZ, [SEAT_HZ]);
  assertHears('seat B', b2, SEAT_HZ, [GW_HZ]);
  return dB;
}

test('consultation deadline, page closed: completed to 110; 110 hangs up; the caller back at its place in the queue, seat B dialled into the room; B hangs up: the call ends', async (t) => {
  const t0 = Date.now();
  const [caller, deskA, p110, deskB] = [await endpoint(GW_HZ), await endpoint(SEAT_HZ), await endpoint(P110_HZ), await endpoint(SEAT_HZ)];
  media.push(caller, deskA, p110, deskB);
  gw.rtpPort = caller.port;
  seatA.rtpPort = deskA.port;
  seatB.rtpPort = deskB.port;

  // the caller talks with seat A; the consultation with 110: seat A's phone moves into the room, 110 answers
  const { callId, d, row, started } = await consultingFromA(caller, deskA);
  const inv110 = await raw.gwEp.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-'), 10_000, 'the INVITE to 110');
  const tag110 = newToken('p110');
  await gw.respond(inv110, 200, 'OK', { toTag: tag110, body: audioSdp(p110.port) });
  p110.sendTo(sdpTarget(inv110));
  const consultation = () => cc.apiOk<{ phase: string; ended_by: string | null }>('GET', `/v1/calls/${row.id}/consultations`, undefined, [200]);
  await waitFor(async () => ((await consultation()).phase === 'talking') || undefined, 10_000, 'consultation talking');

  // the page closed: nobody acts; the deadline completes the transfer (caller and 110), seat A is out
  const done = await waitFor(async () => { const c = await consultation(); return c.phase === 'completed' ? c : undefined; }, CONSULT_MAX_MS + 10_000, 'the deadline', 200);
  assert.equal(done.ended_by, 'timeout');
  await cc.waitForSeatState(raw.seat, 'ready');
  await cc.seatNotReady(raw.seat); // the dispatcher whose page closed is away
  await cc.loginReady(seatBRow);
  const [c1, p1] = await Promise.all([measure(caller, 1500), measure(p110, 1500)]);
  assertHears('the caller with 110', c1, GW_HZ, [P110_HZ]);
  assertHears('110 with the caller', p1, P110_HZ, [GW_HZ]);

  // 110 hangs up: the caller is alone; hold audio, back in the queue, seat B dialled into the room
  const d110 = dialledDialog(inv110, tag110);
  const invB = epB.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-'), 15_000, 'the INVITE to seat B');
  await gw.request(d110, 'BYE');
  await gw.waitResponse(d110.callId, 'BYE', (s) => s === 200, '110\'s BYE answered', d110.cseq);
  const inviteB = await invB;
  assert.match(header(inviteB, 'from'), new RegExp(`sip:${CALLER}@`), 'seat B sees the caller\'s number');
  const held = await measure(caller, 1500);
  t.diagnostic(`waiting: caller ${JSON.stringify(held.levels)}, rms ${rmsOf(caller, 1500).toFixed(0)}`);
  assert.ok(rmsOf(caller, 1500) > 300 && held.levels[P110_HZ]! < HEARD_DB && held.levels[SEAT_HZ]! < HEARD_DB, `the caller hears the hold audio: ${JSON.stringify(held.levels)}`);
  const [requeued] = await cc.sql<{ after: { queue_id: string; arrived_at: string; priority: number } }[]>`
    SELECT after FROM audit_log WHERE target_id = ${row.id} AND action = 'call.room_requeued'`;
  assert.ok(requeued, 'the requeue is audited');
  assert.equal(requeued.after.queue_id, row.queue_id);
  assert.ok(Math.abs(Date.parse(requeued.after.arrived_at) - row.arrived_at.getTime()) < 1000, `the original arrival time: ${requeued.after.arrived_at} vs ${row.arrived_at.toISOString()}`);

  // seat B answers: caller and B talk through the room
  const dB = await seatBAnswers(t, inviteB, caller, deskB);

  // seat B hangs up: the caller's gateway gets the BYE, the call ends, the room closes, B is free
  await seatB.request(dB, 'BYE');
  await seatB.waitResponse(dB.callId, 'BYE', (s) => s === 200, 'seat B\'s BYE answered', dB.cseq);
  await gw.respond(await gw.waitRequest(callId, 'BYE'), 200, 'OK');
  const ended = await cc.waitForCall((c) => c.id === row.id && c.state === 'ended', 10_000, 'the call ended');
  assert.equal(ended.ended_by, 'seat');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${started.room_id}`)).status === 404 || undefined, 10_000, 'the room closed');
  await cc.waitForSeatState(seatBRow, 'ready');
  assert.equal(gw.requests(callId, 'INVITE').length, 0, 'no re-INVITE reached the caller\'s gateway');
  const audit = await cc.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_id = ${row.id} AND action LIKE 'call.room_%' ORDER BY id`;
  assert.deepEqual(audit.map((r) => r.action), ['call.room_requeued', 'call.room_offered', 'call.room_answered']);
  t.diagnostic(`test body ${Date.now() - t0} ms`);
});

test('consultation deadline, 110 still ringing and the dispatcher\'s phone gone: 110 cancelled, the caller stays held and goes to seat B', async (t) => {
  const t0 = Date.now();
  const [caller, deskA, deskB] = [media[0]!, media[1]!, media[3]!];
  await cc.waitForSeatState(seatBRow, 'ready');
  await cc.seatNotReady(seatBRow);
  await cc.seatReady(raw.seat);
  const { callId, d, row, started } = await consultingFromA(caller, deskA);
  const seen = new Set(raw.gwEp.received.filter((m) => m.method === 'INVITE').map(callIdOf));
  const ringing = await raw.gwEp.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-') && !seen.has(callIdOf(m)), 10_000, 'the INVITE to 110');
  await gw.respond(ringing, 180, 'Ringing', { toTag: newToken('p110') });

  const seenB = new Set(epB.received.filter((m) => m.method === 'INVITE').map(callIdOf));
  // the page closes: seat A's registration goes (as a closed WebSocket's does); seat B is ready
  await cc.kamailio.call('ul.rm', ['location', raw.seat.sipUser]);
  await cc.seatReady(seatBRow);
  const cancel = await raw.gwEp.waitFor((m) => m.method === 'CANCEL' && callIdOf(m) === callIdOf(ringing), CONSULT_MAX_MS + 10_000, 'the CANCEL to the ringing 110');
  await gw.respond(cancel, 200, 'OK');
  await gw.respond(ringing, 487, 'Request Terminated');
  const inviteB = await epB.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-') && !seenB.has(callIdOf(m)), 10_000, 'the INVITE to seat B');
  const c = await cc.apiOk<{ phase: string; ended_by: string }>('GET', `/v1/calls/${row.id}/consultations`, undefined, [200]);
  assert.deepEqual([c.phase, c.ended_by], ['requeued', 'timeout']);
  const held = await measure(caller, 1500);
  t.diagnostic(`waiting: caller ${JSON.stringify(held.levels)}, rms ${rmsOf(caller, 1500).toFixed(0)}`);
  assert.ok(rmsOf(caller, 1500) > 300 && held.levels[SEAT_HZ]! < HEARD_DB, `held, the hold audio: ${JSON.stringify(held.levels)}`);

  // seat B answers: caller and B talk; the caller hangs up: B gets the BYE, the call ends, B is free
  await seatBAnswers(t, inviteB, caller, deskB);
  await gw.request(d, 'BYE');
  await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the caller\'s BYE answered', d.cseq);
  await seatB.respond(await seatB.waitRequest(callIdOf(inviteB), 'BYE'), 200, 'OK');
  const ended = await cc.waitForCall((r) => r.id === row.id && r.state === 'ended', 10_000, 'the call ended');
  assert.equal(ended.ended_by, 'caller');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${started.room_id}`)).status === 404 || undefined, 10_000, 'the room closed');
  await cc.waitForSeatState(seatBRow, 'ready');
  const audit = await cc.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_id = ${row.id} AND action LIKE 'call.%' AND action <> 'call.three_way_left' ORDER BY id`;
  assert.deepEqual(audit.map((r) => r.action), ['call.consultation_started', 'call.consultation_requeued', 'call.room_requeued', 'call.room_offered', 'call.room_answered']);
  t.diagnostic(`test body ${Date.now() - t0} ms`);
});
