import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkForm, gradeOf, type FormDefinition } from '../../../control/src/qa/form.ts';
import { objectiveValue, score } from '../../../control/src/qa/scoring.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const form: FormDefinition = {
  grades: { excellent: 90, good: 80, fair: 60 },
  items: [
    { key: 'ring', label: '振铃时间', kind: 'objective', weight: 10, min: 0, max: 10, metric: 'ring_s', bands: [{ up_to_s: 3, value: 10 }, { up_to_s: 6, value: 6 }, { up_to_s: 10, value: 2 }], otherwise: 0 },
    { key: 'answer', label: '受理时间', kind: 'objective', weight: 10, min: 0, max: 10, metric: 'answer_s', bands: [{ up_to_s: 10, value: 10 }, { up_to_s: 20, value: 5 }] },
    { key: 'info', label: '信息填报质量', kind: 'subjective', weight: 40, min: 0, max: 5 },
    { key: 'manner', label: '语气态度', kind: 'subjective', weight: 40, min: 0, max: 5 },
  ],
};

test('grade thresholds: 优 at or above excellent, 良 at good, 中 at fair, 差 below', () => {
  const g = { excellent: 90, good: 80, fair: 60 };
  assert.equal(gradeOf(100, g), '优');
  assert.equal(gradeOf(90, g), '优');
  assert.equal(gradeOf(89.99, g), '良');
  assert.equal(gradeOf(80, g), '良');
  assert.equal(gradeOf(79.99, g), '中');
  assert.equal(gradeOf(60, g), '中');
  assert.equal(gradeOf(59.99, g), '差');
  assert.equal(gradeOf(0, g), '差');
  assert.equal(gradeOf(70, { excellent: 70, good: 70, fair: 70 }), '优');
});

test('objective items take the first band the measured seconds fit, else otherwise (or min)', () => {
  const ring = form.items[0];
  assert.equal(objectiveValue(ring, 0), 10);
  assert.equal(objectiveValue(ring, 3), 10);
  assert.equal(objectiveValue(ring, 3.01), 6);
  assert.equal(objectiveValue(ring, 10), 2);
  assert.equal(objectiveValue(ring, 10.5), 0);
  assert.equal(objectiveValue(form.items[1], 30), 0, 'no otherwise: the scale minimum');
  assert.equal(objectiveValue(ring, null), null);
});

test('a review: objective items from the timings, weights, score and grade', () => {
  // ring 3 s (10/10), answer 14 s (5/10), info 4/5, manner 5/5
  const s = score(form, { ring_ms: 3000, answer_ms: 14_000, queue_ms: 13_500, talk_ms: 60_000 }, [{ key: 'info', value: 4 }, { key: 'manner', value: 5, note: '态度好' }], true);
  assert.deepEqual(s.answers.map((a) => [a.key, a.value, a.points, a.auto]), [['ring', 10, 10, true], ['answer', 5, 5, true], ['info', 4, 32, false], ['manner', 5, 40, false]]);
  assert.equal(s.answers[0].measured_s, 3);
  assert.equal(s.answers[1].measured_s, 14);
  assert.equal(s.score, 87);
  assert.equal(s.grade, '良');
  assert.equal(s.complete, true);
});

test('bad answers are refused with every problem named; a draft may leave subjective items open', () => {
  const t = { ring_ms: 1000, answer_ms: 1000, queue_ms: 0, talk_ms: 1000 };
  assert.throws(() => score(form, t, [{ key: 'info', value: 6 }, { key: 'ring', value: 1 }, { key: 'nope', value: 1 }], false), (e) => {
    assert.ok(isCtiError(e, 'CTI_QA_ANSWER_INVALID'));
    assert.equal((e.details as { problems: string[] }).problems.length, 3);
    return true;
  });
  assert.throws(() => score(form, t, [{ key: 'info', value: 3 }], true), (e) => isCtiError(e, 'CTI_QA_ANSWER_INVALID'));
  const draft = score(form, t, [{ key: 'info', value: 5 }], false);
  assert.equal(draft.complete, false);
  assert.equal(draft.score, 60);
});

test('form consistency: duplicate keys, bad scales, bands out of scale, thresholds out of order', () => {
  assert.doesNotThrow(() => checkForm(form));
  assert.throws(() => checkForm({
    grades: { excellent: 50, good: 80, fair: 60 },
    items: [
      { key: 'a', label: 'a', kind: 'subjective', weight: 0, min: 5, max: 5 },
      { key: 'a', label: 'b', kind: 'objective', weight: 1, min: 0, max: 5, metric: 'ring_s', bands: [{ up_to_s: 5, value: 9 }, { up_to_s: 2, value: 1 }] },
    ],
  }), (e) => {
    assert.ok(isCtiError(e, 'CTI_QA_FORM_INVALID'));
    assert.equal((e.details as { problems: string[] }).problems.length, 6);
    return true;
  });
});
