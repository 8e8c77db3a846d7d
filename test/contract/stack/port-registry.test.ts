/**
 * The port registry (scripts/stack/ports.ts, port-pool.ts) across processes: leases taken at the
 * same time by several processes never share a port, none is in the kernel's ephemeral range, a
 * media lease is four ports from an even one, and a dead holder's ports come back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/stack/migrate.ts';
import { BLOCK_AREA, ephemeralRange, PORT_AREA } from '../../../scripts/stack/ports.ts';
import { leasePorts } from '../../../scripts/stack/port-pool.ts';

const CHILD = `
import { leasePorts } from ${JSON.stringify(join(REPO_ROOT, 'scripts/stack/port-pool.ts'))};
import { allocatePorts } from ${JSON.stringify(join(REPO_ROOT, 'scripts/stack/ports.ts'))};
const ports = [];
const singles = await Promise.all(Array.from({ length: 120 }, () => leasePorts(1, 'udp')));
for (const l of singles) ports.push(l.port);
const pairs = await Promise.all(Array.from({ length: 30 }, () => leasePorts(4, 'udp')));
for (const l of pairs) for (let p = l.port; p < l.port + 4; p++) ports.push(p);
const stack = await allocatePorts('port-registry-test-' + process.pid, [{ key: 'a', proto: 'both' }, { key: 'b', proto: 'tcp' }], 20);
ports.push(stack.ports.a, stack.ports.b);
for (let p = stack.media[0]; p <= stack.media[1]; p++) ports.push(p);
process.stdout.write(JSON.stringify({ ports, pairs: pairs.map((l) => l.port) }) + '\\n');
// holds everything until the parent has every child's answer (a dead holder's ports are free again)
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

interface Child { result: Promise<{ ports: number[]; pairs: number[] }>; done: Promise<void>; end(): void }

function startChild(): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}: ${err}`))));
  });
  const result = new Promise<{ ports: number[]; pairs: number[] }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out));
    });
    done.then(() => reject(new Error(`child ended without an answer: ${err}`)), reject);
  });
  return { result, done, end: () => child.stdin.end() };
}

test('four processes leasing at once never share a port, and nothing is ephemeral', async () => {
  const children = [startChild(), startChild(), startChild(), startChild()];
  const results = await Promise.all(children.map((c) => c.result));
  for (const c of children) c.end();
  await Promise.all(children.map((c) => c.done));
  const all = results.flatMap((r) => r.ports);
  assert.equal(new Set(all).size, all.length, 'every port handed out once across the processes');
  const [lo, hi] = ephemeralRange();
  assert.deepEqual(all.filter((p) => p >= lo && p <= hi), [], `no port in the ephemeral range ${lo}-${hi}`);
  for (const r of results) for (const p of r.pairs) assert.equal(p % 4, 0, `media lease ${p} starts aligned (even, p + 2 inside)`);
  // the children have exited: their blocks are free again, so this process can lease from the same area
  const mine = await leasePorts(1, 'udp');
  assert.ok(mine.port >= BLOCK_AREA.min && mine.port <= BLOCK_AREA.max);
  assert.ok(PORT_AREA.max < BLOCK_AREA.min, 'daemon ports and leased blocks never overlap');
  mine.release();
});

test('a released lease is handed out again in this process, a held one never', async () => {
  const a = await leasePorts(2, 'both');
  const b = await leasePorts(2, 'both');
  assert.notEqual(a.port, b.port);
  a.release();
  const c = await leasePorts(2, 'both');
  assert.equal(c.port, a.port, 'the first free candidate is the released one');
  assert.notEqual(c.port, b.port);
  b.release();
  c.release();
});
