/**
 * A conference room on Janus AudioBridge with three outside parties calling in over SIP through Kamailio and
 * rtpengine (docs/mixer.md), each sending its own tone: each hears the other two and not itself (mix-minus,
 * measured by Goertzel tone detection on the RTP it receives); then one party hangs up and the other two stay
 * connected and keep hearing each other. Also measured: the mixer's CPU for the three-party room.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startCapture } from '../support/rtp-capture.ts';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { cpuShareWhile } from './support/cpu.ts';
import { levelsBetween, receivedBy, removePartyFiles, startParty, type PartySpec } from './support/conference-parties.ts';

const PARTIES: PartySpec[] = [
  { number: '110', freqHz: 440, hangUpAfterMs: 11_000, toneSeconds: 14 },
  { number: '13800000001', freqHz: 1000, hangUpAfterMs: 11_000, toneSeconds: 14 },
  // the third leaves first; 6 s leave a window of seconds with all three in the room even on a loaded machine
  { number: '13800000002', freqHz: 1650, hangUpAfterMs: 6000, toneSeconds: 14 },
];
const FREQS = PARTIES.map((p) => p.freqHz);
/** A party hears another at about the level it was sent (-6 dBFS); this leaves room for G.711 and the mix. */
const HEARD_DB = -20;
/** Mix-minus: its own tone, if any, this far below the quietest tone it hears (engine-notes measured ~53 dB). */
const SELF_BELOW_DB = 30;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-conference'); });
after(async () => {
  removePartyFiles();
  await cc?.close();
});

test('conference-three-parties-mix-minus-one-leaves: each hears the other two and not itself; one hangs up, two stay', async (t) => {
  const [call] = await cc.sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, state, arrived_at, caller_number) VALUES ('city', ${`conf-test-${randomUUID()}`}, 'talking', now(), '13912345678')
    RETURNING id::text AS id`;
  const room = await cc.apiOk<{ room_id: string; state: string; recording: string }>('POST', `/v1/calls/${call!.id}/conference`, {}, [201]);
  assert.equal(room.state, 'open');
  await assertOtherDispatcherKeptOut(call!.id, room.room_id);

  const invitations: Array<{ uri: string }> = [];
  for (let i = 0; i < PARTIES.length; i++) invitations.push(await cc.apiOk<{ uri: string }>('POST', `/v1/conferences/${room.room_id}/invitations`, {}, [201]));
  const remote = cc.info.sip.udp;
  // the capture filters on the parties' media ports, known once SIPp has leased them; it starts while the INVITEs are
  // being answered, and the windows measured below begin only once all three are in the room
  const parties = await Promise.all(PARTIES.map((p, i) => startParty(remote, invitations[i]!.uri, p)));
  const ports = parties.map((p) => p.sipp.mediaPort);
  const capture = await startCapture(null, 'lo', `udp and (${ports.map((p) => `dst port ${p}`).join(' or ')})`);

  const inRoom = async (n: number) => {
    const r = await cc.api<{ participants: Array<{ state: string; party: string }> }>('GET', `/v1/conferences/${room.room_id}`);
    return r.status === 200 && r.body.participants.filter((p) => p.state === 'joined').length === n ? r.body : undefined;
  };
  const all = await waitFor(() => inRoom(3), 10_000, 'three parties joined');
  const allAt = Date.now();
  assert.deepEqual(all.participants.map((p) => p.party).sort(), PARTIES.map((p) => p.number).sort());

  const { result: left, share: cpuShare } = await cpuShareWhile(cc.stack.daemons.janus!.pid!, () => waitFor(() => inRoom(2), 10_000, 'the third party hung up'));
  const leftAt = Date.now();
  t.diagnostic(`janus CPU with one three-party room: ${(cpuShare * 100).toFixed(2)} % of one core`);
  assert.deepEqual(left.participants.map((p) => p.party).sort(), [PARTIES[0]!.number, PARTIES[1]!.number].sort());

  const results = await Promise.all(parties.map((p) => p.sipp.done));
  const pcap = await capture.stop();
  for (const [i, r] of results.entries()) assert.ok(r.ok, `party ${PARTIES[i]!.number}: SIPp exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
  // the two who stayed hung up themselves, at their own time (not cut off when the third left)
  for (const i of [0, 1]) assert.ok(results[i]!.durationMs >= PARTIES[i]!.hangUpAfterMs, `party ${i} stayed ${results[i]!.durationMs} ms`);

  const heard = receivedBy(pcap, ports);
  // all three in the room: from 0.5 s after the third joined until the third left
  for (const [i, p] of PARTIES.entries()) {
    const { levels, packets } = levelsBetween(heard.get(ports[i]!)!, allAt + 500, Math.min(allAt + 3500, leftAt - 200), FREQS);
    t.diagnostic(`party ${p.freqHz} Hz with three in the room (${packets} packets): ${JSON.stringify(levels)}`);
    assert.ok(packets >= 50, `party ${p.freqHz} Hz received ${packets} packets`);
    const others = FREQS.filter((f) => f !== p.freqHz);
    for (const f of others) assert.ok(levels[f]! > HEARD_DB, `party ${p.freqHz} Hz hears ${f} Hz: ${levels[f]} dB`);
    assert.ok(levels[p.freqHz]! < Math.min(...others.map((f) => levels[f]!)) - SELF_BELOW_DB, `party ${p.freqHz} Hz does not hear itself: ${JSON.stringify(levels)}`);
  }
  // after the third left: the two hear each other and no longer the third
  for (const i of [0, 1]) {
    const me = PARTIES[i]!.freqHz;
    const other = PARTIES[1 - i]!.freqHz;
    const gone = PARTIES[2]!.freqHz;
    const { levels, packets } = levelsBetween(heard.get(ports[i]!)!, leftAt + 500, leftAt + 2500, FREQS);
    t.diagnostic(`party ${me} Hz after ${gone} Hz left (${packets} packets): ${JSON.stringify(levels)}`);
    assert.ok(packets >= 50, `party ${me} Hz received ${packets} packets after the third left`);
    assert.ok(levels[other]! > HEARD_DB, `party ${me} Hz still hears ${other} Hz: ${levels[other]} dB`);
    assert.ok(levels[gone]! < levels[other]! - SELF_BELOW_DB, `party ${me} Hz no longer hears ${gone} Hz: ${JSON.stringify(levels)}`);
  }

  // the record: three external legs, all ended; joined and left events (the last two left by hanging up)
  const legs = await cc.sql<{ party: string; ended: boolean }[]>`SELECT party, ended_at IS NOT NULL AS ended FROM call_legs WHERE call_id = ${call!.id} AND kind = 'external'`;
  assert.equal(legs.length, 3);
  await waitFor(async () => (await cc.sql`SELECT 1 FROM call_legs WHERE call_id = ${call!.id} AND ended_at IS NULL`).length === 0, 5000, 'every leg ended');
  // the call's timeline: three joined, the third left first by hanging up, then the other two
  const timeline = await cc.sql<{ type: string; party: string; reason: string | null }[]>`
    SELECT type, data->>'party' AS party, data->>'reason' AS reason FROM call_events WHERE call_id = ${call!.id} ORDER BY at, id`;
  assert.deepEqual(timeline.filter((e) => e.type === 'call.party_joined.v1').map((e) => e.party).sort(), PARTIES.map((p) => p.number).sort());
  const leaves = timeline.filter((e) => e.type === 'call.party_left.v1');
  assert.equal(leaves.length, 3);
  assert.equal(leaves[0]!.party, PARTIES[2]!.number);
  assert.ok(leaves.every((e) => e.reason === 'hung_up'), JSON.stringify(leaves));
  const streamed = await cc.callStreamEvents(call!.id);
  assert.equal(streamed.filter((e) => e.type === 'call.party_joined.v1').length, 3, 'joined events on the stream');
  // the room closed with its last party
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${room.room_id}`)).status === 404, 5000, 'the room closed');
});

/**
 * A dispatcher who did not answer the call may not open its room nor see, change or close it (centre and seat
 * scoping on the server: calls/conference/access.ts); nothing changes.
 */
async function assertOtherDispatcherKeptOut(callId: string, roomId: string): Promise<void> {
  const username = `disp-${randomUUID().slice(0, 8)}`;
  await cc.apiOk('POST', '/v1/users', { username, display_name: '调度员 乙', password: 'other-dispatcher-2024', roles: ['dispatcher'] }, [201]);
  const login = await cc.api<{ token: string }>('POST', '/v1/auth/login', { username, password: 'other-dispatcher-2024' }, false);
  assert.equal(login.status, 200);
  const as = async (method: string, path: string) => {
    const body = method === 'POST' ? '{}' : undefined;
    const res = await fetch(`${cc.apiUrl}${path}`, { method, body, headers: { authorization: `Bearer ${login.body.token}`, ...(body ? { 'content-type': 'application/json' } : {}) } });
    return { status: res.status, code: ((await res.json().catch(() => ({}))) as { code?: string }).code };
  };
  assert.deepEqual(await as('POST', `/v1/calls/${callId}/conference`), { status: 403, code: 'CTI_CALL_NOT_YOURS' });
  assert.deepEqual(await as('GET', `/v1/conferences/${roomId}`), { status: 404, code: 'CTI_CONFERENCE_NOT_FOUND' });
  assert.deepEqual(await as('POST', `/v1/conferences/${roomId}/invitations`), { status: 404, code: 'CTI_CONFERENCE_NOT_FOUND' });
  assert.deepEqual(await as('DELETE', `/v1/conferences/${roomId}`), { status: 404, code: 'CTI_CONFERENCE_NOT_FOUND' });
  assert.equal((await cc.apiOk<{ state: string }>('GET', `/v1/conferences/${roomId}`)).state, 'open', 'the room is untouched');
}
