/** Seat selection per queue strategy (control/src/acd/strategies): one seat, or every eligible seat for ring_all. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pickLongestIdle } from '../../../../control/src/acd/selector.ts';
import { selectSeats, tierOpensAfterMs, nextOpeningMs, type StrategyCandidate, type StrategyContext } from '../../../../control/src/acd/strategies/index.ts';
import { QUEUE_STRATEGIES } from '../../../../control/src/queues/strategy.ts';

const Q = 'city-main';

function seat(seatId: string, over: Partial<StrategyCandidate> = {}): StrategyCandidate {
  return { seatId, sipUser: seatId.replace('-', ''), state: 'ready', registered: true, queues: [Q], idleSinceMs: 1_000, callsToday: 0, ...over };
}
const ctx = (over: Partial<StrategyContext> = {}): StrategyContext => ({ queueId: Q, waitedMs: 0, ...over });
const ids = (xs: StrategyCandidate[]): string[] => xs.map((s) => s.seatId);

test('strategy-longest-idle: the seat idle longest; ties by fewest calls, then id', () => {
  const seats = [seat('s-3', { idleSinceMs: 5 }), seat('s-2', { idleSinceMs: 2, callsToday: 4 }), seat('s-1', { idleSinceMs: 2, callsToday: 4 }), seat('s-4', { idleSinceMs: 2, callsToday: 9 })];
  assert.deepEqual(ids(selectSeats('longest_idle', seats, ctx())), ['s-1']);
});

test('strategy-fewest-calls: the seat with fewest calls today; ties to the one idle longest, then id', () => {
  const seats = [seat('s-1', { callsToday: 7, idleSinceMs: 1 }), seat('s-2', { callsToday: 3, idleSinceMs: 900 }), seat('s-3', { callsToday: 3, idleSinceMs: 500 })];
  assert.deepEqual(ids(selectSeats('fewest_calls', seats, ctx())), ['s-3']);
  assert.deepEqual(ids(selectSeats('fewest_calls', [seat('s-b', { callsToday: 1 }), seat('s-a', { callsToday: 1 })], ctx())), ['s-a']);
});

test('strategy-round-robin: the next seat by id after the one offered last, wrapping round, skipping busy seats', () => {
  const seats = [seat('s-1'), seat('s-2', { state: 'talking' }), seat('s-3'), seat('s-4')];
  assert.deepEqual(ids(selectSeats('round_robin', seats, ctx())), ['s-1'], 'no cursor: the first');
  assert.deepEqual(ids(selectSeats('round_robin', seats, ctx({ lastOfferedSeatId: 's-1' }))), ['s-3'], 's-2 is busy');
  assert.deepEqual(ids(selectSeats('round_robin', seats, ctx({ lastOfferedSeatId: 's-4' }))), ['s-1'], 'wraps round');
  assert.deepEqual(ids(selectSeats('round_robin', seats, ctx({ lastOfferedSeatId: 's-0-gone' }))), ['s-1'], 'a cursor seat that is gone');
  // a full cycle visits every ready seat once
  const order: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 6; i++) order.push((cursor = selectSeats('round_robin', seats, ctx({ lastOfferedSeatId: cursor }))[0].seatId));
  assert.deepEqual(order, ['s-1', 's-3', 's-4', 's-1', 's-3', 's-4']);
});

test('strategy-ring-all: every eligible seat, longest idle first; none when none is ready', () => {
  const seats = [seat('s-1', { idleSinceMs: 30 }), seat('s-2', { state: 'wrap_up' }), seat('s-3', { idleSinceMs: 10 }), seat('s-4', { registered: false }), seat('s-5', { queues: ['other'] })];
  assert.deepEqual(ids(selectSeats('ring_all', seats, ctx())), ['s-3', 's-1']);
  assert.deepEqual(selectSeats('ring_all', [seat('s-2', { state: 'reserved' })], ctx()), []);
});

test('strategy-tiers: tier 1 first; tier 2 only after its wait, and then only when tier 1 has no ready seat', () => {
  const escalation = [{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: 15_000 }];
  const t1busy = seat('s-1', { tier: 1, state: 'talking' });
  const t1 = seat('s-1', { tier: 1, idleSinceMs: 900 });
  const t2 = seat('s-2', { tier: 2, idleSinceMs: 1 });
  assert.deepEqual(ids(selectSeats('tiers', [t1busy, t2], ctx({ waitedMs: 14_999, tierEscalation: escalation }))), [], 'tier 2 not open yet');
  assert.deepEqual(ids(selectSeats('tiers', [t1busy, t2], ctx({ waitedMs: 15_000, tierEscalation: escalation }))), ['s-2'], 'tier 2 open at 15 s');
  assert.deepEqual(ids(selectSeats('tiers', [t1, t2], ctx({ waitedMs: 60_000, tierEscalation: escalation }))), ['s-1'], 'tier 1 still preferred');
  assert.deepEqual(ids(selectSeats('tiers', [seat('s-9'), t2], ctx({ tierEscalation: escalation }))), ['s-9'], 'no tier given: tier 1');
  assert.deepEqual(ids(selectSeats('tiers', [t1busy, t2], ctx())), ['s-2'], 'no escalation: every tier open, lower first');
});

test('strategy-tiers-unlisted: a tier not listed opens with the nearest listed tier below it, never before a lower tier', () => {
  const escalation = [{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: 20_000 }, { tier: 4, afterMs: 10_000 }];
  assert.equal(tierOpensAfterMs(1, escalation), 0);
  assert.equal(tierOpensAfterMs(3, escalation), 20_000);
  assert.equal(tierOpensAfterMs(4, escalation), 20_000, 'listed earlier than tier 2: opens with tier 2');
  assert.equal(nextOpeningMs(5_000, escalation), 10_000);
  assert.equal(nextOpeningMs(25_000, escalation), undefined);
  assert.equal(nextOpeningMs(25_000, escalation, 30_000), 30_000, 'the skills waiver is an opening too');
});

test('strategy-skills: while required, only seats with every skill; after the waiver any seat', () => {
  const wu = seat('s-wu', { skills: ['dialect-wu', 'english'], idleSinceMs: 500 });
  const plain = seat('s-plain', { idleSinceMs: 1 });
  const need = { requiredSkills: ['dialect-wu'], skillsWaivedAfterMs: 30_000 };
  for (const strategy of QUEUE_STRATEGIES) {
    assert.deepEqual(ids(selectSeats(strategy, [wu, plain], ctx({ ...need, waitedMs: 29_999 }))), ['s-wu'], strategy);
    assert.deepEqual(ids(selectSeats(strategy, [plain], ctx({ requiredSkills: ['dialect-wu'], waitedMs: 10 ** 9 }))), [], `${strategy}: never waived`);
  }
  assert.deepEqual(ids(selectSeats('longest_idle', [wu, plain], ctx({ ...need, waitedMs: 30_000 }))), ['s-plain'], 'waived: longest idle again');
  assert.deepEqual(ids(selectSeats('ring_all', [wu, plain], ctx({ ...need, waitedMs: 30_000 }))), ['s-plain', 's-wu']);
});

test('strategy-exclude-and-unknown: seats tried in this pass are skipped; an unknown strategy selects as longest_idle', () => {
  const seats = [seat('s-1', { idleSinceMs: 1 }), seat('s-2', { idleSinceMs: 2 })];
  for (const strategy of QUEUE_STRATEGIES) {
    assert.ok(!ids(selectSeats(strategy, seats, ctx({ exclude: new Set(['s-1']) }))).includes('s-1'), strategy);
  }
  assert.deepEqual(ids(selectSeats('newest_fancy', seats, ctx())), ['s-1']);
});

const candidateArb = fc.record({
  n: fc.integer({ min: 0, max: 20 }),
  state: fc.constantFrom('ready', 'ready', 'ready', 'reserved', 'talking', 'wrap_up', 'not_ready'),
  registered: fc.boolean(),
  member: fc.boolean(),
  idleSinceMs: fc.integer({ min: 0, max: 50 }),
  callsToday: fc.integer({ min: 0, max: 5 }),
  tier: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  skills: fc.subarray(['dialect-wu', 'english']),
}).map((c) => seat(`s-${String(c.n).padStart(2, '0')}`, { state: c.state, registered: c.registered, queues: c.member ? [Q] : ['other'], idleSinceMs: c.idleSinceMs, callsToday: c.callsToday, tier: c.tier, skills: c.skills }));
const candidatesArb = fc.uniqueArray(candidateArb, { maxLength: 12, selector: (s) => s.seatId });
const ctxArb = fc.record({
  waitedMs: fc.integer({ min: 0, max: 60_000 }),
  lastOfferedSeatId: fc.option(fc.integer({ min: 0, max: 20 }).map((n) => `s-${String(n).padStart(2, '0')}`), { nil: null }),
  requiredSkills: fc.subarray(['dialect-wu', 'english']),
  tierEscalation: fc.constant([{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: 15_000 }, { tier: 3, afterMs: 40_000 }]),
}).map((c): StrategyContext => ({ queueId: Q, ...c }));

test('strategy-property: only eligible seats, at most one (ring_all: exactly the eligible ones), whatever the input order', () => {
  fc.assert(fc.property(fc.constantFrom(...QUEUE_STRATEGIES), candidatesArb, ctxArb, (strategy, candidates, c) => {
    const picked = selectSeats(strategy, candidates, c);
    const ok = (s: StrategyCandidate): boolean => s.state === 'ready' && s.registered && s.queues.includes(Q)
      && c.requiredSkills!.every((k) => (s.skills ?? []).includes(k));
    for (const s of picked) assert.ok(ok(s), `${strategy} picked ${s.seatId}`);
    if (strategy === 'ring_all') assert.deepEqual(new Set(ids(picked)), new Set(ids(candidates.filter(ok))));
    else assert.ok(picked.length <= 1);
    if (strategy !== 'tiers' && candidates.some(ok)) assert.ok(picked.length >= 1, 'a seat is free: one is chosen');
    assert.deepEqual(ids(selectSeats(strategy, [...candidates].reverse(), c)), ids(picked), 'ties resolved by id, not by input order');
  }), { numRuns: 500 });
});

test('strategy-property-default: with no skills required, longest_idle picks what selector.ts pickLongestIdle picks', () => {
  fc.assert(fc.property(candidatesArb, (candidates) => {
    assert.equal(selectSeats('longest_idle', candidates, ctx())[0]?.seatId, pickLongestIdle(candidates, Q)?.seatId);
  }), { numRuns: 300 });
});
