/** Screening lists (control/src/screening/match.ts, numbers.ts): which entry applies to a caller number. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bestMatch, candidateFields, entryField, type ListEntry } from '../../../control/src/screening/match.ts';
import { normaliseNumber } from '../../../control/src/screening/numbers.ts';

let seq = 0;
function entry(list: ListEntry['list'], match: ListEntry['match'], number: string, expiresMs: number | null = null): ListEntry {
  return { id: `e${++seq}-${list}-${match}-${number}`, list, match, number, reason: 'test', expiresMs };
}
const NOW = 1_800_000_000_000;

test('screening-match-longest-prefix: the longest matching prefix wins, whatever its list', () => {
  const es = [entry('block', 'prefix', '138'), entry('watch', 'prefix', '13800'), entry('allow', 'prefix', '1')];
  assert.equal(bestMatch(es, '13800138000', NOW)?.number, '13800');
  assert.equal(bestMatch(es, '13812345678', NOW)?.list, 'block');
  assert.equal(bestMatch(es, '15000000000', NOW)?.list, 'allow');
  assert.equal(bestMatch(es, '20000000000', NOW), undefined);
});

test('screening-match-exact-beats-prefix: at equal length the exact entry wins; an exact entry matches only the whole number', () => {
  const es = [entry('allow', 'prefix', '13800138000'), entry('block', 'exact', '13800138000')];
  assert.equal(bestMatch(es, '13800138000', NOW)?.match, 'exact');
  assert.equal(bestMatch([entry('block', 'exact', '1380013800')], '13800138000', NOW), undefined);
});

test('screening-match-allow-beats-block: at equal length and kind, allow wins over block, block over watch', () => {
  assert.equal(bestMatch([entry('block', 'exact', '110'), entry('allow', 'exact', '110')], '110', NOW)?.list, 'allow');
  assert.equal(bestMatch([entry('watch', 'prefix', '0755'), entry('block', 'prefix', '0755')], '075512345678', NOW)?.list, 'block');
});

test('screening-match-expired-ignored: an expired entry never matches; the next one applies', () => {
  const es = [entry('block', 'exact', '13800138000', NOW), entry('watch', 'prefix', '138', NOW + 1)];
  assert.equal(bestMatch(es, '13800138000', NOW)?.list, 'watch', 'expiry is exclusive: expired at NOW');
  assert.equal(bestMatch(es, '13800138000', NOW - 1)?.list, 'block');
  assert.equal(bestMatch(es, '13800138000', NOW + 1), undefined);
});

test('screening-match-order-independent: the result does not depend on the order of the entries', () => {
  const lists = ['block', 'watch', 'allow'] as const;
  const arb = fc.array(fc.record({ list: fc.constantFrom(...lists), match: fc.constantFrom('exact' as const, 'prefix' as const), len: fc.integer({ min: 1, max: 11 }) }), { maxLength: 12 });
  fc.assert(fc.property(arb, (specs) => {
    const number = '13800138000';
    const es = specs.map((s) => entry(s.list, s.match, number.slice(0, s.match === 'exact' ? 11 : s.len)));
    const a = bestMatch(es, number, NOW);
    const b = bestMatch([...es].reverse(), number, NOW);
    assert.equal(a?.list, b?.list);
    assert.equal(a?.number, b?.number);
    assert.equal(a?.match, b?.match);
  }));
});

test('screening-candidate-fields: every field a matching entry can live in is asked for, and only those', () => {
  const fields = new Set(candidateFields('1380'));
  assert.equal(fields.size, 3 * 5);
  for (const list of ['block', 'watch', 'allow'] as const) {
    assert.ok(fields.has(entryField(list, 'exact', '1380')));
    for (const p of ['1', '13', '138', '1380']) assert.ok(fields.has(entryField(list, 'prefix', p)));
  }
  assert.ok(!fields.has(entryField('block', 'exact', '138')));
});

test('screening-number-normalised: +86, 0086, spaces and a trunk 0 before a mobile are removed; area codes keep their 0', () => {
  assert.equal(normaliseNumber('+86 138-0013-8000'), '13800138000');
  assert.equal(normaliseNumber('008613800138000'), '13800138000');
  assert.equal(normaliseNumber('8613800138000'), '13800138000');
  assert.equal(normaliseNumber('013800138000'), '13800138000');
  assert.equal(normaliseNumber('01012345678'), '01012345678');
  assert.equal(normaliseNumber('075512345678'), '075512345678');
  assert.equal(normaliseNumber('120'), '120');
  assert.equal(normaliseNumber('anonymous'), '');
  assert.equal(normaliseNumber(null), '');
});
