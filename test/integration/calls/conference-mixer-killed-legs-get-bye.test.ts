/**
 * The mixer dies under a live room (docs/mixer.md "Faults"): Janus is killed (SIGKILL) while two outside parties
 * talk in a room. Each SIP leg gets a clean BYE from Kamailio within seconds (nothing hangs), the legs end with
 * `mixer_lost`, an alarm is raised, and the next conference is refused with CTI_MIXER_UNAVAILABLE (503) while the
 * mixer is away. Janus started again: the control plane reconnects, the alarm clears and rooms open again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { janusInfo } from '../../../scripts/stack/services/janus.ts';
import { openRoomWithParties, removePartyFiles, type PartySpec } from './support/conference-parties.ts';

/** Long enough that a party still in the call at the end was not given a BYE: it would hang up itself only then. */
const STAY_MS = 40_000;
const PARTIES: PartySpec[] = [
  { number: '119', freqHz: 440, hangUpAfterMs: STAY_MS, toneSeconds: 45 },
  { number: '13800000003', freqHz: 1000, hangUpAfterMs: STAY_MS, toneSeconds: 45 },
];

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-conf-mixer-lost'); });
after(async () => {
  removePartyFiles();
  await cc?.close();
});

async function openAlarm(): Promise<{ id: string; details: { reason?: string } } | undefined> {
  const r = await cc.apiOk<{ items: Array<{ id: string; type: string; details: { reason?: string } }> }>('GET', '/v1/alarms?open=true&type=mixer_unavailable', undefined, [200]);
  return r.items[0];
}

test('conference-mixer-killed-legs-get-bye: Janus killed mid-room, the legs get a BYE, an alarm, the next room refused; back when Janus is', async (t) => {
  const { callId, roomId, parties } = await openRoomWithParties(cc, PARTIES);
  const call = { id: callId };
  const room = { room_id: roomId };
  await waitFor(async () => {
    const r = await cc.api<{ participants: Array<{ state: string }> }>('GET', `/v1/conferences/${room.room_id}`);
    return r.status === 200 && r.body.participants.filter((p) => p.state === 'joined').length === 2;
  }, 10_000, 'two parties joined');
  assert.equal(await openAlarm(), undefined, 'no mixer alarm while Janus runs');

  const janus = cc.stack.daemons.janus!;
  const killedAt = Date.now();
  await janus.kill();

  // each leg: the far end's BYE (answered 200 by the scenario), long before the party would hang up itself
  const results = await Promise.all(parties.map((p) => p.sipp.done.then((r) => {
    t.diagnostic(`a party's call ended ${Date.now() - killedAt} ms after Janus was killed`);
    return r;
  })));
  for (const [i, r] of results.entries()) {
    assert.ok(r.ok, `party ${PARTIES[i]!.number}: SIPp exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
    assert.ok(Date.now() - killedAt < STAY_MS - 10_000, `party ${PARTIES[i]!.number} got a BYE ${Date.now() - killedAt} ms after the kill`);
  }
  const alarm = await waitFor(openAlarm, 10_000, 'the mixer alarm raised');
  assert.ok(alarm.details.reason, 'the alarm says why');
  // the BYEs go out before each leg's record is closed: wait for both records
  const left = await waitFor(async () => {
    const rows = await cc.sql<{ reason: string }[]>`
      SELECT data->>'reason' AS reason FROM call_events WHERE call_id = ${call.id} AND type = 'call.party_left.v1'`;
    return rows.length === 2 ? rows : undefined;
  }, 5000, 'both party_left events');
  const legs = await cc.sql<{ ended: boolean }[]>`SELECT ended_at IS NOT NULL AS ended FROM call_legs WHERE call_id = ${call.id} AND kind = 'external'`;
  assert.equal(legs.length, 2);
  assert.ok(legs.every((l) => l.ended), 'both legs ended');
  assert.deepEqual(left.map((l) => l.reason), ['mixer_lost', 'mixer_lost'], 'both left because the mixer was lost');
  assert.equal((await cc.api('GET', `/v1/conferences/${room.room_id}`)).status, 404, 'the room is gone');

  // the next conference while the mixer is away: a coded error, nothing created
  const refused = await cc.api<{ code: string }>('POST', `/v1/calls/${call.id}/conference`, {});
  assert.equal(refused.status, 503);
  assert.equal(refused.body.code, 'CTI_MIXER_UNAVAILABLE');

  // Janus back: the control plane reconnects, the alarm clears, a room opens again
  janus.start();
  await waitFor(() => janusInfo(cc.info.janus!.ws, '', 500).then(() => true, () => false), 10_000, 'Janus answering again');
  await waitFor(async () => (await openAlarm()) === undefined, 10_000, 'the mixer alarm cleared');
  const again = await cc.api<{ room_id: string }>('POST', `/v1/calls/${call.id}/conference`, {});
  assert.equal(again.status, 201, JSON.stringify(again.body));
  await cc.apiOk('DELETE', `/v1/conferences/${again.body.room_id}`, undefined, [204]);
});
