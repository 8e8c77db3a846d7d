/**
 * "Evenly by seat state" (the tender): a few hundred simulated calls over equal seats under
 * longest_idle spread evenly. The measures:
 *   calls      max - min calls answered per seat;
 *   talk time  coefficient of variation (population sd / mean) of the talk time per seat.
 *
 * Why these bounds. With equal talk times longest idle is a rotation, so counts differ by at most
 * 2 (a rotation cut off mid-round, and two seats freed at the same instant); a seat that lets a call
 * ring out is not ready for a while and loses about one turn per miss. With random talk times counts
 * cannot be equal AND talk time even: longest idle evens the busy time, so a seat that drew long calls
 * takes fewer. If each of k seats took exactly n/k calls of independent length with coefficient of
 * variation c, the talk-time CV across seats would be about c / sqrt(n/k); uniform 60-240 s has
 * c = 0.35 and 300 calls over 6 seats give 0.049. We require at most 0.08, i.e. no worse than that
 * ideal split plus a margin for the sampling noise of 6 seats; the counts then differ by about
 * c * sqrt(n/k) * 2.5 = 6 calls (12 % of the mean), and we allow 25 %. A hunt group (always the
 * first free seat by id), run on the same calls, breaks the talk-time bound at light load: the
 * measure tells fair from unfair.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { selectSeats, StrategyCandidate } from '../../../../control/src/acd/strategies/index.ts';
import { poissonCalls, simulate, type SimConfig } from './simulator.ts';
import { callOfferedTwice, queueOrderBroken, seatOfferedTwoCalls, spread } from './invariants.ts';

const SEATS = Array.from({ length: 6 }, (_, i) => ({ seatId: `s-${i + 1}` }));
const TALK_CV_BOUND = 0.08;
const CALLS_RANGE_SHARE_BOUND = 0.25;

function base(seed: number): Omit<SimConfig, 'calls' | 'strategy'> {
  return { seats: SEATS, seed, ringNoAnswerProb: 0, answerDelayMs: [1_000, 6_000], ringTimeoutMs: 10_000, wrapupMs: 5_000, awayMs: 30_000 };
}

/** The unfair peer: the first ready seat in id order, whatever its state history. */
const huntGroup: typeof selectSeats = (_strategy, candidates: readonly StrategyCandidate[]) => {
  const ready = candidates.filter((s) => s.state === 'ready').sort((a, b) => (a.seatId < b.seatId ? -1 : 1));
  return ready.slice(0, 1);
};

// mean gap 25 s: about 90 % of the seats' time busy (calls queue); 40 s: about 60 % (seats wait for calls)
const LOADS = [25_000, 40_000];
const SEEDS = [1, 2, 3, 4, 5];

test('fairness-equal-talk: 300 calls of equal length over 6 equal seats, calls per seat differ by at most 2', () => {
  for (const meanGapMs of LOADS) {
    for (const seed of SEEDS) {
      const calls = poissonCalls({ n: 300, meanGapMs, talkMinMs: 120_000, talkMaxMs: 120_000, seed });
      const r = simulate({ ...base(seed), strategy: 'longest_idle', calls });
      const s = spread(r);
      assert.equal(r.waiting.length, 0);
      assert.ok(s.callsRange <= 2, `gap ${meanGapMs} seed ${seed}: calls per seat ${s.calls.join(', ')}`);
    }
  }
});

test('fairness-ring-no-answer: with 5 % of offers ringing out, a seat loses at most one turn per missed offer', () => {
  for (const meanGapMs of LOADS) {
    for (const seed of SEEDS) {
      const calls = poissonCalls({ n: 300, meanGapMs, talkMinMs: 120_000, talkMaxMs: 120_000, seed });
      const r = simulate({ ...base(seed), ringNoAnswerProb: 0.05, strategy: 'longest_idle', calls });
      const s = spread(r);
      const maxMissed = Math.max(...[...r.perSeat.values()].map((t) => t.missed));
      assert.equal(r.waiting.length, 0);
      assert.ok(s.callsRange <= 2 + maxMissed, `gap ${meanGapMs} seed ${seed}: calls ${s.calls.join(', ')}, at most ${maxMissed} missed`);
    }
  }
});

test('fairness-random-talk: talk time CV per seat <= 0.08 and calls max-min <= 25 % of the mean; a hunt group fails it', () => {
  for (const meanGapMs of LOADS) {
    for (const seed of SEEDS) {
      const calls = poissonCalls({ n: 300, meanGapMs, talkMinMs: 60_000, talkMaxMs: 240_000, seed });
      const r = simulate({ ...base(seed), ringNoAnswerProb: 0.05, strategy: 'longest_idle', calls });
      const s = spread(r);
      const where = `gap ${meanGapMs} seed ${seed}: calls ${s.calls.join(', ')}, talk CV ${s.talkCv.toFixed(3)}`;
      assert.equal(r.waiting.length, 0);
      assert.ok(s.talkCv <= TALK_CV_BOUND, where);
      assert.ok(s.callsRange <= CALLS_RANGE_SHARE_BOUND * s.callsMean, where);
      if (meanGapMs === 40_000) {
        const peer = spread(simulate({ ...base(seed), ringNoAnswerProb: 0.05, strategy: 'longest_idle', calls, select: huntGroup }));
        assert.ok(peer.talkCv > TALK_CV_BOUND, `the hunt group should be uneven at light load (${where}; hunt CV ${peer.talkCv.toFixed(3)})`);
      }
    }
  }
});

test('fairness-property: any seed, 4-8 equal seats, light to heavy load, 400 calls: talk time spread within 2 x the ideal split', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 4, max: 8 }), fc.double({ min: 0.5, max: 1.0, noNaN: true }),
    (seed, k, load) => {
      const meanTalkMs = 150_000;
      const seats = Array.from({ length: k }, (_, i) => ({ seatId: `s-${i + 1}` }));
      const calls = poissonCalls({ n: 400, meanGapMs: Math.round(meanTalkMs / (k * load)), talkMinMs: 60_000, talkMaxMs: 240_000, seed });
      const r = simulate({ ...base(seed), seats, ringNoAnswerProb: 0.05, strategy: 'longest_idle', calls });
      const s = spread(r);
      const ideal = 0.35 / Math.sqrt(400 / k);
      assert.equal(seatOfferedTwoCalls(r.log).length, 0);
      assert.equal(callOfferedTwice(r.log, false).length, 0);
      assert.equal(queueOrderBroken(r.log).length, 0);
      assert.ok(s.talkCv <= 2 * ideal, `k ${k} load ${load.toFixed(2)}: talk CV ${s.talkCv.toFixed(3)} > ${(2 * ideal).toFixed(3)}; calls ${s.calls.join(', ')}`);
    },
  ), { numRuns: 25 });
});
