import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairConfigErrors, type PairConfig } from '../../../scripts/stack/pair-config.ts';

const WHOLE: PairConfig = {
  vip: '198.18.3.100', mediaVip: '198.18.3.102', prefixLength: 24, nodes: { a: '198.18.3.11', b: '198.18.3.12' }, data: '198.18.3.10', sipPort: 5060, dmqPort: 5090,
};

test('a whole pair has no problems', () => {
  assert.deepEqual(pairConfigErrors(WHOLE), []);
});

test('a pair without node B, the floating address or ports is half-configured, each problem named', () => {
  const errs = pairConfigErrors({ nodes: { a: '198.18.3.11' } as PairConfig['nodes'], data: '198.18.3.10', prefixLength: 24 });
  assert.ok(errs.some((e) => e.includes('floating address')), errs.join('; '));
  assert.ok(errs.some((e) => e.includes('floating media address')), errs.join('; '));
  assert.ok(errs.some((e) => e.includes('node B')), errs.join('; '));
  assert.ok(errs.some((e) => e.includes('sipPort')), errs.join('; '));
  assert.ok(errs.some((e) => e.includes('dmqPort')), errs.join('; '));
});

test('the same address twice, another subnet, a bad address or equal ports are refused', () => {
  assert.match(pairConfigErrors({ ...WHOLE, nodes: { a: WHOLE.nodes.a, b: WHOLE.nodes.a } }).join(), /must all differ/);
  assert.match(pairConfigErrors({ ...WHOLE, vip: '198.18.4.100' }).join(), /not in one \/24/);
  assert.match(pairConfigErrors({ ...WHOLE, mediaVip: WHOLE.vip }).join(), /must all differ/);
  assert.match(pairConfigErrors({ ...WHOLE, data: '198.18.3.300' }).join(), /not an IPv4 address/);
  assert.match(pairConfigErrors({ ...WHOLE, dmqPort: 5060 }).join(), /must differ/);
  assert.match(pairConfigErrors({ ...WHOLE, prefixLength: 31 }).join(), /prefixLength/);
});
