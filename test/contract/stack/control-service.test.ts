import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createControl } from '../../../scripts/stack/services/control.ts';
import { REPO_ROOT } from '../../../scripts/stack/migrate.ts';
import { allocatePorts, releasePorts } from '../../../scripts/stack/ports.ts';
import type { ServiceContext } from '../../../scripts/stack/services/context.ts';

// A stand-in control plane: answers /health and echoes its CTI_* environment and its import.meta.url (it runs
// bundled, scripts/stack/services/control-build.ts, and must still see its own source file's URL).
const FAKE_MAIN = `
import { createServer } from 'node:http';
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CTI_')));
createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ pid: process.pid, env, url: import.meta.url }));
}).listen(Number(process.env.CTI_HTTP_PORT), process.env.CTI_HTTP_HOST);
`;

test('the control service starts the control plane with its environment, and kill/start/restart work', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'cti-control-'));
  mkdirSync(join(root, 'control/src'), { recursive: true });
  writeFileSync(join(root, 'control/src/main.ts'), FAKE_MAIN);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'logs'));
  const { ports } = await allocatePorts(root, [{ key: 'api', proto: 'tcp' }], 2);
  const ctx: ServiceContext = {
    name: 'control-test', root, stateDir: root, host: '127.0.0.1', durable: false,
    ports: { sip: 0, http: 0, evapi: 0, ng: 0, api: ports.api!, redis: 0, postgres: 0, mediaMin: 0, mediaMax: 0 },
  };
  const ctl = createControl(ctx, { ...process.env, CTI_HTTP_HOST: '127.0.0.1', CTI_HTTP_PORT: String(ports.api), CTI_PG_URL: 'postgres://x' } as Record<string, string>);
  t.after(async () => {
    await ctl.stop();
    await releasePorts(root);
    rmSync(root, { recursive: true, force: true });
  });
  const health = async () => (await (await fetch(`${ctl.baseUrl}/health`)).json()) as { pid: number; env: Record<string, string>; url: string };

  await ctl.start();
  const first = await health();
  assert.equal(first.pid, ctl.daemon.pid);
  assert.equal(first.env.CTI_PG_URL, 'postgres://x');
  assert.equal(first.url, pathToFileURL(join(root, 'control/src/main.ts')).href, 'import.meta.url is the source file\'s');

  await ctl.kill();
  assert.equal(ctl.daemon.running, false);
  await assert.rejects(fetch(`${ctl.baseUrl}/health`));

  await ctl.start();
  const second = await health();
  assert.notEqual(second.pid, first.pid);

  await ctl.restart();
  const third = await health();
  assert.notEqual(third.pid, second.pid);
});
