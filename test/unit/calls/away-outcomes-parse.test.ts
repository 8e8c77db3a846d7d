/** What Kamailio keeps while no control plane is connected (htables awa and awe), as the sync reads it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAwayOutcomes } from '../../../control/src/calls/flow/away-outcomes.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('an answer and a BYE kept for one Call-ID give the seat, its Contact and both times (ms from s and us)', () => {
  const out = parseAwayOutcomes(
    [{ name: 'abc@10.0.0.1 ', value: `1796670000|250999|${b64('ringall')}|${b64('<sip:seat1@10.0.0.9:5070;transport=udp>')}` }],
    [{ name: 'abc@10.0.0.1', value: '1796670012|5000|caller' }],
  );
  assert.deepEqual([...out.keys()], ['abc@10.0.0.1']);
  const o = out.get('abc@10.0.0.1');
  assert.equal(o?.answered?.seat, 'ringall');
  assert.equal(o?.answered?.contact, '<sip:seat1@10.0.0.9:5070;transport=udp>');
  assert.equal(o?.answered?.at.getTime(), 1796670000250);
  assert.deepEqual(o?.ended, { at: new Date(1796670012005), by: 'caller' });
});

test('a BYE alone (a call answered before the crash) is kept without an answer', () => {
  const out = parseAwayOutcomes([], [{ name: 'x', value: '1796670012|0|seat' }]);
  assert.equal(out.get('x')?.answered, undefined);
  assert.equal(out.get('x')?.ended?.by, 'seat');
});

test('malformed values are left out, not guessed', () => {
  const out = parseAwayOutcomes(
    [{ name: 'a', value: 'x|1|c2VhdA==|Yw==' }, { name: 'b', value: '17|1' }, { name: 'c', value: 42 }],
    [{ name: 'd', value: '1796670012|0|nobody' }, { name: 'e', value: '|0|caller' }],
  );
  assert.equal(out.size, 0);
});
