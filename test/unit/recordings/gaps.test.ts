/** control/src/recordings/gaps.ts: which measured silent stretches are missing audio (recording_gap and the gap flag). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GAP_ALARM_MS, missingAudio } from '../../../control/src/recordings/gaps.ts';

const ch = (silentGapsMs: Array<[number, number]>) => ({ silentGapsMs }) as never;

test('a gap of GAP_ALARM_MS or more after the answer counts, per channel; shorter ones do not', () => {
  assert.equal(GAP_ALARM_MS, 3000);
  assert.deepEqual(missingAudio([ch([[961, 5505]]), ch([[2000, 4500]])], 0), [{ channel: 'caller', start_ms: 961, end_ms: 5505 }]);
  assert.deepEqual(missingAudio([ch([]), ch([[1000, 4000]])], 0), [{ channel: 'seat', start_ms: 1000, end_ms: 4000 }]);
});

test('the seat ringing before the answer is not a gap; silence continuing after the answer is measured from it', () => {
  // Seat answered 6 s into the recording: its leading 0-6.2 s is ringing.
  assert.deepEqual(missingAudio([ch([]), ch([[0, 6200]])], 6000), []);
  // The seat answered at 2 s but sent nothing until 7 s: 5 s missing after the answer.
  assert.deepEqual(missingAudio([ch([]), ch([[0, 7000]])], 2000), [{ channel: 'seat', start_ms: 2000, end_ms: 7000 }]);
  // An answer before the first packet (negative offset) leaves the gap as measured.
  assert.deepEqual(missingAudio([ch([[0, 3500]]), ch([])], -200), [{ channel: 'caller', start_ms: 0, end_ms: 3500 }]);
});

test('without the answer time a leading gap cannot be told from ringing and is left out; later gaps count', () => {
  assert.deepEqual(missingAudio([ch([[0, 9000], [12_000, 16_000]]), ch([])], null), [{ channel: 'caller', start_ms: 12_000, end_ms: 16_000 }]);
});

test('a recording that starts GAP_ALARM_MS or more after the answer misses its head on both channels (taken over by the other node)', () => {
  // answered 4.2 s before the recording's first packet (the surviving node recorded from its takeover on)
  assert.deepEqual(missingAudio([ch([]), ch([])], -4200), [
    { channel: 'caller', start_ms: -4200, end_ms: 0 },
    { channel: 'seat', start_ms: -4200, end_ms: 0 },
  ]);
  // less than GAP_ALARM_MS before: as before, not a gap
  assert.deepEqual(missingAudio([ch([]), ch([])], -2999), []);
});
