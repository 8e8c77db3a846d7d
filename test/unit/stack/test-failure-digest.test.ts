/** The failure digest the test scheduler prints last (CI keeps only the tail of a run). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedSeconds, failureDigest, longestFirst } from '../../../scripts/test-schedule.ts';

const SPEC = `✔ first (10ms)
✖ failing tests:

test at test/integration/x.test.ts:1:3214
✖ the CANCEL crosses the offer (14713.35ms) # a todo reason
  Error: timed out after 10000 ms waiting for call z-1 ended
      at waitFor (/x/callcentre.ts:126:13)
✖ second one (1ms)
  AssertionError [ERR_ASSERTION]: the gateway no longer hears 110
`;

test('the digest names each failing test and the first line of its error, without stack lines or todo reasons', () => {
  assert.deepEqual(failureDigest(SPEC), [
    '  ✖ the CANCEL crosses the offer (14713.35ms)',
    '    Error: timed out after 10000 ms waiting for call z-1 ended',
    '  ✖ second one (1ms)',
    '    AssertionError [ERR_ASSERTION]: the gateway no longer hears 110',
  ]);
});

test('a file that failed outside a test gives its last lines, cut short', () => {
  const long = 'x'.repeat(300);
  const digest = failureDigest(`a\nb\nc\n${long}\n`);
  assert.equal(digest.length, 3);
  assert.equal(digest[2]!.length, 202);
  assert.ok(digest[2]!.endsWith('…'));
});

test('the scheduler starts the longest files first; a file of unknown time counts as the longest; ties keep their order', () => {
  const seconds = new Map([['a', 10], ['b', 40], ['c', 10], ['d', 25]]);
  assert.deepEqual(longestFirst(['a', 'b', 'c', 'new', 'd'], seconds), ['new', 'b', 'd', 'a', 'c']);
});

test('expected seconds are read from the committed list (test/integration/seconds.tsv), its comments skipped', () => {
  const seconds = expectedSeconds();
  assert.ok(seconds.size > 100, `${seconds.size} files listed`);
  for (const [file, s] of seconds) {
    assert.ok(s >= 0, `${file}: ${s}`);
  }
});
