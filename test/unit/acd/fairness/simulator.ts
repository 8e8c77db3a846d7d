/**
 * A pure discrete-event simulation of the ACD, for the fairness and distribution-rule tests. It mirrors
 * calls/distribution/distributor.ts: calls wait in order of (priority, arrival); after every event the head call is
 * offered through the same `selectSeats` the distributor uses; a ring-no-answer puts the seat not ready
 * and the call back in its old place; the first seat to answer a ring-all takes the call.
 *
 * Seat states (the control plane's names):
 *
 *   ready ──offer──▶ reserved ──answer──▶ talking ──end──▶ wrap_up ──wrap-up done──▶ ready
 *     ▲                 │ no answer              (lost a ring-all race: back to ready)
 *     └──back──── not_ready ◀┘
 *
 * Time is simulated (ms); randomness comes only from `seed`, so a run is reproducible.
 */
import { selectSeats, nextOpeningMs, type QueueStrategy, type StrategyCandidate, type StrategyContext, type TierStep } from '../../../../control/src/acd/strategies/index.ts';

export const QUEUE = 'sim-queue';

export interface SimSeat { seatId: string; tier?: number; skills?: string[] }
export interface SimCall { callId: string; arriveMs: number; priority: number; talkMs: number }

export interface SimConfig {
  strategy: QueueStrategy;
  seats: SimSeat[];
  calls: SimCall[];
  seed: number;
  /** Chance that a seat lets one offer ring out. */
  ringNoAnswerProb: number;
  /** A seat that answers does so after a delay drawn uniformly from [min, max] ms (max < ringTimeoutMs). */
  answerDelayMs: [number, number];
  ringTimeoutMs: number;
  wrapupMs: number;
  /** How long a seat that let a call ring out stays not ready. */
  awayMs: number;
  tierEscalation?: TierStep[];
  requiredSkills?: string[];
  skillsWaivedAfterMs?: number | null;
  /** The selector under test; a test may pass another one as a baseline. */
  select?: typeof selectSeats;
}

export type SimEntry =
  | { kind: 'arrived'; at: number; callId: string; priority: number }
  | { kind: 'offered'; at: number; callId: string; seatIds: string[]; waitedMs: number }
  | { kind: 'answered'; at: number; callId: string; seatId: string }
  | { kind: 'released'; at: number; callId: string; seatId: string; reason: 'no_answer' | 'lost_race' }
  | { kind: 'requeued'; at: number; callId: string }
  | { kind: 'ended'; at: number; callId: string; seatId: string; talkMs: number }
  | { kind: 'seat_ready'; at: number; seatId: string };

export interface SeatTotals { calls: number; talkMs: number; offers: number; missed: number }

export interface SimResult {
  log: SimEntry[];
  perSeat: Map<string, SeatTotals>;
  /** Calls still waiting when nothing else could happen (e.g. a required skill no seat has). */
  waiting: string[];
  endMs: number;
}

type SeatState = 'ready' | 'reserved' | 'talking' | 'wrap_up' | 'not_ready';
const SEAT_MOVES: Record<SeatState, readonly SeatState[]> = {
  ready: ['reserved'],
  reserved: ['talking', 'not_ready', 'ready'],
  talking: ['wrap_up'],
  wrap_up: ['ready'],
  not_ready: ['ready'],
};

interface LiveSeat extends SimSeat { state: SeatState; idleSinceMs: number; callsToday: number; callId: string | null }
interface LiveCall extends SimCall { offer: { seatIds: string[]; winner: string | null } | null }

type SimEvent =
  | { kind: 'arrive'; callId: string }
  | { kind: 'answer'; callId: string; seatId: string }
  | { kind: 'ring_timeout'; callId: string }
  | { kind: 'talk_end'; callId: string }
  | { kind: 'seat_back'; seatId: string }
  | { kind: 'tick' };

export { rng } from '../../../support/prng.ts';
import { rng } from '../../../support/prng.ts';

const MAX_EVENTS = 1_000_000;

export function simulate(cfg: SimConfig): SimResult {
  const random = rng(cfg.seed);
  const select = cfg.select ?? selectSeats;
  const log: SimEntry[] = [];
  const seats = new Map<string, LiveSeat>(cfg.seats.map((s) => [s.seatId, { ...s, state: 'ready', idleSinceMs: 0, callsToday: 0, callId: null }]));
  const calls = new Map<string, LiveCall>(cfg.calls.map((c) => [c.callId, { ...c, offer: null }]));
  const perSeat = new Map<string, SeatTotals>(cfg.seats.map((s) => [s.seatId, { calls: 0, talkMs: 0, offers: 0, missed: 0 }]));
  const waiting = new Set<string>();
  let lastOffered: string | null = null;

  // the agenda: events by time, then by the order they were scheduled
  const agenda: { at: number; seq: number; ev: SimEvent }[] = [];
  let seq = 0;
  const schedule = (at: number, ev: SimEvent): void => {
    const item = { at, seq: seq++, ev };
    let lo = 0;
    let hi = agenda.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (agenda[mid].at < at || (agenda[mid].at === at && agenda[mid].seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    agenda.splice(lo, 0, item);
  };

  const move = (seat: LiveSeat, to: SeatState, now: number): void => {
    if (!SEAT_MOVES[seat.state].includes(to)) throw new Error(`simulator: seat ${seat.seatId} cannot go from ${seat.state} to ${to}`);
    seat.state = to;
    if (to === 'ready') log.push({ kind: 'seat_ready', at: now, seatId: seat.seatId });
  };

  const byQueueOrder = (a: LiveCall, b: LiveCall): number =>
    a.priority - b.priority || a.arriveMs - b.arriveMs || (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0);

  const offer = (call: LiveCall, chosen: StrategyCandidate[], now: number): void => {
    waiting.delete(call.callId);
    const seatIds = chosen.map((s) => s.seatId);
    log.push({ kind: 'offered', at: now, callId: call.callId, seatIds, waitedMs: now - call.arriveMs });
    lastOffered = seatIds[seatIds.length - 1];
    let winner: { seatId: string; delay: number } | null = null;
    for (const id of seatIds) {
      const seat = seats.get(id)!;
      move(seat, 'reserved', now);
      seat.callId = call.callId;
      perSeat.get(id)!.offers++;
      const answers = random() >= cfg.ringNoAnswerProb;
      const [min, max] = cfg.answerDelayMs;
      const delay = min + Math.floor(random() * (max - min + 1));
      if (answers && (!winner || delay < winner.delay)) winner = { seatId: id, delay };
    }
    call.offer = { seatIds, winner: winner?.seatId ?? null };
    if (winner) schedule(now + winner.delay, { kind: 'answer', callId: call.callId, seatId: winner.seatId });
    else schedule(now + cfg.ringTimeoutMs, { kind: 'ring_timeout', callId: call.callId });
  };

  /** One distribution pass, as Distributor.pass: offer the head call until no seat can take it. */
  const pass = (now: number): void => {
    for (;;) {
      const head = [...waiting].map((id) => calls.get(id)!).sort(byQueueOrder)[0];
      if (!head) return;
      const candidates: StrategyCandidate[] = [...seats.values()].map((s) => ({
        seatId: s.seatId, sipUser: s.seatId, state: s.state, registered: true, queues: [QUEUE],
        idleSinceMs: s.idleSinceMs, callsToday: s.callsToday, tier: s.tier, skills: s.skills,
      }));
      const ctx: StrategyContext = {
        queueId: QUEUE, waitedMs: now - head.arriveMs, lastOfferedSeatId: lastOffered,
        tierEscalation: cfg.tierEscalation, requiredSkills: cfg.requiredSkills, skillsWaivedAfterMs: cfg.skillsWaivedAfterMs,
      };
      const chosen = select(cfg.strategy, candidates, ctx);
      if (chosen.length === 0) {
        const next = nextOpeningMs(ctx.waitedMs, cfg.tierEscalation, cfg.requiredSkills?.length ? cfg.skillsWaivedAfterMs : null);
        if (next !== undefined) schedule(head.arriveMs + next, { kind: 'tick' });
        return;
      }
      offer(head, cfg.strategy === 'ring_all' ? chosen : chosen.slice(0, 1), now);
    }
  };

  const handle = (ev: SimEvent, now: number): void => {
    switch (ev.kind) {
      case 'arrive': {
        const call = calls.get(ev.callId)!;
        waiting.add(call.callId);
        log.push({ kind: 'arrived', at: now, callId: call.callId, priority: call.priority });
        return;
      }
      case 'answer': {
        const call = calls.get(ev.callId)!;
        for (const id of call.offer!.seatIds) {
          const seat = seats.get(id)!;
          if (id === ev.seatId) continue;
          move(seat, 'ready', now); // CANCEL to the other forks of a ring-all
          seat.callId = null;
          log.push({ kind: 'released', at: now, callId: call.callId, seatId: id, reason: 'lost_race' });
        }
        const seat = seats.get(ev.seatId)!;
        move(seat, 'talking', now);
        seat.callsToday++;
        perSeat.get(seat.seatId)!.calls++;
        log.push({ kind: 'answered', at: now, callId: call.callId, seatId: seat.seatId });
        schedule(now + call.talkMs, { kind: 'talk_end', callId: call.callId });
        return;
      }
      case 'ring_timeout': {
        const call = calls.get(ev.callId)!;
        for (const id of call.offer!.seatIds) {
          const seat = seats.get(id)!;
          move(seat, 'not_ready', now);
          seat.callId = null;
          perSeat.get(id)!.missed++;
          log.push({ kind: 'released', at: now, callId: call.callId, seatId: id, reason: 'no_answer' });
          schedule(now + cfg.awayMs, { kind: 'seat_back', seatId: id });
        }
        call.offer = null;
        waiting.add(call.callId); // same priority and arrival: the call keeps its place
        log.push({ kind: 'requeued', at: now, callId: call.callId });
        return;
      }
      case 'talk_end': {
        const call = calls.get(ev.callId)!;
        const seat = seats.get(call.offer!.winner!)!;
        move(seat, 'wrap_up', now);
        perSeat.get(seat.seatId)!.talkMs += call.talkMs;
        log.push({ kind: 'ended', at: now, callId: call.callId, seatId: seat.seatId, talkMs: call.talkMs });
        schedule(now + cfg.wrapupMs, { kind: 'seat_back', seatId: seat.seatId });
        return;
      }
      case 'seat_back': {
        const seat = seats.get(ev.seatId)!;
        move(seat, 'ready', now);
        seat.callId = null;
        seat.idleSinceMs = now;
        return;
      }
      case 'tick':
        return;
    }
  };

  for (const c of cfg.calls) schedule(c.arriveMs, { kind: 'arrive', callId: c.callId });
  let now = 0;
  let handled = 0;
  while (agenda.length > 0) {
    if (++handled > MAX_EVENTS) throw new Error('simulator: too many events; is every seat refusing every call?');
    const { at, ev } = agenda.shift()!;
    now = at;
    handle(ev, now);
    pass(now);
  }
  return { log, perSeat, waiting: [...waiting], endMs: now };
}

/** Poisson arrivals (exponential gaps of mean `meanGapMs`) with talk times uniform in [talkMinMs, talkMaxMs]. */
export function poissonCalls(opts: { n: number; meanGapMs: number; talkMinMs: number; talkMaxMs: number; seed: number; priorities?: number[] }): SimCall[] {
  const random = rng(opts.seed);
  const out: SimCall[] = [];
  let t = 0;
  for (let i = 0; i < opts.n; i++) {
    t += Math.round(-Math.log(1 - random()) * opts.meanGapMs);
    const talkMs = opts.talkMinMs + Math.floor(random() * (opts.talkMaxMs - opts.talkMinMs + 1));
    const priority = opts.priorities ? opts.priorities[Math.floor(random() * opts.priorities.length)] : 5;
    out.push({ callId: `c-${String(i).padStart(4, '0')}`, arriveMs: t, priority, talkMs });
  }
  return out;
}
