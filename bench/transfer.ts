/**
 * Blind transfer (docs/transfers.md), and the consultative one (transfer-consultative.ts): time from the dispatcher's transfer command
 * (POST /v1/calls/:id/transfers) to the target seat ringing (the gateway's new INVITE reaches it), against the direct
 * call the dispatcher would otherwise place, in the same run: seat A's phone dials seat B through Kamailio (407 and
 * digest, lookup, relay), from its first INVITE to the INVITE at seat B. One call at a time, rounds alternating
 * A B B A, after warm-up rounds that are not counted. The transfer path includes the API (linkage directory,
 * PostgreSQL, Redis, Kamailio JSON-RPC), seat A's REFER through Kamailio, the gateway's 202 and new INVITE, and the
 * control plane's offer of the new leg to seat B. Parties are the raw-UDP gateway and seats of test/integration/support/transfer-parties.ts, which answer at
 * once (their own time is negligible beside the stack's).
 *
 *   npm run bench -- transfer        (BENCH_CALLS rounds per path, default 20)
 */
import { performance } from 'node:perf_hooks';
import { startCallCentre, type CallCentre } from '../test/integration/support/callcentre.ts';
import { TransferRig, referUser } from '../test/integration/support/transfer-parties.ts';
import { newToken } from '../test/support/sip-udp.ts';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { round3, summarise } from './support/stats.ts';
import { consultPhases, consultRound, directToOutsideRound, directOutsideAuthenticated, authoriseSeatToDial110 } from './transfer-consultative.ts';
import { ackAnswerAtSeat, dialFromSeat } from './support/seat-dial.ts';
import { consultToAudio, dialToAudio, openMediaParties } from './transfer-media.ts';

const WARMUP_ROUNDS = 3;
const CALLER = '13800000120';

type Path = 'transfer' | 'direct';
const ORDER: Path[] = ['transfer', 'direct', 'direct', 'transfer'];

/** Warm-up rounds of both paths, then `rounds` of each in ABBA order; the times per path. */
async function abba(rounds: number, round: (p: Path, counted: boolean) => Promise<number>, log: (m: string) => void, what: string): Promise<Record<Path, number[]>> {
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    await round('transfer', false);
    await round('direct', false);
  }
  const times: Record<Path, number[]> = { transfer: [], direct: [] };
  for (let i = 0; i < rounds * 2; i++) {
    const path = ORDER[i % ORDER.length]!;
    times[path].push(await round(path, true));
    if ((i + 1) % 10 === 0) log(`${what}: ${i + 1}/${rounds * 2} rounds`);
  }
  return times;
}

/**
 * What the dispatcher would do without the transfer: seat A's phone dials seat B's user through Kamailio (INVITE,
 * 407, digest, lookup, rtpengine offer, relay: route LOOKUP_RELAY), from the first INVITE to the INVITE at seat B;
 * seat B answers and seat A hangs up (a refused seat-to-seat INVITE would leave its rtpengine session to time out:
 * route RELAY has no failure route).
 */
/** The direct rounds' times from the INVITE with the digest (the 407 round trip left out). */
const directAuthenticated: number[] = [];

async function directRound(rig: TransferRig, counted: boolean): Promise<number> {
  const d = await dialFromSeat(rig.rsA, rig.seatA.password, rig.seatB.sipUser);
  const invite = await rig.rsB.waitInvite(d.callId);
  const at = performance.now();
  if (counted) directAuthenticated.push(at - d.authSentAt);
  await rig.rsB.answer(invite);
  const dialog = await ackAnswerAtSeat(rig.rsA, d);
  await rig.rsB.waitRequest(d.callId, 'ACK');
  await rig.rsA.request(dialog, 'BYE');
  await rig.rsB.respond(await rig.rsB.waitRequest(d.callId, 'BYE'), 200, 'OK');
  await rig.rsA.waitResponse(d.callId, 'BYE', (st) => st === 200, 'BYE answered', dialog.cseq);
  return at - d.firstSentAt;
}

/** Where a transfer round's time went: the API's answer, the REFER reaching the gateway, the new INVITE reaching B. */
const phases: Record<'api' | 'refer' | 'new_invite', number[]> = { api: [], refer: [], new_invite: [] };

/** The caller talks with seat A; seat B ready; transfer command -> the gateway's new INVITE at seat B. */
async function transferRound(cc: CallCentre, rig: TransferRig, counted = true): Promise<number> {
  const c = await rig.connectToA();
  await cc.seatReady(rig.seatB);
  const newCallId = `${newToken('bt-')}@gw.example`;
  const t0 = performance.now();
  const referTo = await rig.startTransfer(c, 'seat-b');
  const tApi = performance.now();
  await rig.referFromA(c, referTo);
  const refer = await rig.gw.waitRequest(c.callId, 'REFER');
  const tRefer = performance.now();
  await rig.gw.respond(refer, 202, 'Accepted');
  const d2 = await rig.gw.invite(newCallId, CALLER, referUser(referTo));
  const invite = await rig.rsB.waitInvite(newCallId);
  const ms = performance.now() - t0;
  if (counted) {
    phases.api.push(tApi - t0);
    phases.refer.push(tRefer - tApi);
    phases.new_invite.push(t0 + ms - tRefer);
  }
  await rig.rsB.answer(invite);
  await rig.gw.ackAnswer(d2, await rig.gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'seat B\'s 200'));
  await rig.notifyFromGateway(c, '200 OK', true);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await rig.hangUpFromGateway(d2, rig.rsB);
  await cc.waitForSeatState(rig.seatA, 'ready');
  await cc.waitForSeatState(rig.seatB, 'ready');
  await cc.seatNotReady(rig.seatB);
  return ms;
}

const bench: Benchmark = {
  description: 'blind and consultative transfer: command -> target ringing, vs a direct call to the same target (ratios of medians)',
  async run(log) {
    const rounds = envInt('BENCH_CALLS', 20);
    const cc = await startCallCentre('bench-transfer', { queue: { wrapup_s: 0 } });
    try {
      const rig = await TransferRig.open(cc, CALLER);
      await cc.seatLogin(rig.seatB);
      await cc.seatNotReady(rig.seatB);
      await authoriseSeatToDial110(cc, rig);
      const times = await abba(rounds, (p, counted) => (p === 'transfer' ? transferRound(cc, rig, counted) : directRound(rig, counted)), log, 'blind');
      const consultTimes = await abba(rounds, (p, counted) => (p === 'transfer' ? consultRound(cc, rig, counted) : directToOutsideRound(rig, counted)), log, 'consultative');
      // the floor of any command through the API: an authenticated request that does nothing (GET /v1/me)
      const apiRoundTrip: number[] = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        await cc.apiOk('GET', '/v1/me');
        apiRoundTrip.push(performance.now() - t0);
      }
      // to two-way audio, and the mixer's CPU per three-way room (transfer-media.ts): ABBA, no warm-up (the rounds above were)
      const mediaRounds = envInt('BENCH_MEDIA_ROUNDS', 6);
      const parties = await openMediaParties(rig);
      const audio: Record<Path, number[]> = { transfer: [], direct: [] };
      const janusShares: number[] = [];
      for (let i = 0; i < mediaRounds * 2; i++) {
        const path = ORDER[i % ORDER.length]!;
        if (path === 'direct') audio.direct.push(await dialToAudio(rig, parties));
        else {
          const r = await consultToAudio(cc, rig, parties);
          audio.transfer.push(r.ms);
          janusShares.push(r.janusShare * 100);
        }
      }
      log(`to two-way audio: consultation median ${summarise(audio.transfer).median} ms, seat dials 110 median ${summarise(audio.direct).median} ms`);
      for (const e of Object.values(parties)) e.close();
      await rig.close();
      const transfer = summarise(times.transfer);
      const direct = summarise(times.direct);
      const consult = summarise(consultTimes.transfer);
      const direct110 = summarise(consultTimes.direct);
      log(`transfer -> ringing: median ${transfer.median} ms (p90 ${transfer.p90}); direct -> ringing: median ${direct.median} ms (p90 ${direct.p90})`);
      log(`consultation -> 110 ringing: median ${consult.median} ms (p90 ${consult.p90}); seat dials 110 -> ringing: median ${direct110.median} ms (p90 ${direct110.p90})`);
      return {
        blind: {
          ratio: round3(transfer.median / direct.median),
          transfer_to_ringing_ms: transfer,
          direct_to_ringing_ms: direct,
          /** the same direct calls from the INVITE with the digest (Kamailio's 407 round trip left out) */
          direct_authenticated_to_ringing_ms: summarise(directAuthenticated),
          /** medians of the transfer's phases: the API's answer, seat A's REFER to the gateway, 202 + new INVITE to seat B */
          phases_median_ms: { api: summarise(phases.api).median, refer: summarise(phases.refer).median, new_invite: summarise(phases.new_invite).median },
        },
        consultative: {
          ratio: round3(consult.median / direct110.median),
          consultation_to_ringing_ms: consult,
          direct_to_ringing_ms: direct110,
          direct_authenticated_to_ringing_ms: summarise(directOutsideAuthenticated),
          /** medians: the API's answer, the seat's re-INVITE answered through the room, the INVITE reaching 110 */
          phases_median_ms: {
            api: summarise(consultPhases.api).median, seat_reinvite: summarise(consultPhases.seat_reinvite).median, dial: summarise(consultPhases.dial).median,
          },
          /** command (consultation) or first INVITE (direct) -> the seat and 110 hear each other, 110 answering at once (ms, 20 ms packets) */
          to_two_way_audio: {
            ratio: round3(summarise(audio.transfer).median / summarise(audio.direct).median),
            consultation_ms: summarise(audio.transfer), direct_ms: summarise(audio.direct),
          },
        },
        /** Janus's CPU over 3 s of a merged three-way room (caller, seat, 110 all sending; recording on), % of one core */
        mixer_cpu_pct_per_three_way_room: summarise(janusShares),
        /** an authenticated API request that does nothing (GET /v1/me, 40 times): what any command costs before its own work */
        api_round_trip_ms: summarise(apiRoundTrip),
        goal_ratio: 1.3,
        rounds,
      };
    } finally {
      await cc.close();
    }
  },
};

export default bench;
