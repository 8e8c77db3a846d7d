/** A call.new that failed on Redis is tried again for a bounded time before it is failed open (calls/flow/arrival-retry.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARRIVAL_RETRY_EVERY_MS, ARRIVAL_RETRY_FOR_MS, arrivalRetryIn } from '../../../control/src/calls/flow/arrival-retry.ts';

function maxRetries(): Error {
  const e = new Error('Reached the max retries per request limit (which is 3). Refer to "maxRetriesPerRequest" option for details.');
  e.name = 'MaxRetriesPerRequestError';
  return e;
}

test('a Redis connection error is tried again while the bound lasts (a Sentinel promotion takes 2.4-4 s)', () => {
  assert.equal(arrivalRetryIn(maxRetries(), 1000, 1000), ARRIVAL_RETRY_EVERY_MS);
  assert.equal(arrivalRetryIn(new Error('Connection is closed.'), 1000, 1000 + 4000), ARRIVAL_RETRY_EVERY_MS);
  assert.ok(ARRIVAL_RETRY_FOR_MS > 4000, 'longer than the promotions measured on a pair');
});

test('past the bound the call is failed open (never left waiting on us)', () => {
  assert.equal(arrivalRetryIn(maxRetries(), 1000, 1000 + ARRIVAL_RETRY_FOR_MS), undefined);
  assert.equal(arrivalRetryIn(maxRetries(), 0, 10 * ARRIVAL_RETRY_FOR_MS), undefined);
});

test('any other error (a bug, bad data, PostgreSQL) fails the call open at once, as before', () => {
  assert.equal(arrivalRetryIn(new TypeError('x is undefined'), 1000, 1000), undefined);
  assert.equal(arrivalRetryIn(new Error('duplicate key value violates unique constraint'), 1000, 1000), undefined);
  assert.equal(arrivalRetryIn('not an error', 1000, 1000), undefined);
});
