import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairConfigErrors, type PairConfig } from '../../../scripts/stack/pair-config.ts';

const WHOLE: PairConfig = {
  vip: '198.18.3.100', mediaVip: '198.18.3.102', prefixLength: 24, nodes: { a: '198.18.3.11', b: '198.18.3.12' }, data: '198.18.3.10', sipPort: 5060, dmqPort: 5090,
  fence: { controlPlanes: true, leaseFiles: { a: '/run/a/ha-lease', b: '/run/b/ha-lease' } },
};

test('a fenced pair with both control planes and a lease file per node is whole', () => {
  assert.deepEqual(pairConfigErrors(WHOLE), []);
});

test('fencing without the control planes, without a lease file or with a shared one is half-configured, each named', () => {
  const noControl = pairConfigErrors({ ...WHOLE, fence: { ...WHOLE.fence!, controlPlanes: false } });
  assert.equal(noControl.length, 1);
  assert.match(noControl[0]!, /fencing needs both control planes/);
  const noB = pairConfigErrors({ ...WHOLE, fence: { controlPlanes: true, leaseFiles: { a: '/run/a/ha-lease' } } });
  assert.deepEqual(noB, ['each node needs a lease file for keepalived to track (missing: B)']);
  const shared = pairConfigErrors({ ...WHOLE, fence: { controlPlanes: true, leaseFiles: { a: '/run/x', b: '/run/x' } } });
  assert.deepEqual(shared, ['the two nodes must not share one lease file']);
});
