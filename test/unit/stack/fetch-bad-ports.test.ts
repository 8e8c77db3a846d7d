/**
 * The port registry never chooses a port that Node's fetch (and Chromium) refuse without connecting: a stack
 * once got 10080 as Kamailio's HTTP port and its JSON-RPC readiness probe failed for 20 s with "fetch failed".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_AREA, FETCH_BAD_PORTS, MEDIA_AREA, Occupancy, PORT_AREA } from '../../../scripts/stack/ports.ts';

function refusal(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  return String((cause as { message?: string } | undefined)?.message ?? cause);
}

test('fetch-bad-ports: Node refuses every port of the list at once ("bad port"), and tries to connect to 10081', async () => {
  for (const port of [...FETCH_BAD_PORTS].filter((p) => p > 0)) {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), (e) => refusal(e) === 'bad port', `port ${port}`);
  }
  // 10081 is not on the list: fetch tries to connect (nothing listens there, or something answers)
  const other = await fetch('http://127.0.0.1:10081/', { signal: AbortSignal.timeout(2000) }).then(() => 'answered', refusal);
  assert.notEqual(other, 'bad port');
});

test('fetch-bad-ports: the registry never chooses one from an area, but a caller may prefer one (the dev stack\'s SIP 5060)', () => {
  const occ = new Occupancy([]);
  assert.equal(occ.choosable(10080), false);
  assert.equal(occ.choosable(10081), true);
  assert.equal(occ.open(5060), true);
  const inAreas = [...FETCH_BAD_PORTS].filter((p) => [PORT_AREA, BLOCK_AREA, MEDIA_AREA].some((a) => p >= a.min && p <= a.max));
  assert.deepEqual(inAreas, [10080]);
  for (const p of inAreas) assert.equal(occ.choosable(p), false);
});
