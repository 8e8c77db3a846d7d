/**
 * The distribution rules, as fast-check properties over random scenarios run through the simulator
 * (which uses the distributor's selector): no seat offered two calls at once, no call offered to two
 * seats at once (except ring_all), (priority, arrival) order kept, ring-no-answer calls keep their
 * place, tiers open only after their wait, and every call is answered when a seat can take it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { QUEUE_STRATEGIES } from '../../../../control/src/queues/strategy.ts';
import { simulate, type SimCall, type SimConfig, type SimSeat } from './simulator.ts';
import { callOfferedTwice, queueOrderBroken, seatOfferedTwoCalls, tierOpenedEarly } from './invariants.ts';

const SKILLS = ['dialect-wu', 'english'];

const seatsArb = fc.uniqueArray(
  fc.record({ n: fc.integer({ min: 1, max: 9 }), tier: fc.integer({ min: 1, max: 3 }), skills: fc.subarray(SKILLS) }),
  { minLength: 1, maxLength: 6, selector: (s) => s.n },
).map((xs): SimSeat[] => xs.map((x) => ({ seatId: `s-${x.n}`, tier: x.tier, skills: x.skills })));

// gaps of 0 give calls arriving at the same millisecond; priorities 0 (most urgent) to 3
const callsArb = fc.array(
  fc.record({ gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40_000 })), priority: fc.integer({ min: 0, max: 3 }), talkMs: fc.integer({ min: 1_000, max: 90_000 }) }),
  { minLength: 1, maxLength: 40 },
).map((xs): SimCall[] => {
  let t = 0;
  return xs.map((x, i) => ({ callId: `c-${String(i).padStart(2, '0')}`, arriveMs: (t += x.gap), priority: x.priority, talkMs: x.talkMs }));
});

// tier 1 at once, tier 2 after a, tier 3 after a + b: opening times rise with the tier
const escalationArb = fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 30_000 }))
  .map(([a, b]) => [{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: a }, { tier: 3, afterMs: a + b }]);

const scenarioArb = fc.record({
  strategy: fc.constantFrom(...QUEUE_STRATEGIES),
  seats: seatsArb,
  calls: callsArb,
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  ringNoAnswerProb: fc.constantFrom(0, 0.1, 0.3, 0.5),
  tierEscalation: escalationArb,
  requiredSkills: fc.oneof(fc.constant([] as string[]), fc.subarray(SKILLS, { minLength: 1 })),
  skillsWaivedAfterMs: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 60_000 })),
}).map((s): SimConfig => ({ ...s, answerDelayMs: [500, 8_000], ringTimeoutMs: 10_000, wrapupMs: 3_000, awayMs: 20_000 }));

const RUNS = { numRuns: 300 };

test('rules-seat: no seat is offered a call while it rings, talks, wraps up or is not ready after a miss', () => {
  fc.assert(fc.property(scenarioArb, (cfg) => {
    assert.deepEqual(seatOfferedTwoCalls(simulate(cfg).log), []);
  }), RUNS);
});

test('rules-call: a call rings at one seat at a time (ring_all: all its seats in one offer) and is answered once', () => {
  fc.assert(fc.property(scenarioArb, (cfg) => {
    assert.deepEqual(callOfferedTwice(simulate(cfg).log, cfg.strategy === 'ring_all'), []);
  }), RUNS);
});

test('rules-order: no waiting call is passed by one of lower priority or, within a priority, by a later one (requeued calls keep their place)', () => {
  fc.assert(fc.property(scenarioArb, (cfg) => {
    const r = simulate(cfg);
    assert.deepEqual(queueOrderBroken(r.log), []);
    const requeued = r.log.filter((e) => e.kind === 'requeued').length;
    if (cfg.ringNoAnswerProb === 0) assert.equal(requeued, 0);
  }), RUNS);
});

test('rules-tiers: under tiers a seat of tier t is offered a call only after the call waited tier t\'s opening time', () => {
  fc.assert(fc.property(scenarioArb.map((c) => ({ ...c, strategy: 'tiers' as const })), (cfg) => {
    const tierOf = new Map(cfg.seats.map((s) => [s.seatId, s.tier ?? 1]));
    const opens = new Map(cfg.tierEscalation!.map((s) => [s.tier, s.afterMs]));
    const r = simulate(cfg);
    assert.deepEqual(tierOpenedEarly(r.log, (id) => tierOf.get(id)!, (t) => opens.get(t)!), []);
  }), RUNS);
});

test('rules-tiers-escalate: a call that tier 1 cannot take is offered to tier 2 when tier 2 opens, not later', () => {
  const cfg: SimConfig = {
    strategy: 'tiers', seed: 1, ringNoAnswerProb: 0, answerDelayMs: [1_000, 1_000], ringTimeoutMs: 10_000, wrapupMs: 3_000, awayMs: 20_000,
    seats: [{ seatId: 's-1', tier: 1 }, { seatId: 's-2', tier: 2 }],
    calls: [{ callId: 'c-1', arriveMs: 0, priority: 1, talkMs: 60_000 }, { callId: 'c-2', arriveMs: 1_000, priority: 1, talkMs: 60_000 }],
    tierEscalation: [{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: 15_000 }],
  };
  const offers = simulate(cfg).log.filter((e) => e.kind === 'offered');
  assert.deepEqual(offers.map((e) => [e.callId, e.seatIds, e.at]), [['c-1', ['s-1'], 0], ['c-2', ['s-2'], 16_000]]);
});

test('rules-liveness: every call is answered in the end unless it needs a skill no seat has and the need is never waived', () => {
  fc.assert(fc.property(scenarioArb, (cfg) => {
    const r = simulate(cfg);
    const someoneSkilled = cfg.seats.some((s) => cfg.requiredSkills!.every((k) => s.skills!.includes(k)));
    const answered = new Set(r.log.filter((e) => e.kind === 'answered').map((e) => e.callId));
    if (someoneSkilled || cfg.skillsWaivedAfterMs != null) {
      assert.deepEqual(r.waiting, []);
      assert.equal(answered.size, cfg.calls.length);
    } else {
      assert.equal(answered.size, 0, 'no seat has the skills: nobody may be offered the call');
      assert.equal(r.waiting.length, cfg.calls.length);
    }
  }), RUNS);
});
