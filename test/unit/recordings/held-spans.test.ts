/** When the caller heard the hold audio, from the call's event log (control/src/recordings/held.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldSpans, type HoldEvent } from '../../../control/src/recordings/held.ts';

const at = (ms: number) => new Date(1_800_000_000_000 + ms);
const ev = (type: string, ms: number, playing?: boolean): HoldEvent => ({ type, at: at(ms), data: playing === undefined ? {} : { playing } });

test('plain hold and a room hold each give a span; a hold still on when the call ended runs to the end (null)', () => {
  assert.deepEqual(heldSpans([
    ev('call.held.v1', 1000), ev('call.resumed.v1', 4000),
    ev('call.caller_hold_audio_changed.v1', 6000, true), ev('call.caller_hold_audio_changed.v1', 9000, false),
    ev('call.caller_hold_audio_changed.v1', 12000, true),
  ]), [[at(1000).getTime(), at(4000).getTime()], [at(6000).getTime(), at(9000).getTime()], [at(12000).getTime(), null]]);
});

test('a second start while held and a stop while not held change nothing (the first start counts)', () => {
  assert.deepEqual(heldSpans([
    ev('call.resumed.v1', 500),
    ev('call.caller_hold_audio_changed.v1', 1000, true), ev('call.caller_hold_audio_changed.v1', 2000, true),
    ev('call.caller_hold_audio_changed.v1', 3000, false), ev('call.caller_hold_audio_changed.v1', 3500, false),
  ]), [[at(1000).getTime(), at(3000).getTime()]]);
  assert.deepEqual(heldSpans([]), []);
});
