import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staleData, takeoverKind } from '../../../control/src/ha/epoch.ts';

test('staleData: equal takeover counts are fine; the lower side is the old copy', () => {
  assert.equal(staleData(0, 0), undefined);
  assert.equal(staleData(7, 7), undefined);
  assert.deepEqual(staleData(3, 5), { stale: 'redis', redis: 3, database: 5 });
  assert.deepEqual(staleData(0, 2), { stale: 'redis', redis: 0, database: 2 }, 'a fresh Redis (no counter) beside a database that saw takeovers');
  assert.deepEqual(staleData(5, 4), { stale: 'database', redis: 5, database: 4 });
});

test('takeoverKind: first leader, same node again, another node, a switchover to this node', () => {
  assert.equal(takeoverKind(undefined, undefined, 'a'), 'start');
  assert.equal(takeoverKind('a', undefined, 'a'), 'start', "the same node's control plane restarted");
  assert.equal(takeoverKind('a', undefined, 'b'), 'failover');
  assert.equal(takeoverKind('a', 'b', 'b'), 'switchover');
  assert.equal(takeoverKind('a', 'a', 'b'), 'failover', 'a switchover meant for another node does not label this takeover');
});
