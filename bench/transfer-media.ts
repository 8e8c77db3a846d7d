/**
 * The consultative transfer to two-way audio, and the mixer's CPU per three-way room (bench/transfer.ts, the same
 * run and rig). Every party is an RTP endpoint sending its own tone every 20 ms (test/integration/calls/support/
 * tone-endpoints.ts: caller 440 Hz, seat 1000 Hz, 110 1650 Hz); 110 answers at once.
 *
 * - consultation: from POST /v1/calls/:id/consultations {police-110} to the moment both the seat hears 110's tone and
 *   110 hears the seat's (a 20 ms packet whose tone is above -20 dBFS), with the seat's re-INVITE sent on the
 *   command's answer and 110's 200 sent as soon as its INVITE arrives; then the consultation merged into a three-way
 *   and Janus's CPU (utime + stime) over 3 s with the three parties' audio flowing: the mixer's cost per three-way
 *   room (recording on). The caller hangs up, the room closes.
 * - direct: seat A's phone dials 110 (INVITE, 407, digest, route OUTBOUND), 110 answers at once, from the first
 *   INVITE to both hearing each other; the seat hangs up.
 */
import { waitFor, type CallCentre } from '../test/integration/support/callcentre.ts';
import type { TransferRig } from '../test/integration/support/transfer-parties.ts';
import { GW_HZ, HEARD_DB, P110_HZ, SEAT_HZ, endpoint, type Endpoint } from '../test/integration/calls/support/tone-endpoints.ts';
import { cpuShareWhile } from '../test/integration/calls/support/cpu.ts';
import { toneLevels } from '../test/support/goertzel.ts';
import { callIdOf, newToken, type SipMessage } from '../test/support/sip-udp.ts';
import { audioTarget } from '../control/src/calls/conference/sdp.ts';
import { ackAnswerAtSeat, dialFromSeat } from './support/seat-dial.ts';

export interface MediaParties { caller: Endpoint; desk: Endpoint; p110: Endpoint }

/** When (Date.now()) `e` first heard `hz` above -20 dBFS in one packet at or after `from`. */
async function firstHeard(e: Endpoint, hz: number, from: number): Promise<number> {
  return waitFor(() => e.heard.find((h) => h.at >= from && toneLevels(h.pcm, [hz])[hz]! > HEARD_DB)?.at, 10_000, `${hz} Hz heard`, 5);
}

const bodyOf = (m: SipMessage) => audioTarget(m.body);

function nextInviteTo110(rig: TransferRig, prefix: string): Promise<SipMessage> {
  const seen = new Set(rig.out.ep.received.filter((m) => m.method === 'INVITE').map(callIdOf));
  return rig.out.ep.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith(prefix) && !seen.has(callIdOf(m)), 10_000, 'the INVITE to 110');
}

export async function openMediaParties(rig: TransferRig): Promise<MediaParties> {
  const m = { caller: await endpoint(GW_HZ), desk: await endpoint(SEAT_HZ), p110: await endpoint(P110_HZ) };
  rig.gw.rtpPort = m.caller.port;
  rig.rsA.rtpPort = m.desk.port;
  return m;
}

/** Consultation -> seat and 110 hear each other (ms); then merged, Janus's CPU share of one core over 3 s; the caller hangs up. */
export async function consultToAudio(cc: CallCentre, rig: TransferRig, m: MediaParties): Promise<{ ms: number; janusShare: number }> {
  const c = await rig.connectToA();
  m.caller.sendTo(bodyOf(rig.gw.ep.received.find((x) => x.status === 200 && callIdOf(x) === c.callId)!));
  m.desk.sendTo(bodyOf(rig.rsA.ep.received.find((x) => x.method === 'INVITE' && callIdOf(x) === c.callId)!));
  const arrived = nextInviteTo110(rig, 'cfo-');
  const t0 = Date.now();
  const started = await cc.apiOk<{ room_id: string; anchor: { header: string; token: string } }>(
    'POST', `/v1/calls/${c.recordId}/consultations`, { destination: { destination_id: 'police-110' } }, [201]);
  await rig.rsA.request(c.a, 'INVITE', m.desk.sdp(2), undefined, [[started.anchor.header, started.anchor.token]]);
  const ok = await rig.rsA.waitResponse(c.callId, 'INVITE', (s) => s === 200, 'the re-INVITE answered', c.a.cseq);
  await rig.rsA.request(c.a, 'ACK', '', c.a.cseq);
  m.desk.sendTo(bodyOf(ok));
  const inv = await arrived;
  await rig.out.respond(inv, 200, 'OK', { toTag: newToken('p110'), body: m.p110.sdp() });
  m.p110.sendTo(bodyOf(inv));
  const both = Math.max(await firstHeard(m.desk, P110_HZ, t0), await firstHeard(m.p110, SEAT_HZ, t0));
  // the audio may flow a moment before the control plane has recorded 110 as joined (phase talking): merge after that
  const phase = async () => (await cc.apiOk<{ phase: string }>('GET', `/v1/calls/${c.recordId}/consultations`, undefined, [200])).phase;
  await waitFor(async () => (await phase()) === 'talking' || undefined, 10_000, 'the consultation talking', 20);
  await cc.apiOk('POST', `/v1/calls/${c.recordId}/consultations/merge`, undefined, [200]);
  const { share } = await cpuShareWhile(cc.stack.daemons.janus!.pid!, () => new Promise((r) => setTimeout(r, 3000)));
  const bye = rig.out.ep.waitFor((x) => x.method === 'BYE' && callIdOf(x) === callIdOf(inv), 10_000, 'the BYE to 110');
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await rig.out.respond(await bye, 200, 'OK');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${started.room_id}`)).status === 404 || undefined, 10_000, 'the room closed', 50);
  await cc.waitForSeatState(rig.seatA, 'ready');
  for (const e of [m.caller, m.desk, m.p110]) e.silence();
  return { ms: both - t0, janusShare: share };
}

/** Seat A's phone dials 110, 110 answers at once -> both hear each other (ms); the seat hangs up. */
export async function dialToAudio(rig: TransferRig, m: MediaParties): Promise<number> {
  const arrived = nextInviteTo110(rig, 'sd-');
  const t0 = Date.now();
  const d = await dialFromSeat(rig.rsA, rig.seatA.password, '110');
  const inv = await arrived;
  await rig.out.respond(inv, 200, 'OK', { toTag: newToken('p110'), body: m.p110.sdp() });
  m.p110.sendTo(bodyOf(inv));
  const dialog = await ackAnswerAtSeat(rig.rsA, d);
  m.desk.sendTo(bodyOf(dialog.ok));
  const both = Math.max(await firstHeard(m.desk, P110_HZ, t0), await firstHeard(m.p110, SEAT_HZ, t0));
  await rig.rsA.request(dialog, 'BYE');
  await rig.out.respond(await rig.out.waitRequest(d.callId, 'BYE'), 200, 'OK');
  await rig.rsA.waitResponse(d.callId, 'BYE', (s) => s === 200, 'BYE answered', dialog.cseq);
  for (const e of [m.desk, m.p110]) e.silence();
  return both - t0;
}
