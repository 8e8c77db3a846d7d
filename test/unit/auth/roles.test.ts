import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { accessOf, hasAnyRole, isRole, ROLES, roleSatisfies, type Role } from '../../../control/src/auth/roles.ts';

test('admin implies every role, for reads and writes', () => {
  for (const r of ROLES) {
    assert.equal(roleSatisfies(['admin'], r, 'read'), true);
    assert.equal(roleSatisfies(['admin'], r, 'write'), true);
  }
});

test('supervisor implies dispatcher reads only', () => {
  assert.equal(roleSatisfies(['supervisor'], 'dispatcher', 'read'), true);
  assert.equal(roleSatisfies(['supervisor'], 'dispatcher', 'write'), false);
  assert.equal(roleSatisfies(['supervisor'], 'qa', 'read'), false);
  assert.equal(roleSatisfies(['supervisor'], 'admin', 'read'), false);
});

test('dispatcher and qa imply nothing beyond themselves', () => {
  assert.equal(roleSatisfies(['dispatcher'], 'supervisor', 'read'), false);
  assert.equal(roleSatisfies(['dispatcher'], 'qa', 'read'), false);
  assert.equal(roleSatisfies(['qa'], 'dispatcher', 'read'), false);
  assert.equal(roleSatisfies(['qa'], 'qa', 'write'), true);
});

test('integration (a CAD or EMR client) implies nothing beyond itself', () => {
  for (const r of ['dispatcher', 'supervisor', 'qa', 'admin'] as const) {
    assert.equal(roleSatisfies(['integration'], r, 'read'), false);
    assert.equal(roleSatisfies(['integration'], r, 'write'), false);
  }
  assert.equal(roleSatisfies(['integration'], 'integration', 'write'), true);
});

test('GET and HEAD are reads, everything else writes', () => {
  assert.equal(accessOf('GET'), 'read');
  assert.equal(accessOf('HEAD'), 'read');
  for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) assert.equal(accessOf(m), 'write');
});

test('an empty role list admits any logged-in person', () => {
  assert.equal(hasAnyRole(['qa'], [], 'write'), true);
});

test('isRole accepts exactly the five roles', () => {
  for (const r of ROLES) assert.equal(isRole(r), true);
  for (const v of ['Admin', 'root', '', null, 1]) assert.equal(isRole(v), false);
});

const role = fc.constantFrom<Role>(...ROLES);
const access = fc.constantFrom<'read' | 'write'>('read', 'write');

test('holding a role always satisfies that role, and adding roles never takes a right away', () => {
  fc.assert(fc.property(fc.uniqueArray(role), role, role, access, (held, extra, required, acc) => {
    assert.equal(roleSatisfies([...held, required], required, acc), true);
    if (roleSatisfies(held, required, acc)) assert.equal(roleSatisfies([...held, extra], required, acc), true);
  }));
});

test('without admin, a write needs the very role', () => {
  fc.assert(fc.property(fc.uniqueArray(role), role, (held, required) => {
    const h: Role[] = held.filter((r) => r !== 'admin');
    assert.equal(roleSatisfies(h, required, 'write'), h.includes(required));
  }));
});
