/** The checks an alarm's fields pass before anything is written (alarms/alarm.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkAlarmInput, type AlarmInput } from '../../../control/src/alarms/alarm.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const fieldsOf = (input: AlarmInput): string[] => {
  try {
    checkAlarmInput(input);
    return [];
  } catch (e) {
    assert.ok(isCtiError(e, 'CTI_ALARM_INVALID'), String(e));
    return (e.details as { fields: string[] }).fields;
  }
};

test('a well-formed alarm passes; absent details become {}', () => {
  assert.deepEqual(checkAlarmInput({ type: 'recording_missing', level: 'critical', subject: 'c-1' }),
    { type: 'recording_missing', level: 'critical', subject: 'c-1', details: {} });
  assert.deepEqual(fieldsOf({ type: 'engine_down', level: 'warning', subject: null, details: { host: '127.0.0.1' } }), []);
});

test('each bad field is named', () => {
  assert.deepEqual(fieldsOf({ type: 'Recording Missing', level: 'critical', subject: 'x' }), ['type']);
  assert.deepEqual(fieldsOf({ type: 'a', level: 'fatal' as never, subject: 'x' }), ['level']);
  assert.deepEqual(fieldsOf({ type: 'a', level: 'info', subject: '' }), ['subject']);
  assert.deepEqual(fieldsOf({ type: 'a', level: 'info', subject: 'x'.repeat(257) }), ['subject']);
  assert.deepEqual(fieldsOf({ type: 'a', level: 'info', subject: null, details: [] as never }), ['details']);
  assert.deepEqual(fieldsOf({ type: 'a', level: 'info', subject: null, details: { blob: 'x'.repeat(17 * 1024) } }), ['details']);
  assert.deepEqual(fieldsOf({ type: '', level: 'loud' as never, subject: '', details: 'text' as never }), ['type', 'level', 'subject', 'details']);
});

test('type: snake_case starting with a letter, at most 64 characters', () => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (type) => {
    const ok = /^[a-z][a-z0-9_]{0,63}$/.test(type);
    assert.equal(fieldsOf({ type, level: 'info', subject: null }).includes('type'), !ok);
  }));
});

test('any small JSON object is accepted as details and returned unchanged', () => {
  fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }), (details) => {
    const out = checkAlarmInput({ type: 'x', level: 'info', subject: null, details });
    assert.equal(out.details, details);
  }));
});
