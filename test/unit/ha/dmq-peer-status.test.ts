/** The peer's DMQ status as a node's replication view (control/src/ha/nodes/replication.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerStatus } from '../../../control/src/ha/nodes/replication.ts';

const self = { host: '198.18.0.11', port: '5090', status: 'active', local: true };

test('the view is the status of the node that is not local', () => {
  assert.equal(peerStatus([self, { host: '198.18.0.12', port: '5090', status: 'not_active', local: false }]), 'not_active');
  assert.equal(peerStatus([{ host: '198.18.0.12', port: '5090', status: 'active', local: false }, self]), 'active');
});

test('a Kamailio that lists only itself has no peer: unknown', () => {
  assert.equal(peerStatus([self]), 'unknown');
  assert.equal(peerStatus([]), 'unknown');
});
