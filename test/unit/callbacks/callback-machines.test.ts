/** The callback state machines (control/src/callbacks/machine.ts) and Kamailio's callback events (events.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertItemAction, assertMayChange, canOutbound, failureReason, ITEM_TRANSITIONS, OUTBOUND_TRANSITIONS,
  type ItemAction, type ItemStatus, type OutboundState,
} from '../../../control/src/callbacks/machine.ts';
import { decodeEngineEvent } from '../../../control/src/engine/kamailio/events.ts';
import { CtiError } from '../../../control/src/errors/catalogue.ts';

const STATUSES: ItemStatus[] = ['open', 'claimed', 'done'];
const ACTIONS: ItemAction[] = ['claim', 'release', 'reassign', 'close'];
// written from the issue: open -> claimed -> closed; claims are exclusive and can be released; supervisors reassign/close
const ALLOWED = new Set(['open:claim', 'claimed:release', 'open:reassign', 'claimed:reassign', 'open:close', 'claimed:close']);

function codeOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof CtiError, `a coded error, got ${String(e)}`);
    return e.code;
  }
}

test('item-actions-every-pair: each action is allowed from exactly its states, with a coded error otherwise', () => {
  for (const status of STATUSES) {
    for (const action of ACTIONS) {
      const item = { id: '7', status, claimed_by: status === 'claimed' ? 'u-other' : null, outcome: status === 'done' ? 'reached' : null };
      const code = codeOf(() => assertItemAction(item, action, 'u-me'));
      if (ALLOWED.has(`${status}:${action}`)) assert.equal(code, undefined, `${status} ${action}`);
      else assert.ok(code?.startsWith('CTI_CALLBACK_'), `${status} ${action} refused with ${code}`);
    }
  }
  assert.deepEqual(Object.keys(ITEM_TRANSITIONS).sort(), [...ACTIONS].sort());
});

test('claim-exclusive: claiming an item someone holds is CTI_CALLBACK_ALREADY_CLAIMED; a closed item is CTI_CALLBACK_CLOSED', () => {
  assert.equal(codeOf(() => assertItemAction({ id: '1', status: 'claimed', claimed_by: 'u-a', outcome: null }, 'claim', 'u-b')), 'CTI_CALLBACK_ALREADY_CLAIMED');
  assert.equal(codeOf(() => assertItemAction({ id: '1', status: 'done', claimed_by: null, outcome: 'called_again' }, 'claim', 'u-b')), 'CTI_CALLBACK_CLOSED');
  assert.equal(codeOf(() => assertItemAction({ id: '1', status: 'open', claimed_by: null, outcome: null }, 'release', 'u-b')), 'CTI_CALLBACK_NOT_CLAIMED');
});

test('may-change: a dispatcher changes only what they hold; a supervisor any item', () => {
  const held = { id: '1', status: 'claimed' as const, claimed_by: 'u-a', outcome: null };
  assert.equal(codeOf(() => assertMayChange(held, 'u-a', false)), undefined);
  assert.equal(codeOf(() => assertMayChange(held, 'u-b', false)), 'CTI_CALLBACK_NOT_YOURS');
  assert.equal(codeOf(() => assertMayChange(held, 'u-b', true)), undefined);
  assert.equal(codeOf(() => assertMayChange({ ...held, status: 'open', claimed_by: null }, 'u-b', false)), 'CTI_CALLBACK_NOT_CLAIMED');
  assert.equal(codeOf(() => assertMayChange({ ...held, status: 'open', claimed_by: null }, 'u-b', true)), undefined);
});

test('outbound-transitions-every-pair: dialling -> talking -> ended, dialling -> failed, nothing else', () => {
  const states: OutboundState[] = ['dialling', 'talking', 'ended', 'failed'];
  const legal = new Set(['dialling>talking', 'dialling>failed', 'talking>ended']);
  assert.deepEqual(Object.keys(OUTBOUND_TRANSITIONS).sort(), [...states].sort());
  for (const from of states) for (const to of states) assert.equal(canOutbound(from, to), legal.has(`${from}>${to}`), `${from} -> ${to}`);
});

test('failure-reasons: SIP finals map to what happened to the person called back', () => {
  assert.deepEqual(failureReason(487, true), { reason: 'cancelled', endedBy: 'seat' });
  assert.deepEqual(failureReason(486, false), { reason: 'busy', endedBy: 'caller' });
  assert.deepEqual(failureReason(480, false), { reason: 'no_answer', endedBy: 'caller' });
  assert.deepEqual(failureReason(408, false), { reason: 'no_answer', endedBy: 'caller' });
  assert.deepEqual(failureReason(603, false), { reason: 'rejected', endedBy: 'caller' });
  assert.deepEqual(failureReason(404, false), { reason: 'number_invalid', endedBy: 'system' });
  assert.deepEqual(failureReason(503, false), { reason: 'failed', endedBy: 'system' });
});

test('callback-engine-events: base64 fields decoded, numbers and flags typed', () => {
  const b = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const started = decodeEngineEvent({
    event: 'callback.started', callid: b('abc@host'), seat: b('seat01'), number: b('+8613600000002'), item: '42', cli: '057112010',
    ftag: b('t1'), proto: 'ws', at_s: 1795697181, at_us: 961324,
  });
  assert.deepEqual(started, {
    event: 'callback.started', callId: 'abc@host', seatUser: 'seat01', number: '+8613600000002', itemId: '42', presented: '057112010',
    fromTag: 't1', proto: 'ws', startedAt: new Date(1795697181961),
  });
  assert.deepEqual(decodeEngineEvent({ event: 'callback.answered', callid: b('x'), totag: b('tt') }), { event: 'callback.answered', callId: 'x', toTag: 'tt' });
  assert.deepEqual(decodeEngineEvent({ event: 'callback.failed', callid: b('x'), code: 486, cancelled: false }), { event: 'callback.failed', callId: 'x', code: 486, cancelled: false });
  assert.deepEqual(decodeEngineEvent({ event: 'callback.refused', seat: b('seat01'), number: b('110') }), { event: 'callback.refused', seatUser: 'seat01', number: '110' });
});
