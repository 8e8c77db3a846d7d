/** The INVITE transaction's branch budget (control/src/acd/branches.ts): ring_all caps and the fail-open reserve. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { branchesLeft, branchesUsed, FAILOPEN_RESERVE, MAX_BRANCHES, MAX_RING_ALL_SEATS, seatsWithinBudget } from '../../../control/src/acd/branches.ts';

test('branch-budget: the suspension, two per offer, plus extras', () => {
  assert.equal(branchesUsed(0, 0), 1);
  assert.equal(branchesUsed(3, 4), 11);
  assert.equal(branchesLeft(0, 0), MAX_BRANCHES - FAILOPEN_RESERVE - 1);
});

test('branch-budget: twelve one-seat offers use the budget up exactly (as MAX_OFFERS did)', () => {
  assert.equal(branchesLeft(12, 0), 0);
  assert.ok(branchesLeft(11, 0) >= 2);
});

test('branch-budget: a ring_all offer takes seats in order while their contacts and the re-suspension fit', () => {
  const seats = ['a', 'b', 'c', 'd'];
  const contacts: Record<string, number> = { a: 1, b: 2, c: 1, d: 1 };
  assert.deepEqual(seatsWithinBudget(seats, (s) => contacts[s], 5), ['a', 'b', 'c'], '1 + 1 + 2 + 1 = 5');
  assert.deepEqual(seatsWithinBudget(seats, (s) => contacts[s], 4), ['a', 'b']);
  assert.deepEqual(seatsWithinBudget(seats, (s) => contacts[s], 1), [], 'not even one seat fits');
});

test('branch-budget: at most MAX_RING_ALL_SEATS seats, and a seat with no known contact counts one', () => {
  const many = Array.from({ length: 40 }, (_, i) => `s${i}`);
  assert.equal(seatsWithinBudget(many, () => 1, 100).length, MAX_RING_ALL_SEATS);
  assert.deepEqual(seatsWithinBudget(['x', 'y'], () => 0, 3), ['x', 'y']);
});

test('branch-budget (property): whatever the history, an offer never eats into the fail-open reserve', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 20 }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }),
    (attempts, extra, contacts) => {
      const left = branchesLeft(attempts, extra);
      const picked = seatsWithinBudget(contacts.map((c, i) => ({ i, c })), (s) => s.c, left);
      const cost = picked.length === 0 ? 0 : 1 + picked.reduce((n, s) => n + Math.max(1, s.c), 0);
      assert.ok(branchesUsed(attempts, extra) + cost <= MAX_BRANCHES - FAILOPEN_RESERVE || picked.length === 0);
      assert.ok(picked.length <= MAX_RING_ALL_SEATS);
    }));
});
