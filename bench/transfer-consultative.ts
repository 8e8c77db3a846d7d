/**
 * Consultative transfer (docs/mixer.md "Consultative transfer"), its first part: time from the dispatcher's
 * consultation command (POST /v1/calls/:id/consultations {police-110}) to the target ringing (the INVITE that
 * Kamailio sends to 110 reaches the outside party behind trunk pstn-out), against a direct call to the same party in
 * the same run.
 *
 * "Direct": what the dispatcher would do without the consultation, seat A's own phone dialling 110 through Kamailio
 * (INVITE, 407, INVITE with the digest, route OUTBOUND: the callback authorisation in htable `cb`, rtpengine offer,
 * relay on pstn-out), from its first INVITE to the INVITE at the party. What the consultation does instead: the
 * API's checks (call, person, linkage directory, mixer), the room, the anchor token, the seat's re-INVITE answered
 * through the room (rtpengine offer/answer, Janus join), then, together, the caller re-anchored and held (rtpengine
 * re-offer, Janus join, block, play media) and the target's rtpengine leg and Janus participant set up before its
 * INVITE leaves (calls/conference/dial.ts). Session 7's peer (Kamailio's tm.t_uac_start asked over JSON-RPC: the
 * floor of any way out, 2-2.5 ms) was no call a dispatcher can make.
 *
 * A consultation round: the caller reaches seat A; the command; seat A's phone sends the re-INVITE with the anchor
 * token (as the page does on the command's answer); the INVITE at 110. Then 110 answers 486 (busy: target_failed),
 * the dispatcher cancels (caller back with the seat, in the room), the caller hangs up (the room closes).
 */
import { performance } from 'node:perf_hooks';
import { waitFor, type CallCentre } from '../test/integration/support/callcentre.ts';
import { TransferRig } from '../test/integration/support/transfer-parties.ts';
import { callIdOf, newToken, type SipMessage } from '../test/support/sip-udp.ts';
import { ackFailureAtSeat, dialFromSeat } from './support/seat-dial.ts';
import { audioSdp } from '../test/support/sip-spellings.ts';

/** Where a consultation round's time went: the API's answer, the seat's re-INVITE answered, the INVITE reaching 110. */
export const consultPhases: Record<'api' | 'seat_reinvite' | 'dial', number[]> = { api: [], seat_reinvite: [], dial: [] };

function nextInviteAt(rig: TransferRig, prefix: string): Promise<SipMessage> {
  const seen = new Set(rig.out.ep.received.filter((m) => m.method === 'INVITE').map(callIdOf));
  return rig.out.ep.waitFor((m) => m.method === 'INVITE' && callIdOf(m).startsWith(prefix) && !seen.has(callIdOf(m)), 10_000, 'the INVITE to 110');
}

/**
 * Seat A may dial 110 itself (Kamailio's htable `cb`, as callbacks/authorisation.ts writes it for a claimed abandoned
 * call, here with no work-list item): out through pstn-out to the outside party, presenting PRESENTED_110.
 */
export async function authoriseSeatToDial110(cc: CallCentre, rig: TransferRig): Promise<void> {
  await cc.kamailio.call('htable.setxs', ['cb', `${rig.seatA.sipUser}|110`, `|127.0.0.1:${rig.out.ep.port}|${TransferRig.PRESENTED_110}`, 3600]);
}

/** Times from the INVITE with the digest to the INVITE at 110 (the 407 round trip left out). */
export const directOutsideAuthenticated: number[] = [];

/**
 * What the dispatcher would do without the consultation: seat A's phone dials 110 through Kamailio (INVITE, 407,
 * digest, route OUTBOUND: authorisation, rtpengine offer, relay on pstn-out), from the first INVITE to the INVITE at
 * 110; 110 answers 486.
 */
export async function directToOutsideRound(rig: TransferRig, counted: boolean): Promise<number> {
  const arrived = nextInviteAt(rig, 'sd-');
  const d = await dialFromSeat(rig.rsA, rig.seatA.password, '110');
  const invite = await arrived;
  const at = performance.now();
  if (counted) directOutsideAuthenticated.push(at - d.authSentAt);
  await rig.out.respond(invite, 486, 'Busy Here', { toTag: newToken('busy') });
  await ackFailureAtSeat(rig.rsA, d);
  return at - d.firstSentAt;
}

/** The caller talks with seat A; the consultation with 110 -> the INVITE at 110; then busy, cancel, caller hangs up. */
export async function consultRound(cc: CallCentre, rig: TransferRig, counted = true): Promise<number> {
  const c = await rig.connectToA();
  const arrived = nextInviteAt(rig, 'cfo-');
  const t0 = performance.now();
  const started = await cc.apiOk<{ room_id: string; anchor: { header: string; token: string } }>(
    'POST', `/v1/calls/${c.recordId}/consultations`, { destination: { destination_id: 'police-110' } }, [201]);
  const tApi = performance.now();
  await rig.rsA.request(c.a, 'INVITE', audioSdp(rig.rsA.rtpPort, 'sendrecv', 2), undefined, [[started.anchor.header, started.anchor.token]]);
  await rig.rsA.waitResponse(c.callId, 'INVITE', (s) => s === 200, 'the re-INVITE answered', c.a.cseq);
  const tSeat = performance.now();
  await rig.rsA.request(c.a, 'ACK', '', c.a.cseq);
  const invite = await arrived;
  const ms = performance.now() - t0;
  if (counted) {
    consultPhases.api.push(tApi - t0);
    consultPhases.seat_reinvite.push(tSeat - tApi);
    consultPhases.dial.push(t0 + ms - tSeat);
  }
  await rig.out.respond(invite, 486, 'Busy Here', { toTag: newToken('busy') });
  const phase = async () => (await cc.apiOk<{ phase: string }>('GET', `/v1/calls/${c.recordId}/consultations`, undefined, [200])).phase;
  await waitFor(async () => (await phase()) === 'target_failed' || undefined, 10_000, 'the consultation target_failed (110 busy)', 50);
  await cc.apiOk('POST', `/v1/calls/${c.recordId}/consultations/cancel`, undefined, [200]);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'the consulted call ended');
  await waitFor(async () => (await cc.api('GET', `/v1/conferences/${started.room_id}`)).status === 404 || undefined, 10_000, 'the room closed', 50);
  await cc.waitForSeatState(rig.seatA, 'ready');
  return ms;
}
