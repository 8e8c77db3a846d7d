/**
 * A three-way call on the real daemons (issue 14; docs/mixer.md "Three-way calls"): a raw-UDP trunk gateway calls
 * 120 and is answered by a raw seat (the dispatcher); the dispatcher asks POST /v1/calls/:id/three-way for 110 (a
 * linkage directory entry going out on the gateway's trunk); the seat's phone sends its re-INVITE with the anchor
 * token, Kamailio answers it; the control plane moves the caller's stream into the room and dials 110 out through
 * the trunk (the gateway answers as 110). Every party sends a tone and measures what it receives (Goertzel):
 *   - each of caller, seat and 110 hears the other two and not itself;
 *   - a blind transfer or hold meanwhile is refused (CTI_CALL_IN_THREE_WAY), nothing changed;
 *   - the dispatcher drops 110: 110 gets a BYE, caller and seat keep hearing each other and no longer 110;
 *   - the caller's gateway never sees a request in its dialog (no re-INVITE, no ACK), and every packet it receives
 *     comes from its one rtpengine address, before, during and after the three-way;
 *   - one call record: the parties' joins and 110's leaving on its timeline; the caller hangs up and the room closes;
 *   - its one recording (docs/recordings.md "Channel layout"): the left channel only the caller's tone throughout; the
 *     right what the caller heard: the seat, then seat and 110 (the room's mix for the caller), then the seat again.
 * Bad input first: a seat as destination, an unknown one, a number off the directory: coded errors, nothing changed.
 * Then 110 busy (486): it leaves as `failed`, caller and seat keep hearing each other.
 * The dispatcher leaves (seat-leaves.ts): caller and 110 talk on, the seat's BYE answered by Kamailio, the seat free;
 * 110 hangs up and the caller, the last party, hears the hold audio. Consultative transfer (calls/consult/): the
 * caller held (hold audio, hears neither seat nor 110, heard by neither) while seat and 110 talk, then completed;
 * 110 busy -> target_failed, still held, cancelled (taken back); a ringing 110 cancelled (CANCEL sent); merged.
 */
import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { RawGateway, RawSeat, dialledDialog as dialogOf, openRawEndpoints, type Dialog, type RawEndpoints } from '../support/raw-sip-parties.ts';
import { callIdOf, header, newToken, param, type SipMessage } from '../../support/sip-udp.ts';
import { SPELLINGS, audioSdp } from '../../support/sip-spellings.ts';
import { audioTarget } from '../../../control/src/calls/conference/sdp.ts';
import { cpuShareWhile } from './support/cpu.ts';
import { readStereoWav, recordedLevels } from './support/recorded-tones.ts';
import { GW_HZ, HEARD_DB, P110_HZ, SEAT_HZ, SELF_BELOW_DB, assertHears, endpoint, measure, rmsOf, type Endpoint } from './support/tone-endpoints.ts';

const CALLER = '13700000014';
let cc: CallCentre;
let raw: RawEndpoints;
let gw: RawGateway;
let seat: RawSeat;
const media: Endpoint[] = [];

before(async () => {
  cc = await startCallCentre('calls-three-way', { queue: { wrapup_s: 0 } });
  raw = await openRawEndpoints(cc);
  gw = new RawGateway(raw.gwEp, SPELLINGS[0]!, cc.sipRemote, CALLER);
  seat = new RawSeat(raw.seatEp, SPELLINGS[0]!, cc.sipRemote, raw.seat.sipUser);
  const [trunk] = await cc.sql<{ id: string }[]>`SELECT id FROM trunks ORDER BY id LIMIT 1`; // the gateway's
  await cc.apiOk('POST', '/v1/linkage/destinations',
    { id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_id: trunk!.id, speed_key: '110', sort_order: 1 }, [201]);
  await cc.apiOk('POST', '/v1/linkage/destinations', { id: 'seat-self', name: '本席', category: 'seat', kind: 'seat', seat_id: raw.seat.id, sort_order: 2 }, [201]);
  await cc.loginReady(raw.seat);
});
after(async () => {
  for (const m of media) m.close();
  await raw?.close();
  await cc?.close();
});

const sdpTarget = (m: SipMessage) => audioTarget(m.body);

test('three-way: caller, seat and 110 hear each other, 110 dropped back to two, the caller\'s gateway untouched', async (t) => {
  const caller = await endpoint(GW_HZ);
  const desk = await endpoint(SEAT_HZ);
  const p110 = await endpoint(P110_HZ);
  media.push(caller, desk, p110);
  gw.rtpPort = caller.port;
  seat.rtpPort = desk.port;

  const { callId, d, a, towardsGw, row } = await talkingCall(caller, desk);
  const spans: Record<string, [number, number]> = {};
  const span = (name: string, ms: number) => { const at = Date.now() + 300; spans[name] = [at, at + ms]; }; // measure's window
  span('two-party', 1500);
  const two = await Promise.all([measure(caller, 1500), measure(desk, 1500)]);
  t.diagnostic(`two-party: caller ${JSON.stringify(two[0].levels)}; seat ${JSON.stringify(two[1].levels)}`);
  assertHears('the caller (two-party)', two[0], GW_HZ, [SEAT_HZ]);

  // bad input changes nothing
  for (const [body, status, code] of [
    [{ destination: { destination_id: 'nowhere' } }, 404, 'CTI_LINKAGE_DESTINATION_NOT_FOUND'],
    [{ destination: { destination_id: 'seat-self' } }, 501, 'CTI_CONFERENCE_TARGET_UNSUPPORTED'],
    [{ destination: { number: '99999' } }, 403, 'CTI_LINKAGE_FORBIDDEN'],
  ] as const) {
    const res = await cc.api<{ code: string }>('POST', `/v1/calls/${row.id}/three-way`, body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
  }
  assert.ok(!(await cc.callEventTypes(row.id)).some((e) => e.startsWith('call.party_')), 'no party event after bad input');

  // the three-way: the API, the seat's re-INVITE with the token (answered by Kamailio), 110 dialled out
  const { started, reOk } = await threeWay(row.id, callId, a, desk, 'police-110');
  const inv110 = await inviteTo110();
  assert.match(inv110.uri ?? '', /^sip:110@/);
  const call110 = callIdOf(inv110);
  await gw.respond(inv110, 200, 'OK', { toTag: newToken('p110'), body: audioSdp(p110.port) });
  await raw.gwEp.waitFor((m) => m.method === 'ACK' && callIdOf(m) === call110, 10_000, 'Kamailio\'s ACK of 110\'s 200');
  p110.sendTo(sdpTarget(inv110));
  const parts = await waitFor(() => inRoom(started.room_id, 3), 10_000, 'caller, seat and 110 in the room');

  span('three-way', 2000);
  const { result: [c3, s3, p3], share } = await cpuShareWhile(cc.stack.daemons.janus!.pid!,
    () => Promise.all([measure(caller, 2000), measure(desk, 2000), measure(p110, 2000)]));
  t.diagnostic(`three-way: caller ${JSON.stringify(c3)}; seat ${JSON.stringify(s3)}; 110 ${JSON.stringify(p3)}`);
  t.diagnostic(`janus CPU with the three-way room (recording on): ${(share * 100).toFixed(2)} % of one core`);
  assertHears('the caller', c3, GW_HZ, [SEAT_HZ, P110_HZ]);
  assertHears('the seat', s3, SEAT_HZ, [GW_HZ, P110_HZ]);
  assertHears('110', p3, P110_HZ, [GW_HZ, SEAT_HZ]);

  // a blind transfer or hold would break the room: refused, nothing changed
  for (const [path, body] of [[`/v1/calls/${row.id}/transfers`, { destination: { destination_id: 'seat-self' }, mode: 'blind' }], [`/v1/calls/${row.id}/hold`, { on: true }]] as const) {
    const res = await cc.api<{ code: string }>('POST', path, body);
    assert.deepEqual([res.status, res.body.code], [409, 'CTI_CALL_IN_THREE_WAY'], `${path}: ${JSON.stringify(res.body)}`);
  }
  assert.equal((await cc.call(row.id))!.state, 'talking');

  // the dispatcher drops 110: it gets a BYE; caller and seat stay together
  const pid110 = parts.find((p) => p.party === '110')!.participant_id;
  await cc.apiOk('DELETE', `/v1/conferences/${started.room_id}/participants/${pid110}`, undefined, [204]);
  const bye = await raw.gwEp.waitFor((m) => m.method === 'BYE' && callIdOf(m) === call110, 10_000, 'the BYE to 110');
  await gw.respond(bye, 200, 'OK');
  await waitFor(() => inRoom(started.room_id, 2), 10_000, 'caller and seat left in the room');
  span('after 110 left', 2000);
  const [c2, s2] = await Promise.all([measure(caller, 2000), measure(desk, 2000)]);
  t.diagnostic(`after 110 left: caller ${JSON.stringify(c2)}; seat ${JSON.stringify(s2)}`);
  assertHears('the caller after 110 left', c2, GW_HZ, [SEAT_HZ]);
  assertHears('the seat after 110 left', s2, SEAT_HZ, [GW_HZ]);
  assert.ok(c2.levels[P110_HZ]! < c2.levels[SEAT_HZ]! - SELF_BELOW_DB, `the caller no longer hears 110: ${JSON.stringify(c2.levels)}`);
  assert.ok(c2.levels[SEAT_HZ]! > HEARD_DB);

  // the caller's gateway saw nothing of it
  assert.deepEqual(raw.gwEp.received.filter((m) => m.method !== undefined && callIdOf(m) === callId).map((m) => m.method), [], 'no request in the caller\'s dialog');
  assert.deepEqual([...new Set(caller.heard.map((h) => h.from))], [`${towardsGw.ip}:${towardsGw.port}`], 'every packet the caller got came from its one rtpengine address');

  // one record: the parties' timeline; the caller hangs up, the seat gets the BYE, the room closes
  const types = await cc.callEventTypes(row.id);
  assert.equal(types.filter((e) => e === 'call.party_joined.v1').length, 3, types.join(','));
  assert.equal(types.filter((e) => e === 'call.party_left.v1').length, 1, types.join(','));
  assert.equal(param(header(reOk, 'to'), 'tag'), a.remoteTag, 'the re-INVITE was answered in the call\'s own dialog');
  await callerHangsUp(callId, d, row.id, started.room_id);

  // the recording: left what the caller said, right what the caller heard, over each span (docs/recordings.md)
  const rec = await recordingOf(callId);
  const wav = await readStereoWav(rec.path);
  const at = (name: string) => recordedLevels(wav, spans[name]!.map((x) => x - rec.started_at.getTime()) as [number, number]);
  const heard = { 'two-party': [SEAT_HZ], 'three-way': [SEAT_HZ, P110_HZ], 'after 110 left': [SEAT_HZ] };
  for (const [name, tones] of Object.entries(heard)) {
    const { left, right } = at(name);
    t.diagnostic(`recording, ${name}: left ${JSON.stringify(left)}; right ${JSON.stringify(right)}`);
    for (const f of tones) assert.ok(right[f]! > HEARD_DB, `the seat channel holds what the caller heard, ${f} Hz (${name}): ${JSON.stringify(right)}`);
    assert.ok(right[GW_HZ]! < Math.min(...tones.map((f) => right[f]!)) - SELF_BELOW_DB, `the seat channel does not hold the caller (${name}): ${JSON.stringify(right)}`);
    const others = [SEAT_HZ, P110_HZ];
    assert.ok(left[GW_HZ]! > HEARD_DB, `the caller channel holds the caller (${name}): ${JSON.stringify(left)}`);
    for (const f of others) assert.ok(left[f]! < left[GW_HZ]! - SELF_BELOW_DB, `the caller channel holds only the caller (${name}): ${JSON.stringify(left)}`);
    for (const f of others.filter((x) => !tones.includes(x))) assert.ok(right[f]! < HEARD_DB - SELF_BELOW_DB, `the caller did not hear ${f} Hz (${name}): ${JSON.stringify(right)}`);
  }
  const room = rec.channels.room;
  assert.ok(room && room.callerMixPackets > 0 && room.seatMixPackets > 0, `the room segment indexed: ${JSON.stringify(room)}`);
  const served = await cc.apiOk<{ channels: { room?: RoomSegment } }>('GET', `/v1/recordings/${rec.id}`);
  assert.deepEqual(served.channels.room, room, 'the API serves the room segment (QA timeline)');
  const anchoredAt = spans['three-way']![0] - rec.started_at.getTime();
  assert.ok(room.fromMs > spans['two-party']![1] - rec.started_at.getTime() && room.fromMs < anchoredAt, `the room's mix from ${room.fromMs} ms, before the three-way's span at ${anchoredAt} ms`);
});

test('three-way: 110 busy: it leaves as failed, caller and seat keep talking', async (t) => {
  await cc.waitForSeatState(raw.seat, 'ready');
  const [caller, desk] = media;
  const { callId, d, a, row } = await talkingCall(caller!, desk!);
  const { started } = await threeWay(row.id, callId, a, desk!, 'police-110');
  const inv110 = await inviteTo110();
  await gw.respond(inv110, 486, 'Busy Here', { toTag: newToken('p110') });
  await waitFor(async () => {
    const [left] = await cc.sql<{ data: { reason: string; party: string } }[]>`
      SELECT data FROM call_events WHERE call_id = ${row.id} AND type = 'call.party_left.v1'`;
    return left?.data.party === '110' && left.data.reason === 'failed' ? left : undefined;
  }, 10_000, '110 left as failed');
  await waitFor(() => inRoom(started.room_id, 2), 10_000, 'caller and seat in the room');
  const [c2, s2] = await Promise.all([measure(caller!, 2000), measure(desk!, 2000)]);
  t.diagnostic(`110 busy: caller ${JSON.stringify(c2.levels)}; seat ${JSON.stringify(s2.levels)}`);
  assertHears('the caller', c2, GW_HZ, [SEAT_HZ]);
  assertHears('the seat', s2, SEAT_HZ, [GW_HZ]);
  await callerHangsUp(callId, d, row.id, started.room_id);
});

test('three-way: the dispatcher leaves, caller and 110 talk on; then 110 hangs up and the caller hears the hold audio', async (t) => {
  await cc.waitForSeatState(raw.seat, 'ready');
  const [caller, desk, p110] = media;
  const { callId, d, a, towardsGw, row } = await talkingCall(caller!, desk!);
  const { started } = await threeWay(row.id, callId, a, desk!, 'police-110');
  const inv110 = await inviteTo110();
  // 110 still ringing: leaving would leave the caller alone, refused, nothing changed
  const alone = await cc.api<{ code: string }>('POST', `/v1/calls/${row.id}/three-way/leave`);
  assert.deepEqual([alone.status, alone.body.code], [409, 'CTI_CONFERENCE_CALLER_ALONE'], JSON.stringify(alone.body));
  const call110 = callIdOf(inv110);
  const tag110 = newToken('p110');
  await gw.respond(inv110, 200, 'OK', { toTag: tag110, body: audioSdp(p110!.port) });
  await raw.gwEp.waitFor((m) => m.method === 'ACK' && callIdOf(m) === call110, 10_000, 'Kamailio\'s ACK of 110\'s 200');
  p110!.sendTo(sdpTarget(inv110));
  const parts = await waitFor(() => inRoom(started.room_id, 3), 10_000, 'caller, seat and 110 in the room');
  const callerPid = parts.find((p) => p.party === 'caller')!.participant_id;
  const notCaller = await cc.api<{ code: string }>('DELETE', `/v1/conferences/${started.room_id}/participants/${callerPid}`);
  assert.deepEqual([notCaller.status, notCaller.body.code], [409, 'CTI_CONFERENCE_CALLER_NOT_DROPPABLE'], JSON.stringify(notCaller.body));

  // the dispatcher leaves: the seat's phone hangs up, Kamailio answers its BYE; the seat is free again (wrap-up 0 s)
  const left = await cc.apiOk<{ state: string; parties: { party: string }[] }>('POST', `/v1/calls/${row.id}/three-way/leave`, undefined, [200]);
  assert.deepEqual([left.state, left.parties.map((p) => p.party)], ['seat_left', ['110']]);
  await seat.request(a, 'BYE');
  await seat.waitResponse(callId, 'BYE', (s) => s === 200, 'the seat\'s BYE answered by Kamailio', a.cseq);
  await cc.waitForSeatState(raw.seat, 'ready');
  await waitFor(() => inRoom(started.room_id, 2), 10_000, 'caller and 110 left in the room');
  const [c2, p2] = await Promise.all([measure(caller!, 2000), measure(p110!, 2000)]);
  t.diagnostic(`dispatcher gone: caller ${JSON.stringify(c2.levels)}; 110 ${JSON.stringify(p2.levels)}`);
  assertHears('the caller without the dispatcher', c2, GW_HZ, [P110_HZ]);
  assertHears('110 without the dispatcher', p2, P110_HZ, [GW_HZ]);
  assert.ok(c2.levels[SEAT_HZ]! < c2.levels[P110_HZ]! - SELF_BELOW_DB, `the caller no longer hears the seat: ${JSON.stringify(c2.levels)}`);
  assert.equal((await cc.call(row.id))!.state, 'talking', 'the call goes on');
  assert.deepEqual(raw.gwEp.received.filter((m) => m.method !== undefined && callIdOf(m) === callId).map((m) => m.method), [], 'the caller\'s gateway saw nothing, not the seat\'s BYE');
  const [seatLeft] = await cc.sql<{ data: { reason: string; party: string; incident_id: string | null } }[]>`
    SELECT data FROM call_events WHERE call_id = ${row.id} AND type = 'call.party_left.v1' ORDER BY at`;
  assert.deepEqual([seatLeft?.data.party, seatLeft?.data.reason, 'incident_id' in (seatLeft?.data ?? {})], ['seat', 'left', true]);
  const audit = await cc.sql`SELECT 1 FROM audit_log WHERE action = 'call.three_way_left' AND target_id = ${row.id}`;
  assert.equal(audit.length, 1, 'the leaving is audited');

  // 110 hangs up: the caller is the last party; never silence on an open line: the hold audio, and the caller waits in
  // the queue again (the only seat is away here: consult-deadline-caller-requeued.test.ts follows it to a seat)
  await cc.seatNotReady(raw.seat);
  await gw.request(dialogOf(inv110, tag110), 'BYE');
  await waitFor(() => inRoom(started.room_id, 1), 10_000, 'only the caller in the room');
  const held = await measure(caller!, 2000);
  const rms = rmsOf(caller!, 2000);
  t.diagnostic(`caller alone: ${JSON.stringify(held.levels)}, ${held.packets} packets, rms ${rms.toFixed(0)}`);
  assert.ok(held.packets > 50 && rms > 300, `the caller hears the hold audio (${held.packets} packets, rms ${rms})`);
  assert.deepEqual(held.sources, [`${towardsGw.ip}:${towardsGw.port}`], 'from its one rtpengine address');
  assert.equal((await cc.call(row.id))!.state, 'talking');

  // the caller hangs up: answered by Kamailio (the seat is gone), the call ends, the room closes
  await gw.request(d, 'BYE');
  await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the caller\'s BYE answered', d.cseq);
  await cc.waitForCall((c) => c.id === row.id && c.state === 'ended', 10_000, 'the call ended');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${started.room_id}`)).status === 404 || undefined, 10_000, 'the room closed');
  assert.equal(seat.requests(callId, 'BYE').length, 0, 'the seat, gone, got no BYE');
  const legs = await cc.sql<{ kind: string; ended: boolean }[]>`SELECT kind, ended_at IS NOT NULL AS ended FROM call_legs WHERE call_id = ${row.id} ORDER BY id`;
  assert.ok(legs.length >= 4 && legs.every((l) => l.ended), `one record, every leg ended: ${JSON.stringify(legs)}`);
  const requeued = await cc.sql`SELECT 1 FROM audit_log WHERE action = 'call.room_requeued' AND target_id = ${row.id}`;
  assert.equal(requeued.length, 1, 'the caller alone waits in the queue again');
  await cc.seatReady(raw.seat);
});

test('consultative transfer: the caller held while seat and 110 talk privately, then completed: caller and 110 connected', async (t) => {
  await cc.waitForSeatState(raw.seat, 'ready');
  const [caller, desk, p110] = media;
  const { callId, d, a, row } = await talkingCall(caller!, desk!);
  const { started } = await threeWay(row.id, callId, a, desk!, 'police-110', 'consultations');
  const inv110 = await inviteTo110();
  const ringing = await consultation(row.id);
  assert.equal(ringing.phase, 'dialling');
  const early = await cc.api<{ code: string }>('POST', `/v1/calls/${row.id}/consultations/complete`);
  assert.deepEqual([early.status, early.body.code], [409, 'CTI_CONSULT_ILLEGAL_TRANSITION'], 'nothing to complete while 110 rings');
  const heldFrom = Date.now() + 300;
  const held = await measure(caller!, 2000);
  t.diagnostic(`caller while 110 rings: ${JSON.stringify(held.levels)}, rms ${rmsOf(caller!, 2000).toFixed(0)}`);
  assert.ok(rmsOf(caller!, 2000) > 300 && held.levels[SEAT_HZ]! < HEARD_DB, `the caller hears the hold audio, not the seat: ${JSON.stringify(held.levels)}`);

  const tag110 = newToken('p110');
  await gw.respond(inv110, 200, 'OK', { toTag: tag110, body: audioSdp(p110!.port) });
  p110!.sendTo(sdpTarget(inv110));
  await waitFor(async () => ((await consultation(row.id)).phase === 'talking') || undefined, 10_000, 'consultation talking');
  const consultFrom = Date.now() + 300;
  const [c1, s1, p1] = await Promise.all([measure(caller!, 2000), measure(desk!, 2000), measure(p110!, 2000)]);
  t.diagnostic(`consulting: caller ${JSON.stringify(c1.levels)}; seat ${JSON.stringify(s1.levels)}; 110 ${JSON.stringify(p1.levels)}`);
  assertHears('the seat (consulting)', s1, SEAT_HZ, [P110_HZ]);
  assertHears('110 (consulting)', p1, P110_HZ, [SEAT_HZ]);
  assert.ok(s1.levels[GW_HZ]! < HEARD_DB && p1.levels[GW_HZ]! < HEARD_DB, 'neither seat nor 110 hears the held caller');
  assert.ok(c1.levels[SEAT_HZ]! < HEARD_DB && c1.levels[P110_HZ]! < HEARD_DB, `the caller does not hear the consultation: ${JSON.stringify(c1.levels)}`);

  // completed: the caller joins 110, the dispatcher leaves (its BYE answered by Kamailio), the seat is free
  const done = await cc.apiOk<{ phase: string }>('POST', `/v1/calls/${row.id}/consultations/complete`, undefined, [200]);
  assert.equal(done.phase, 'completed');
  await seat.request(a, 'BYE');
  await seat.waitResponse(callId, 'BYE', (s) => s === 200, 'the seat\'s BYE answered by Kamailio', a.cseq);
  await cc.waitForSeatState(raw.seat, 'ready');
  const transferredFrom = Date.now() + 300;
  const [c2, p2] = await Promise.all([measure(caller!, 2000), measure(p110!, 2000)]);
  t.diagnostic(`transferred: caller ${JSON.stringify(c2.levels)}; 110 ${JSON.stringify(p2.levels)}`);
  assertHears('the caller (transferred)', c2, GW_HZ, [P110_HZ]);
  assertHears('110 (transferred)', p2, P110_HZ, [GW_HZ]);
  const audit = await cc.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_id = ${row.id} AND action LIKE 'call.consultation%' ORDER BY id`;
  assert.deepEqual(audit.map((r) => r.action), ['call.consultation_started', 'call.consultation_completed']);
  await gw.request(d, 'BYE');
  await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'the caller\'s BYE answered', d.cseq);
  const bye110 = await raw.gwEp.waitFor((m) => m.method === 'BYE' && callIdOf(m) === callIdOf(inv110), 10_000, 'the BYE to 110');
  await gw.respond(bye110, 200, 'OK');
  await cc.waitForCall((c) => c.id === row.id && c.state === 'ended', 10_000, 'the call ended');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${started.room_id}`)).status === 404 || undefined, 10_000, 'the room closed');

  // the recording: the caller's tone on the left throughout; on the right nothing while held (the hold audio is not
  // recorded by rtpengine: the span is listed instead), then 110 after the transfer; never the consultation
  const rec = await recordingOf(callId);
  const wav = await readStereoWav(rec.path);
  const axis = (wall: number) => wall - rec.started_at.getTime();
  const ringing110 = recordedLevels(wav, [axis(heldFrom), axis(heldFrom + 2000)]);
  const consulting = recordedLevels(wav, [axis(consultFrom), axis(consultFrom + 2000)]);
  const transferred = recordedLevels(wav, [axis(transferredFrom), axis(transferredFrom + 2000)]);
  t.diagnostic(`recording: while 110 rings ${JSON.stringify(ringing110)}; consulting ${JSON.stringify(consulting)}; transferred ${JSON.stringify(transferred)}; held ${JSON.stringify(rec.channels.callerHeld)}`);
  for (const [name, l] of [['110 ringing', ringing110], ['consulting', consulting], ['transferred', transferred]] as const) {
    assert.ok(l.left[GW_HZ]! > HEARD_DB && l.left[SEAT_HZ]! < HEARD_DB - SELF_BELOW_DB && l.left[P110_HZ]! < HEARD_DB - SELF_BELOW_DB, `left, the caller only (${name}): ${JSON.stringify(l.left)}`);
  }
  for (const l of [ringing110, consulting]) {
    assert.ok(Math.max(...Object.values(l.right)) < HEARD_DB - SELF_BELOW_DB, `right: nothing of the consultation while the caller was held: ${JSON.stringify(l.right)}`);
  }
  assert.ok(transferred.right[P110_HZ]! > HEARD_DB && transferred.right[SEAT_HZ]! < HEARD_DB - SELF_BELOW_DB, `right, 110 after the transfer: ${JSON.stringify(transferred.right)}`);
  const spans = rec.channels.callerHeld ?? [];
  assert.equal(spans.length, 1, JSON.stringify(spans));
  assert.ok(spans[0]![0] <= axis(heldFrom) && spans[0]![1] >= axis(consultFrom + 2000) && spans[0]![1] <= axis(transferredFrom), `the hold span covers the consultation: ${JSON.stringify(spans)}`);
  const events = await cc.callEventTypes(row.id);
  assert.deepEqual(events.filter((e) => e === 'call.caller_hold_audio_changed.v1').length, 2, events.join(','));
  const served = await cc.apiOk<{ channels: { callerHeld?: Array<[number, number]> } }>('GET', `/v1/recordings/${rec.id}`);
  assert.deepEqual(served.channels.callerHeld, spans, 'the API serves the hold spans (QA timeline)');
});

test('consultative transfer: 110 busy, the dispatcher told, the caller still held and taken back; a second consultation', async (t) => {
  await cc.waitForSeatState(raw.seat, 'ready');
  const [caller, desk, p110] = media;
  const { callId, d, a, row } = await talkingCall(caller!, desk!);
  const { started } = await threeWay(row.id, callId, a, desk!, 'police-110', 'consultations');
  await gw.respond(await inviteTo110(), 486, 'Busy Here', { toTag: newToken('p110') });
  // the dispatcher is told why (the reason is 110's call.party_left.v1, written just after it left the room)
  const failed = await waitFor(async () => { const c = await consultation(row.id); return c.phase === 'target_failed' && c.target_failure !== 'gone' ? c : undefined; }, 10_000, 'target failed');
  assert.equal(failed.target_failure, 'failed');
  const still = await measure(caller!, 1500);
  assert.ok(rmsOf(caller!, 1500) > 300 && still.levels[SEAT_HZ]! < HEARD_DB, `still held: ${JSON.stringify(still.levels)}`);
  const merge = await cc.api<{ code: string }>('POST', `/v1/calls/${row.id}/consultations/merge`);
  assert.deepEqual([merge.status, merge.body.code], [409, 'CTI_CONSULT_ILLEGAL_TRANSITION']);
  const back = await cc.apiOk<{ phase: string }>('POST', `/v1/calls/${row.id}/consultations/cancel`, undefined, [200]);
  assert.equal(back.phase, 'cancelled');
  const [c2, s2] = await Promise.all([measure(caller!, 2000), measure(desk!, 2000)]);
  t.diagnostic(`taken back: caller ${JSON.stringify(c2.levels)}; seat ${JSON.stringify(s2.levels)}`);
  assertHears('the caller taken back', c2, GW_HZ, [SEAT_HZ]);
  assertHears('the seat', s2, SEAT_HZ, [GW_HZ]);

  // a second consultation on the same call: caller and seat are in the room already, no token, 110 dialled in
  const next110 = inviteTo110(); // the INVITE leaves before the API answers (no re-INVITE from the seat to wait for)
  const again = await cc.apiOk<{ anchor: unknown; room_id: string }>('POST', `/v1/calls/${row.id}/consultations`, { destination: { destination_id: 'police-110' } }, [201]);
  assert.deepEqual([again.anchor, again.room_id], [null, started.room_id]);
  const inv110 = await next110;
  await gw.respond(inv110, 200, 'OK', { toTag: newToken('p110'), body: audioSdp(p110!.port) });
  p110!.sendTo(sdpTarget(inv110));
  await waitFor(async () => ((await consultation(row.id)).phase === 'talking') || undefined, 10_000, 'second consultation talking');
  const [c3, s3] = await Promise.all([measure(caller!, 2000), measure(desk!, 2000)]);
  t.diagnostic(`second consultation: caller ${JSON.stringify(c3.levels)}; seat ${JSON.stringify(s3.levels)}`);
  assertHears('the seat (second consultation)', s3, SEAT_HZ, [P110_HZ]);
  assert.ok(c3.levels[SEAT_HZ]! < HEARD_DB && c3.levels[P110_HZ]! < HEARD_DB && s3.levels[GW_HZ]! < HEARD_DB, 'the caller held again');
  await cc.apiOk('POST', `/v1/calls/${row.id}/consultations/cancel`, undefined, [200]);
  const bye110 = await raw.gwEp.waitFor((m) => m.method === 'BYE' && callIdOf(m) === callIdOf(inv110), 10_000, 'the BYE to 110');
  await gw.respond(bye110, 200, 'OK');
  const c4 = await measure(caller!, 1500);
  assertHears('the caller taken back again', c4, GW_HZ, [SEAT_HZ]);
  await callerHangsUp(callId, d, row.id, started.room_id);
});

test('consultative transfer: a ringing target cancelled (CANCEL sent); on another call the consultation merged into a three-way', async (t) => {
  await cc.waitForSeatState(raw.seat, 'ready');
  const [caller, desk, p110] = media;
  let { callId, d, a, row } = await talkingCall(caller!, desk!);
  let { started } = await threeWay(row.id, callId, a, desk!, 'police-110', 'consultations');
  const ringing = await inviteTo110();
  await gw.respond(ringing, 180, 'Ringing', { toTag: newToken('p110') });
  assert.equal((await cc.apiOk<{ phase: string }>('POST', `/v1/calls/${row.id}/consultations/cancel`, undefined, [200])).phase, 'cancelled');
  const cancel = await raw.gwEp.waitFor((m) => m.method === 'CANCEL' && callIdOf(m) === callIdOf(ringing), 10_000, 'the CANCEL to the ringing 110');
  await gw.respond(cancel, 200, 'OK');
  await gw.respond(ringing, 487, 'Request Terminated');
  const [c1, s1] = await Promise.all([measure(caller!, 2000), measure(desk!, 2000)]);
  t.diagnostic(`ringing 110 cancelled: caller ${JSON.stringify(c1.levels)}; seat ${JSON.stringify(s1.levels)}`);
  assertHears('the caller taken back', c1, GW_HZ, [SEAT_HZ]);
  assertHears('the seat', s1, SEAT_HZ, [GW_HZ]);
  await callerHangsUp(callId, d, row.id, started.room_id);

  await cc.waitForSeatState(raw.seat, 'ready');
  ({ callId, d, a, row } = await talkingCall(caller!, desk!));
  ({ started } = await threeWay(row.id, callId, a, desk!, 'police-110', 'consultations'));
  const inv110 = await inviteTo110();
  await gw.respond(inv110, 200, 'OK', { toTag: newToken('p110'), body: audioSdp(p110!.port) });
  p110!.sendTo(sdpTarget(inv110));
  await waitFor(async () => ((await consultation(row.id)).phase === 'talking') || undefined, 10_000, 'consultation talking');
  assert.equal((await cc.apiOk<{ phase: string }>('POST', `/v1/calls/${row.id}/consultations/merge`, undefined, [200])).phase, 'merged');
  const [c3, s3, p3] = await Promise.all([measure(caller!, 2000), measure(desk!, 2000), measure(p110!, 2000)]);
  t.diagnostic(`merged: caller ${JSON.stringify(c3.levels)}; seat ${JSON.stringify(s3.levels)}; 110 ${JSON.stringify(p3.levels)}`);
  assertHears('the caller (merged)', c3, GW_HZ, [SEAT_HZ, P110_HZ]);
  assertHears('the seat (merged)', s3, SEAT_HZ, [GW_HZ, P110_HZ]);
  assertHears('110 (merged)', p3, P110_HZ, [GW_HZ, SEAT_HZ]);
  await gw.request(d, 'BYE');
  await seat.respond(await seat.waitRequest(callId, 'BYE'), 200, 'OK');
  const bye110 = await raw.gwEp.waitFor((m) => m.method === 'BYE' && callIdOf(m) === callIdOf(inv110), 10_000, 'the BYE to 110');
  await gw.respond(bye110, 200, 'OK');
  await cc.waitForCall((c) => c.id === row.id && c.state === 'ended', 10_000, 'the call ended');
});

async function consultation(recordId: string) {
  return cc.apiOk<{ phase: string; target_failure: string | null }>('GET', `/v1/calls/${recordId}/consultations`, undefined, [200]);
}

interface RoomSegment { fromMs: number; toMs: number; callerMixPackets: number; seatMixPackets: number }

/** The call's recording, once converted and indexed. */
async function recordingOf(sipCallId: string) {
  const rec = await waitFor(async () => {
    const [r] = await cc.sql<{ id: string; status: string; path: string; started_at: Date; channels: { room?: RoomSegment; callerHeld?: Array<[number, number]> } }[]>`
      SELECT id, status, path, started_at, channels FROM recordings WHERE sip_call_id = ${sipCallId}`;
    return r?.status === 'ready' ? r : undefined;
  }, 30_000, 'the call\'s recording ready');
  return { ...rec, path: isAbsolute(rec.path) ? rec.path : join(cc.info.recordingsDir, rec.path) };
}

/** The gateway calls 120, the seat answers, both send their tones to rtpengine; the record is talking. */
async function talkingCall(caller: Endpoint, desk: Endpoint) {
  // the endpoints go on from test to test: none may keep sending to a port of an earlier call, which rtpengine may give
  // this call's legs (seen: 110's old target became the caller's room port, which latched onto 110 and the caller heard nothing)
  for (const m of media) m.silence();
  const callId = `${newToken('tw-')}@gw.example`;
  const d = await gw.invite(callId, CALLER);
  const offer = await seat.waitInvite(callId);
  const a = await seat.answer(offer);
  const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'the seat\'s 200');
  await gw.ackAnswer(d, ok);
  const towardsGw = sdpTarget(ok);
  caller.sendTo(towardsGw);
  desk.sendTo(sdpTarget(offer));
  const row = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'call talking');
  return { callId, d, a, towardsGw, row };
}

/** The dispatcher asks for the three-way; the seat's phone re-INVITEs with the token and moves its media. */
async function threeWay(recordId: string, callId: string, a: Dialog, desk: Endpoint, destinationId: string, path = 'three-way') {
  const started = await cc.apiOk<{ room_id: string; anchor: { header: string; token: string } }>('POST', `/v1/calls/${recordId}/${path}`, { destination: { destination_id: destinationId } }, [201]);
  assert.equal(started.anchor.header, 'X-CTI-Anchor');
  await seat.request(a, 'INVITE', audioSdp(desk.port, 'sendrecv', 2), undefined, [[started.anchor.header, started.anchor.token]]);
  const reOk = await seat.waitResponse(callId, 'INVITE', (s) => s === 200, 'the re-INVITE answered', a.cseq);
  await seat.request(a, 'ACK', '', a.cseq);
  desk.sendTo(sdpTarget(reOk));
  return { started, reOk };
}

function inviteTo110(): Promise<SipMessage> {
  const seen = new Set(raw.gwEp.received.filter((m) => m.method === 'INVITE').map(callIdOf));
  return raw.gwEp.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith('cfo-') && !seen.has(callIdOf(m)), 10_000, 'the INVITE to 110');
}

async function inRoom(roomId: string, n: number) {
  const r = await cc.api<{ participants: Array<{ participant_id: string; party: string; state: string }> }>('GET', `/v1/conferences/${roomId}`);
  return r.status === 200 && r.body.participants.filter((p) => p.state === 'joined').length === n ? r.body.participants : undefined;
}

/** The caller hangs up; the seat gets the BYE; the record ends and the room closes. */
async function callerHangsUp(callId: string, d: Dialog, recordId: string, roomId: string): Promise<void> {
  await gw.request(d, 'BYE');
  await seat.respond(await seat.waitRequest(callId, 'BYE'), 200, 'OK');
  await gw.waitResponse(callId, 'BYE', (s) => s === 200, 'BYE answered', d.cseq);
  await cc.waitForCall((c) => c.id === recordId && c.state === 'ended', 10_000, 'the call ended');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${roomId}`)).status === 404 || undefined, 10_000, 'the room closed');
}
