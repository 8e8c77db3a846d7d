/** Overflow settings (control/src/queues/overflow.ts) and which calls are due (control/src/acd/overflow.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueForOverflow, overflowHeaderValues, staffedSeats } from '../../../control/src/acd/overflow.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { checkOverflowSettings, overflowSettingsOf, targetKey, type OverflowSettings } from '../../../control/src/queues/overflow.ts';

const exists = async (id: string) => ['county-a', 'backup'].includes(id);

async function problems(overflow: unknown): Promise<string[]> {
  try {
    await checkOverflowSettings({ overflow }, 'city-main', exists);
    return [];
  } catch (e) {
    assert.ok(isCtiError(e, 'CTI_QUEUE_OVERFLOW_INVALID'), String(e));
    return (e.details as { overflow: string[] }).overflow;
  }
}

test('overflow-settings: valid documents pass, absent or null means no overflow', async () => {
  assert.deepEqual(await problems(undefined), []);
  assert.deepEqual(await problems(null), []);
  assert.deepEqual(await problems({ after_s: 20, target: { queue_id: 'county-a' } }), []);
  assert.deepEqual(await problems({ when_no_seat: true, target: { sip_uri: 'sip:120@10.2.0.5:5060' }, ring_timeout_s: 20 }), []);
  assert.deepEqual(await problems({ after_s: 0, when_no_seat: true, target: { sip_uri: 'sips:county@backup.example.cn;transport=tls' } }), []);
});

test('overflow-settings: every problem is named, with a coded error', async () => {
  assert.match((await problems({ target: { queue_id: 'county-a' } })).join(), /needs after_s, when_no_seat/);
  assert.match((await problems({ after_s: 5, target: { queue_id: 'city-main' } })).join(), /another queue/);
  assert.match((await problems({ after_s: 5, target: { queue_id: 'nope' } })).join(), /no queue "nope"/);
  assert.match((await problems({ after_s: 5, target: { sip_uri: 'sip:120@h\r\nX-Evil: 1' } })).join(), /SIP URI/);
  assert.match((await problems({ after_s: 5, target: { sip_uri: '<sip:120@h>' } })).join(), /SIP URI/);
  assert.match((await problems({ after_s: 5, target: { sip_uri: 'sip:a@h', queue_id: 'county-a' } })).join(), /exactly one/);
  assert.match((await problems({ after_s: 1.5, target: { queue_id: 'county-a' } })).join(), /after_s must be an integer/);
  assert.match((await problems({ after_s: 5, when_no_seat: 1, target: { queue_id: 'county-a' } })).join(), /when_no_seat must be true or false/);
  assert.match((await problems({ after_s: 5, ring_timeout_s: 2, target: { queue_id: 'county-a' } })).join(), /ring_timeout_s/);
  assert.match((await problems({ after_s: 5, target: { queue_id: 'county-a' }, colour: 'red' })).join(), /overflow.colour is not a known field/);
  assert.match((await problems([1])).join(), /must be an object/);
  assert.ok((await problems({ after_s: -1, when_no_seat: 'x', target: {} })).length >= 3, 'all problems at once');
});

test('overflow-settings: read leniently, an unusable document reads as no overflow', () => {
  assert.equal(overflowSettingsOf({}), undefined);
  assert.equal(overflowSettingsOf({ overflow: { after_s: 5, target: { sip_uri: 'not a uri' } } }), undefined);
  assert.equal(overflowSettingsOf({ overflow: { target: { queue_id: 'county-a' } } }), undefined);
  assert.deepEqual(overflowSettingsOf({ overflow: { after_s: 5, target: { queue_id: 'county-a' } } }),
    { afterMs: 5000, whenNoSeat: false, target: { kind: 'queue', queueId: 'county-a' }, ringTimeoutMs: 30_000 });
  assert.deepEqual(overflowSettingsOf({ overflow: { when_no_seat: true, ring_timeout_s: 12, target: { sip_uri: 'sip:120@10.0.0.9' } } }),
    { afterMs: null, whenNoSeat: true, target: { kind: 'sip', uri: 'sip:120@10.0.0.9' }, ringTimeoutMs: 12_000 });
});

const toCounty: OverflowSettings = { afterMs: 20_000, whenNoSeat: true, target: { kind: 'sip', uri: 'sip:120@10.0.0.9' }, ringTimeoutMs: 30_000 };

test('overflow-due: after the wait in this queue, or every call at once when no seat is logged in', () => {
  const calls = [
    { sipCallId: 'old', enteredMs: 0, tried: [] },
    { sipCallId: 'new', enteredMs: 15_000, tried: [] },
  ];
  assert.deepEqual(dueForOverflow(toCounty, calls, 2, 25_000), [{ sipCallId: 'old', reason: 'wait', waitedMs: 25_000 }]);
  assert.deepEqual(dueForOverflow(toCounty, calls, 0, 25_000).map((d) => [d.sipCallId, d.reason]), [['old', 'no_seat'], ['new', 'no_seat']]);
  assert.deepEqual(dueForOverflow({ ...toCounty, whenNoSeat: false }, calls, 0, 16_000), [], 'when_no_seat off: only the wait counts');
  assert.deepEqual(dueForOverflow({ ...toCounty, afterMs: null }, calls, 1, 99_000), [], 'no wait rule: only the no-seat rule');
});

test('overflow-due: a target the call already tried (a centre that failed it, a queue it was in) is never chosen again', () => {
  const tried = [targetKey(toCounty.target)];
  assert.deepEqual(dueForOverflow(toCounty, [{ sipCallId: 'back', enteredMs: 0, tried }], 0, 60_000), []);
  const toQueue: OverflowSettings = { ...toCounty, target: { kind: 'queue', queueId: 'city-main' } };
  assert.deepEqual(dueForOverflow(toQueue, [{ sipCallId: 'moved', enteredMs: 0, tried: ['queue:city-main'] }], 0, 60_000), [], 'no ping-pong between queues');
});

test('overflow-due: staffed seats are the logged-in members of the queue', () => {
  const seats = [
    { state: 'not_ready', queues: ['city-main'] },
    { state: 'logged_out', queues: ['city-main'] },
    { state: 'ready', queues: ['county-a'] },
  ];
  assert.equal(staffedSeats(seats, 'city-main'), 1);
  assert.equal(staffedSeats(seats, 'backup'), 0);
});

test('overflow-headers: X-CTI values are tokens, whatever the caller sent', () => {
  const v = overflowHeaderValues({ id: '6f1c2a4e-0b5e', callerNumber: '138 0013\r\nX-Evil: 1', queuedMs: 1_000, centreId: 'city', priority: 3 }, 4_500);
  assert.deepEqual(v, { call_id: '6f1c2a4e-0b5e', original_caller: '1380013X-Evil1', queue_ms: '3500', origin_centre: 'city', priority: '3' });
  assert.equal(overflowHeaderValues({ id: 'x', callerNumber: '', queuedMs: 0, centreId: '', priority: 0 }, 0).original_caller, 'anonymous');
});
