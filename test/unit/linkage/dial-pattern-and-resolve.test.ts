/**
 * The linkage directory's pure rules: PBX-style dial patterns compile to linear matchers and refuse anything else;
 * a dial resolves only to what the directory allows the person's role.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CtiError } from '../../../control/src/errors/catalogue.ts';
import { compileDialPattern, matchesDialPattern } from '../../../control/src/linkage/dial-pattern.ts';
import { resolveDial, type LinkageDestination } from '../../../control/src/linkage/resolve.ts';

const code = (fn: () => unknown): string | undefined => {
  try { fn(); return undefined; } catch (e) { return e instanceof CtiError ? e.code : String(e); }
};

test('dial patterns: X Z N, sets and a final "." match as a PBX dial plan does', () => {
  const mobile = compileDialPattern('1XXXXXXXXXX');
  assert.equal(matchesDialPattern(mobile, '13800000000'), true);
  assert.equal(matchesDialPattern(mobile, '1380000000'), false, 'one digit short');
  assert.equal(matchesDialPattern(mobile, '138000000001'), false, 'one digit long');
  assert.equal(matchesDialPattern(mobile, '2380000000a'), false);
  const landline = compileDialPattern('0571NXXXXXXX');
  assert.equal(matchesDialPattern(landline, '057188001234'), true);
  assert.equal(matchesDialPattern(landline, '057118001234'), false, 'N is 2-9');
  const sets = compileDialPattern('1[3-9]Z[135].');
  assert.equal(matchesDialPattern(sets, '13110'), true);
  assert.equal(matchesDialPattern(sets, '1311'), false, '"." needs one more digit at least');
  assert.equal(matchesDialPattern(sets, '12110'), false);
  assert.equal(matchesDialPattern(sets, '13020'), false, 'Z is 1-9');
  assert.equal(sets.minLength, 5);
});

test('dial patterns: anything but the dial-plan alphabet is refused with a coded error (no user-written RegExp)', () => {
  for (const bad of ['', '1X*', '(1)X', '1.X', '[3-', '[a-z]', '[9-3]', '1|2', 'X'.repeat(41), '^1X$', '1\\d']) {
    assert.equal(code(() => compileDialPattern(bad)), 'CTI_LINKAGE_DESTINATION_INVALID', bad);
  }
});

const entry = (over: Partial<LinkageDestination>): LinkageDestination => ({
  id: 'x', centre_id: 'city', name: 'x', category: 'other', kind: 'number', seat_id: null, queue_id: null, sip_uri: null,
  number: null, pattern: null, trunk_group_id: 'e1', trunk_id: null, presented_number: null, speed_key: null,
  roles: ['dispatcher', 'supervisor'], enabled: true, sort_order: 0, ...over,
});

const DIRECTORY: LinkageDestination[] = [
  entry({ id: 'police', name: '公安110', category: 'police', number: '110', presented_number: '057188000120', speed_key: '110' }),
  entry({ id: 'county-a', name: '甲县急救分中心', category: 'county_centre', kind: 'centre', sip_uri: 'sip:120@county-a.example', trunk_group_id: null, presented_number: '057188000120' }),
  entry({ id: 'desk-2', name: '2号席', category: 'seat', kind: 'seat', seat_id: 'seat-02', trunk_group_id: null }),
  entry({ id: 'mobiles', name: '手机', kind: 'pattern', pattern: '1XXXXXXXXXX', roles: ['supervisor'], sort_order: 5 }),
  entry({ id: 'any-local', name: '本地', kind: 'pattern', pattern: '0571.', sort_order: 9 }),
  entry({ id: 'old', name: '停用', number: '12345', enabled: false }),
];

test('resolve: an entry by id, a listed number, or a pattern the role holds; the entry that allowed it is named', () => {
  assert.deepEqual(resolveDial(DIRECTORY, ['dispatcher'], { destination_id: 'desk-2' }), { kind: 'seat', destination_id: 'desk-2', name: '2号席', seat_id: 'seat-02' });
  assert.deepEqual(resolveDial(DIRECTORY, ['dispatcher'], { number: '110' }), {
    kind: 'number', destination_id: 'police', name: '公安110', number: '110', trunk_group_id: 'e1', trunk_id: null, presented_number: '057188000120',
  });
  assert.deepEqual(resolveDial(DIRECTORY, ['dispatcher'], { destination_id: 'county-a' }), {
    kind: 'centre', destination_id: 'county-a', name: '甲县急救分中心', sip_uri: 'sip:120@county-a.example', trunk_group_id: null, trunk_id: null,
    presented_number: '057188000120', // a blind transfer to the centre presents it (linkage/way-out.ts)
  });
  const local = resolveDial(DIRECTORY, ['dispatcher'], { number: '057188001234' });
  assert.equal(local.kind === 'number' && `${local.destination_id}:${local.number}`, 'any-local:057188001234');
  const mobile = resolveDial(DIRECTORY, ['supervisor'], { number: '13800000000' });
  assert.equal(mobile.destination_id, 'mobiles');
  assert.equal(resolveDial(DIRECTORY, ['admin'], { number: '13800000000' }).destination_id, 'mobiles', 'admin may use every entry');
});

test('resolve: unknown ids, disabled entries, patterns by id, numbers outside the directory or the role are refused', () => {
  assert.equal(code(() => resolveDial(DIRECTORY, ['dispatcher'], { destination_id: 'nope' })), 'CTI_LINKAGE_DESTINATION_NOT_FOUND');
  assert.equal(code(() => resolveDial(DIRECTORY, ['dispatcher'], { destination_id: 'old' })), 'CTI_LINKAGE_DESTINATION_NOT_FOUND');
  assert.equal(code(() => resolveDial(DIRECTORY, ['dispatcher'], { destination_id: 'mobiles' })), 'CTI_LINKAGE_DESTINATION_NOT_FOUND', 'a pattern is dialled by number');
  assert.equal(code(() => resolveDial(DIRECTORY, ['dispatcher'], { number: '12345' })), 'CTI_LINKAGE_FORBIDDEN', 'disabled');
  assert.equal(code(() => resolveDial(DIRECTORY, ['dispatcher'], { number: '13800000000' })), 'CTI_LINKAGE_FORBIDDEN', 'the mobile pattern is the supervisor\'s');
  assert.equal(code(() => resolveDial(DIRECTORY, ['dispatcher'], { number: '999' })), 'CTI_LINKAGE_FORBIDDEN');
  assert.equal(code(() => resolveDial(DIRECTORY, ['qa'], { destination_id: 'desk-2' })), 'CTI_LINKAGE_FORBIDDEN');
});
