/**
 * The process that started a pair dies by SIGKILL: the watchdogs stop every daemon it started (keepalived
 * included, so no orphan keeps the floating address), and the next clean-up removes the namespaces.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { networkLeftovers, removeStaleNetworks } from '../../../scripts/stack/netns.ts';
import { waitFor } from '../support/callcentre.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

test('pair-owner-killed-daemons-stopped: no daemon of a pair outlives its owner, no namespace outlives the next clean-up', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'fixtures/start-pair-and-hang.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [id, name] = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim().split(' '));
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its pair was up`)));
  });
  const inside = () => ['a', 'b', 'data'].flatMap((m) => {
    try {
      return execFileSync('ip', ['netns', 'pids', `cti120-${id}-${m}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  });
  assert.ok(inside().length > 0, 'the pair runs daemons in its namespaces');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  await waitFor(() => inside().length === 0, 20_000, `every daemon of pair ${name} stopped by the watchdogs`, 250);
  const removed = await removeStaleNetworks();
  assert.ok(removed.includes(id!), `the dead owner's network ${id} was removed`);
  assert.deepEqual(await networkLeftovers(id!), []);
});
