import assert from 'node:assert/strict';
import { test } from 'node:test';
import { centreScope, mayAccess, narrowScope } from '../../../control/src/auth/scope.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import type { Role } from '../../../control/src/auth/roles.ts';

const who = (roles: Role[], centre_id: string) => ({ roles, centre_id });

test('admins and the head centre\'s supervisors and QA see every centre', () => {
  assert.equal(centreScope(who(['admin'], 'county-1'), 'city'), null);
  assert.equal(centreScope(who(['supervisor'], 'city'), 'city'), null);
  assert.equal(centreScope(who(['qa'], 'city'), 'city'), null);
});

test('county staff and the head centre\'s dispatchers and integrations see only their own centre', () => {
  assert.deepEqual(centreScope(who(['supervisor'], 'county-1'), 'city'), ['county-1']);
  assert.deepEqual(centreScope(who(['qa', 'dispatcher'], 'county-1'), 'city'), ['county-1']);
  assert.deepEqual(centreScope(who(['dispatcher'], 'city'), 'city'), ['city']);
  assert.deepEqual(centreScope(who(['integration'], 'city'), 'city'), ['city']);
});

test('a requested centre narrows the scope; one outside it is CTI_CENTRE_OUT_OF_SCOPE', () => {
  assert.deepEqual(narrowScope(['county-1'], undefined), ['county-1']);
  assert.deepEqual(narrowScope(['county-1'], 'county-1'), ['county-1']);
  assert.deepEqual(narrowScope(null, 'county-2'), ['county-2']);
  assert.equal(narrowScope(null, undefined), null);
  assert.throws(() => narrowScope(['county-1'], 'county-2'), (e: unknown) => isCtiError(e, 'CTI_CENTRE_OUT_OF_SCOPE'));
  assert.equal(mayAccess(['county-1'], 'county-2'), false);
  assert.equal(mayAccess(null, 'county-2'), true);
});
