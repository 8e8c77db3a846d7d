/**
 * Issue 3 end to end on the real stack: a caller abandons in the queue; a dispatcher claims the work-list item
 * (exclusive: a second dispatcher gets CTI_CALLBACK_ALREADY_CLAIMED); the seat's phone (SIPp UAC with the seat's
 * credentials) calls the number; Kamailio sends it out through the trunk gateway (a SIPp UAS) presenting the
 * centre's callback number, anchored and recorded by rtpengine; the callback is a `calls` row (outbound,
 * callback_of the abandoned call) with a recording whose two channels carry the two tones; the dispatcher records
 * the outcome. A number the seat holds no claim for gets 403. A new call from a number closes its open or claimed
 * item ('called_again'). Roles are enforced, every change is audited, callback.* events are published.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { after, before, test } from 'node:test';
import { runSipp, startSipp } from '../../support/sipp.ts';
import { dominantTone, readStereoWav, rms } from '../../unit/recordings/support/audio.ts';
import { startCallCentre, waitFor, type CallCentre, type Seat, type Trunk } from '../support/callcentre.ts';
import { abandonFrom, as, createPerson, gatewayCallerId, kamailioAuthorisation, startGateway, type Gateway, type Person } from './support.ts';

const CENTRE_NUMBER = '057112010';
const CALLER = '13600000002';

let cc: CallCentre;
let seat: Seat;
let seatPort: number;
let trunk: Trunk;
let gateway: Gateway;
let zhang: Person; // dispatcher at the seat
let li: Person; // another dispatcher
let wang: Person; // supervisor

interface Item { id: string; call_id: string; caller_number: string; wait_ms: number; queue_id: string; centre_id: string; status: string;
  claimed_by: string | null; claimed_at: string | null; claimed_seat_id: string | null; outcome: string | null; note: string | null;
  closed_by: string | null; closed_at: string | null; callback_call_id: string | null; callback_state: string | null; called_again_call_id: string | null }

async function itemOf(number: string, status?: string): Promise<Item> {
  return waitFor(async () => {
    const r = await as<{ items: Item[] }>(cc, zhang, 'GET', `/v1/callbacks${status ? `?status=${status}` : ''}`);
    return r.body.items.find((i) => i.caller_number === number);
  }, 8000, `a work-list item for ${number}`);
}

before(async () => {
  cc = await startCallCentre('callbacks', { env: { CTI_RECORDING_GRACE_MS: '20000' } });
  [seat] = await cc.createSeats(1);
  zhang = await createPerson(cc, 'zhang.callback', ['dispatcher']);
  li = await createPerson(cc, 'li.callback', ['dispatcher']);
  wang = await createPerson(cc, 'wang.supervisor', ['supervisor']);
  // zhang logs in at the seat (not ready: no inbound call reaches it); its phone registers from seatPort
  assert.equal((await as(cc, zhang, 'POST', `/v1/seats/${seat.id}/login`, {})).status, 200);
  seatPort = (await cc.registerSeat(seat)).port;
  trunk = await cc.createTrunkPort();
  gateway = await startGateway(cc);
  const settings = await cc.apiOk('PUT', '/v1/callbacks/settings', {
    callback_number: CENTRE_NUMBER, trunk_id: gateway.trunk.id, gateway_uri: `sip:127.0.0.1:${gateway.trunk.port}`,
  }, [200]);
  assert.equal(settings.callback_number, CENTRE_NUMBER);
});
after(async () => {
  await gateway?.uas.stop();
  await cc?.close();
});

test('claim is exclusive and role-checked; the seat dials the number out through the gateway with the centre\'s number; recorded; outcome', async (t) => {
  await abandonFrom(cc, trunk, CALLER);
  const item = await itemOf(CALLER, 'open');
  assert.equal(item.status, 'open');
  assert.equal(item.queue_id, 'city-main');
  assert.equal(item.centre_id, 'city');
  assert.ok(item.wait_ms >= 900 && item.wait_ms < 4000, `wait_ms ${item.wait_ms}`);
  const [abandoned] = await cc.sql<{ state: string }[]>`SELECT state FROM calls WHERE id = ${item.call_id}`;
  assert.equal(abandoned.state, 'abandoned');

  // roles: a supervisor cannot claim (dispatchers do), a dispatcher cannot reassign
  const supClaim = await as(cc, wang, 'POST', `/v1/callbacks/${item.id}/claim`, {});
  assert.equal(supClaim.status, 403);
  assert.equal(supClaim.body.code, 'CTI_FORBIDDEN');
  const dispReassign = await as(cc, li, 'POST', `/v1/callbacks/${item.id}/reassign`, { user_id: li.id });
  assert.equal(dispReassign.status, 403);
  // li is at no seat: a coded error says so
  const noSeat = await as(cc, li, 'POST', `/v1/callbacks/${item.id}/claim`, {});
  assert.equal(noSeat.status, 409);
  assert.equal(noSeat.body.code, 'CTI_CALLBACK_NO_SEAT');

  // zhang claims: the seat is authorised in Kamailio for that number
  const claimStarted = performance.now();
  const claim = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/claim`, {});
  t.diagnostic(`claim incl. Kamailio htable write: ${(performance.now() - claimStarted).toFixed(1)} ms`);
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  assert.equal(claim.body.item.status, 'claimed');
  assert.equal(claim.body.item.claimed_by, zhang.id);
  assert.equal(claim.body.item.claimed_seat_id, seat.id);
  assert.ok(claim.body.item.claimed_at);
  assert.equal(claim.body.authorisation_error, null);
  assert.equal(claim.body.authorisation.number, CALLER);
  assert.equal(await kamailioAuthorisation(cc, seat.sipUser, CALLER), `${item.id}|127.0.0.1:${gateway.trunk.port}|${CENTRE_NUMBER}`);
  // a second claim (li names a seat) is refused with a coded error
  const second = await as(cc, li, 'POST', `/v1/callbacks/${item.id}/claim`, { seat_id: seat.id });
  assert.equal(second.status, 409);
  assert.equal(second.body.code, 'CTI_CALLBACK_ALREADY_CLAIMED');
  const [{ n: claimsAudited }] = await cc.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM audit_log WHERE action = 'callback.claimed' AND target_id = ${item.id} AND actor_id = ${zhang.id}`;
  assert.equal(claimsAudited, 1);

  // a number the seat holds no claim for: 403 from Kamailio
  const refused = await runSipp({
    scenario: 'uac-seat-callback-expect-403.xml', remote: cc.sipRemote, localPort: seatPort, service: '13900000009',
    auth: { username: seat.sipUser, password: seat.password }, vars: { seat: seat.sipUser }, timeoutS: 20,
  });
  assert.ok(refused.ok, `an unauthorised number must get 403: exit ${refused.exitCode}\n${refused.errorLog}\n${refused.messageLog}`);

  // the seat calls the number back; the gateway answers, both sides play a tone
  const dial = await runSipp({
    scenario: 'uac-seat-callback-expect-answer-audio.xml', remote: cc.sipRemote, localPort: seatPort, service: CALLER,
    auth: { username: seat.sipUser, password: seat.password }, vars: { seat: seat.sipUser }, timeoutS: 40,
  });
  assert.ok(dial.ok, `the callback was not answered: exit ${dial.exitCode}\n${dial.errorLog}\n${dial.messageLog}`);
  const gw = await gateway.uas.done;
  assert.ok(gw.ok, `the gateway's call failed: exit ${gw.exitCode}\n${gw.errorLog}\n${gw.messageLog}`);
  assert.deepEqual(await gatewayCallerId(gateway), { from: CENTRE_NUMBER, pai: CENTRE_NUMBER, ruri: CALLER }, 'the gateway sees the centre\'s number as caller id');

  // the callback in `calls`
  const [cb] = await waitFor(async () => {
    const rows = await cc.sql<{ id: string; sip_call_id: string; state: string; direction: string; callback_of: string; seat_id: string; answered_seat_id: string;
      caller_number: string; called_number: string; ended_by: string; answered_at: Date; ended_at: Date; talk_ms: number }[]>`
      SELECT id::text AS id, sip_call_id, state, direction, callback_of::text AS callback_of, seat_id, answered_seat_id, caller_number, called_number,
             ended_by, answered_at, ended_at, talk_ms FROM calls WHERE direction = 'outbound' AND state = 'ended'`;
    return rows.length ? rows : undefined;
  }, 8000, 'the outbound call ended in calls');
  assert.equal(cb.callback_of, item.call_id);
  assert.equal(cb.seat_id, seat.id);
  assert.equal(cb.answered_seat_id, seat.id);
  assert.equal(cb.caller_number, CENTRE_NUMBER);
  assert.equal(cb.called_number, CALLER);
  assert.equal(cb.ended_by, 'seat', 'the seat hung up');
  assert.ok(cb.talk_ms >= 5000 && cb.talk_ms < 8000, `talk_ms ${cb.talk_ms}`);
  const events = (await cc.callStreamEvents(cb.id)).map((e) => e.type);
  assert.deepEqual(events, ['callback.dialled.v1', 'callback.answered.v1', 'callback.ended.v1']);

  // its recording, found by Call-ID like any call's: left = the person called back, right = the seat (as for every call)
  const rec = await waitFor(async () => {
    const [r] = await cc.sql<{ status: string; path: string; call_id: string; duration_ms: number }[]>`
      SELECT status, path, call_id::text AS call_id, duration_ms FROM recordings WHERE sip_call_id = ${cb.sip_call_id}`;
    return r;
  }, 30_000, 'the callback\'s recording');
  assert.equal(rec.status, 'ready');
  assert.equal(rec.call_id, cb.id);
  const path = isAbsolute(rec.path) ? rec.path : join(cc.info.recordingsDir, rec.path);
  assert.ok(existsSync(path));
  const wav = await readStereoWav(path);
  const left = wav.left.subarray(wav.sampleRate, wav.sampleRate * 4);
  const right = wav.right.subarray(wav.sampleRate, wav.sampleRate * 4);
  assert.ok(rms(left) > 500, `left channel carries audio (rms ${rms(left).toFixed(0)})`);
  assert.ok(rms(right) > 500, `right channel carries audio (rms ${rms(right).toFixed(0)})`);
  assert.equal(dominantTone(left, wav.sampleRate).freq, 1000, 'left: the person called back (the gateway\'s 1000 Hz)');
  assert.equal(dominantTone(right, wav.sampleRate).freq, 440, 'right: the seat\'s 440 Hz');
  const gaps = await cc.sql<{ details: unknown }[]>`SELECT details FROM alarms WHERE type = 'recording_gap' AND subject = ${cb.id}`;
  t.diagnostic(`recording ${rec.duration_ms} ms, talk ${cb.talk_ms} ms; recording_gap alarms: ${JSON.stringify(gaps.map((g) => g.details))}`);

  // the item has the callback linked; li may not close it; zhang records the outcome
  const linked = await as<Item>(cc, zhang, 'GET', `/v1/callbacks/${item.id}`);
  assert.equal(linked.body.callback_call_id, cb.id);
  assert.equal(linked.body.callback_state, 'ended');
  const notYours = await as(cc, li, 'POST', `/v1/callbacks/${item.id}/close`, { outcome: 'reached' });
  assert.equal(notYours.status, 403);
  assert.equal(notYours.body.code, 'CTI_CALLBACK_NOT_YOURS');
  const badOutcome = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/close`, { outcome: 'called_again' });
  assert.equal(badOutcome.status, 400, 'called_again is the system\'s outcome, not a person\'s');
  const close = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/close`, { outcome: 'reached', note: '已回拨，患者已由家属送医' });
  assert.equal(close.status, 200, JSON.stringify(close.body));
  assert.equal(close.body.item.status, 'done');
  assert.equal(close.body.item.outcome, 'reached');
  assert.equal(close.body.item.note, '已回拨，患者已由家属送医');
  assert.equal(close.body.item.closed_by, zhang.id);
  assert.equal(close.body.authorisation, null);
  assert.equal(await kamailioAuthorisation(cc, seat.sipUser, CALLER), undefined, 'closing removes the seat\'s authorisation');
  const again = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/close`, { outcome: 'reached' });
  assert.equal(again.body.code, 'CTI_CALLBACK_CLOSED');
  const audit = await cc.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_type = 'callback' AND target_id = ${item.id} ORDER BY id`;
  assert.deepEqual(audit.map((a) => a.action), ['callback.claimed', 'callback.closed']);
  const itemEvents = (await cc.streamEvents((e) => e.data?.item_id === item.id && e.type.startsWith('callback.'))).map((e) => e.type);
  assert.deepEqual(itemEvents, ['callback.claimed.v1', 'callback.dialled.v1', 'callback.answered.v1', 'callback.ended.v1', 'callback.closed.v1']);
});

test('a busy line: the callback fails with 486, recorded as failed (busy, ended by the person called), the item keeps its claim', async () => {
  const BUSY = '13600000005';
  await abandonFrom(cc, trunk, BUSY);
  const item = await itemOf(BUSY, 'open');
  assert.equal((await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/claim`, {})).status, 200);
  const busyGateway = await startSipp({ scenario: 'uas-gateway-busy-486.xml', localPort: gateway.trunk.port, service: 'gateway', calls: 1, timeoutS: 30 });
  const dial = await runSipp({
    scenario: 'uac-seat-callback-expect-486.xml', remote: cc.sipRemote, localPort: seatPort, service: BUSY,
    auth: { username: seat.sipUser, password: seat.password }, vars: { seat: seat.sipUser }, timeoutS: 20,
  });
  assert.ok(dial.ok, `the seat must get the gateway's 486: exit ${dial.exitCode}\n${dial.errorLog}\n${dial.messageLog}`);
  assert.ok((await busyGateway.done).ok, 'the gateway got its ACK');
  const failed = await waitFor(async () => {
    const [c] = await cc.sql<{ id: string; state: string; ended_by: string; end_reason: string; answered_at: Date | null; callback_of: string }[]>`
      SELECT id::text AS id, state, ended_by, end_reason, answered_at, callback_of::text AS callback_of FROM calls
       WHERE direction = 'outbound' AND called_number = ${BUSY} AND state = 'failed'`;
    return c;
  }, 8000, 'the failed callback in calls');
  assert.deepEqual([failed.ended_by, failed.end_reason, failed.answered_at, failed.callback_of], ['caller', 'busy', null, item.call_id]);
  const ended = (await cc.callStreamEvents(failed.id)).find((e) => e.type === 'callback.ended.v1');
  assert.equal(ended?.data.sip_status, 486);
  assert.equal(ended?.data.answered_seat_id, null, 'no recording is expected for an unanswered callback');
  const after = await as<Item>(cc, zhang, 'GET', `/v1/callbacks/${item.id}`);
  assert.equal(after.body.status, 'claimed', 'the dispatcher decides: try again later or close it');
  assert.equal(after.body.callback_state, 'failed');
  assert.equal(after.body.callback_call_id, failed.id);
  const closed = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/close`, { outcome: 'busy' });
  assert.equal(closed.body.item.outcome, 'busy');
});

test('a new call from the number closes its open and claimed items (called_again); supervisor reassigns, releases, closes', async () => {
  const A = '13600000003';
  const B = '13600000004';
  await abandonFrom(cc, trunk, A);
  await abandonFrom(cc, trunk, B);
  const a = await itemOf(A, 'open');
  const b = await itemOf(B, 'open');

  // supervisor gives A to zhang (claimed at zhang's seat: authorised), B stays open
  const re = await as(cc, wang, 'POST', `/v1/callbacks/${a.id}/reassign`, { user_id: zhang.id });
  assert.equal(re.status, 200, JSON.stringify(re.body));
  assert.equal(re.body.item.claimed_by, zhang.id);
  assert.equal(re.body.item.claimed_seat_id, seat.id);
  assert.ok(await kamailioAuthorisation(cc, seat.sipUser, A));

  // both numbers call again (and give up again): their old items close, linked to the new calls
  await abandonFrom(cc, trunk, A);
  await abandonFrom(cc, trunk, B);
  for (const [old, number] of [[a, A], [b, B]] as const) {
    const closed = await waitFor(async () => {
      const r = await as<Item>(cc, wang, 'GET', `/v1/callbacks/${old.id}`);
      return r.body.status === 'done' ? r.body : undefined;
    }, 8000, `item ${old.id} closed by the new call`);
    assert.equal(closed.outcome, 'called_again');
    assert.equal(closed.closed_by, null);
    const [newCall] = await cc.sql<{ id: string }[]>`
      SELECT id::text AS id FROM calls WHERE caller_number = ${number} AND direction = 'inbound' AND id <> ${old.call_id}`;
    assert.equal(closed.called_again_call_id, newCall.id);
  }
  assert.equal(await kamailioAuthorisation(cc, seat.sipUser, A), undefined, 'the claimed item\'s authorisation is gone');
  const closedEvents = await cc.streamEvents((e) => e.type === 'callback.closed.v1' && (e.data.item_id === a.id || e.data.item_id === b.id));
  assert.deepEqual(closedEvents.map((e) => e.data.outcome), ['called_again', 'called_again']);

  // the new abandoned calls are open items again: supervisor reassigns one to li, releases it, closes it
  const a2 = await itemOf(A, 'open');
  assert.notEqual(a2.id, a.id);
  const toLi = await as(cc, wang, 'POST', `/v1/callbacks/${a2.id}/reassign`, { user_id: li.id });
  assert.equal(toLi.status, 200);
  assert.equal(toLi.body.item.claimed_by, li.id);
  assert.equal(toLi.body.authorisation, null, 'li is at no seat: nothing to authorise');
  assert.ok(toLi.body.authorisation_error);
  const zhangRelease = await as(cc, zhang, 'POST', `/v1/callbacks/${a2.id}/release`);
  assert.equal(zhangRelease.body.code, 'CTI_CALLBACK_NOT_YOURS');
  const released = await as(cc, wang, 'POST', `/v1/callbacks/${a2.id}/release`);
  assert.equal(released.status, 200);
  assert.equal(released.body.item.status, 'open');
  assert.equal(released.body.item.claimed_by, null);
  const supClose = await as(cc, wang, 'POST', `/v1/callbacks/${a2.id}/close`, { outcome: 'duplicate', note: '同一事件已处理' });
  assert.equal(supClose.status, 200);
  assert.equal(supClose.body.item.closed_by, wang.id);
  const badAssignee = await as(cc, wang, 'POST', `/v1/callbacks/${(await itemOf(B, 'open')).id}/reassign`, { user_id: wang.id });
  assert.equal(badAssignee.body.code, 'CTI_CALLBACK_ASSIGNEE_INVALID', 'only dispatchers take callbacks');
  const audit = await cc.sql<{ action: string; actor_id: string }[]>`SELECT action, actor_id::text AS actor_id FROM audit_log WHERE target_type = 'callback' AND target_id = ${a2.id} ORDER BY id`;
  assert.deepEqual(audit.map((r) => [r.action, r.actor_id]), [['callback.reassigned', wang.id], ['callback.released', wang.id], ['callback.closed', wang.id]]);
});
