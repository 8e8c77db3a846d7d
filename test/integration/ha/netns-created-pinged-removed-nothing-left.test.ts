/**
 * The pair's network (scripts/stack/netns.ts): namespaces joined by a bridge in a namespace of its own,
 * addresses from 198.18.0.0/15, no route out; members reach each other and the root leg; remove() leaves
 * nothing; a network whose owner died by SIGKILL (with a process still inside) is removed by the next run.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createPairNetwork, networkLeftovers, removeStaleNetworks, MEMBERS } from '../../../scripts/stack/netns.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

test('netns-created-pinged-removed-nothing-left: members ping each other, no route out, nothing left after remove', async () => {
  const net = await createPairNetwork();
  try {
    for (const addr of Object.values(net.addr)) assert.match(addr, /^198\.1[89]\.\d+\.\d+$/);
    assert.ok(net.rootLink.length <= 15, 'interface names fit IFNAMSIZ');
    for (const m of MEMBERS) {
      const routes = (await net.exec(m, 'ip', ['-4', 'route', 'show'])).trim().split('\n');
      assert.deepEqual(routes.filter((r) => r.startsWith('default')), [], `no default route in ${m}`);
      assert.equal(routes.length, 1, `only the pair's /24 is routed in ${m}: ${routes.join(' | ')}`);
    }
    await net.exec('a', 'ping', ['-c', '1', '-W', '2', net.addr.b]);
    await net.exec('car', 'ping', ['-c', '1', '-W', '2', net.addr.a]);
    await net.exec('b', 'ping', ['-c', '1', '-W', '2', net.addr.data]);
    await net.exec('data', 'ping', ['-c', '1', '-W', '2', net.addr.root]);
    execFileSync('ping', ['-c', '1', '-W', '2', net.addr.a]); // the root leg (tests and probes)
    // an address outside the pair is unreachable from inside (no route): nothing leaves the machine
    await assert.rejects(net.exec('a', 'ping', ['-c', '1', '-W', '1', '192.0.2.1']), /unreachable|failed/);
  } finally {
    await net.remove();
  }
  assert.deepEqual(await networkLeftovers(net.id), []);
  await net.remove(); // idempotent
});

test('netns-owner-killed-next-run-removes-leftovers: a crashed run leaves nothing after the next clean-up', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'fixtures/make-network-and-hang.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const id = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before making its network`)));
  });
  assert.match(id, /^[0-9a-f]{6}$/);
  assert.ok((await networkLeftovers(id)).length >= 6, 'the child made its namespaces, root leg and state file');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  const removed = await removeStaleNetworks();
  assert.ok(removed.includes(id), `the dead run's network ${id} was found stale (removed: ${removed.join(', ')})`);
  assert.deepEqual(await networkLeftovers(id), []);
});
