import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { removeStackState, startStack, type Stack, type StackInfo } from '../../../scripts/stack/stack.ts';
import { controlMainExists } from '../../../scripts/stack/services/control.ts';
import { REPO_ROOT } from '../../../scripts/stack/migrate.ts';
import { canBind } from '../../../scripts/stack/ports.ts';
import { processTree, stillAlive } from './process-tree.ts';

const REAL_TEMPLATE = join(REPO_ROOT, 'engine/kamailio/kamailio.cfg.tpl');
const MINIMAL_TEMPLATE = join(import.meta.dirname, 'minimal-kamailio.cfg.tpl');
const kamailioTemplate = existsSync(REAL_TEMPLATE) ? REAL_TEMPLATE : MINIMAL_TEMPLATE;
const withControl = controlMainExists(REPO_ROOT);

function uniqueName(tag: string): string {
  return `test-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** rtpengine NG ping: "<cookie> d7:command4:pinge" -> "<cookie> d6:result4:ponge" (bencode over UDP). */
function ngPing(addr: string): Promise<string> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error('NG ping timed out')); }, 2000);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m.toString()); });
    sock.send('abc123 d7:command4:pinge', Number(port), host);
  });
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function rpc(url: string, method: string): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method, id: 1 }) });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  assert.equal(body.error, undefined, `${method} failed: ${JSON.stringify(body.error)}`);
  return body.result;
}

function allPids(info: StackInfo): number[] {
  return Object.values(info.pids).flatMap((p) => (p ? processTree(p) : []));
}

test('a stack starts, every daemon answers, and stop leaves no process behind', async (t) => {
  const stack: Stack = await startStack({ name: uniqueName('contract'), control: withControl, kamailioTemplate });
  t.after(() => stack.stop({ removeData: true }));
  const { info } = stack;

  await t.test('stack.json describes the stack', () => {
    const onDisk = JSON.parse(readFileSync(join(info.stateDir, 'stack.json'), 'utf8')) as StackInfo;
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(info)));
    assert.equal(info.stateDir, join(REPO_ROOT, '.run', info.name));
    assert.equal(onDisk.ready, true, 'marked ready: every daemon answered');
    assert.ok(onDisk.readyAt && Date.parse(onDisk.readyAt) >= Date.parse(onDisk.startedAt));
    assert.deepEqual(readdirSync(info.stateDir).filter((f) => f.startsWith('stack.json.')), [], 'no temp file left');
    const ports = [info.ports.sip, info.ports.http, info.ports.evapi, info.ports.ng, info.ports.api,
      info.ports.redis, info.ports.postgres];
    assert.equal(new Set(ports).size, ports.length, `ports must be distinct: ${ports.join(',')}`);
    for (const p of ports) assert.ok(p < info.ports.mediaMin || p > info.ports.mediaMax, `port ${p} inside the media range`);
    assert.match(info.sip.ws, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(info.api.eventsWs, `ws://127.0.0.1:${info.ports.api}/v1/events/ws`);
    assert.equal(info.kamailio.rpcUrl, `http://127.0.0.1:${info.ports.http}/RPC`);
    assert.match(info.postgres.url, /^postgres:\/\/cti:[0-9a-f]+@127\.0\.0\.1:\d+\/cti$/);
    for (const k of ['postgres', 'redis', 'rtpengine', 'kamailio'] as const) assert.ok(info.pids[k], `pid of ${k}`);
    assert.equal(info.pids.control !== undefined, withControl);
    assert.ok(existsSync(info.spoolDir) && existsSync(info.recordingsDir));
  });

  await t.test('PostgreSQL answers as role cti over TCP with scram, and migrations ran', async () => {
    const client = new pg.Client({ connectionString: info.postgres.url });
    await client.connect();
    try {
      const r = await client.query<{ u: string; d: string }>('SELECT current_user AS u, current_database() AS d');
      assert.deepEqual(r.rows[0], { u: 'cti', d: 'cti' });
      const sqlFiles = existsSync(join(REPO_ROOT, 'control/migrations'))
        ? readdirSync(join(REPO_ROOT, 'control/migrations')).filter((f) => f.endsWith('.sql')) : [];
      if (sqlFiles.length > 0) {
        const m = await client.query<{ n: string }>('SELECT count(*) AS n FROM pgmigrations');
        assert.equal(Number(m.rows[0]!.n), sqlFiles.length);
      }
    } finally {
      await client.end();
    }
    const wrong = new pg.Client({ connectionString: info.postgres.url.replace(/cti:[0-9a-f]+@/, 'cti:wrong@') });
    await assert.rejects(wrong.connect(), /password authentication failed/);
  });

  await t.test('Redis answers PING and keeps data over redis.restart()', async () => {
    const redis = new Redis(info.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    assert.equal(await redis.ping(), 'PONG');
    await redis.set('stack-test', 'kept');
    redis.disconnect();
    await stack.redis.restart();
    const again = new Redis(info.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await again.connect();
    assert.equal(await again.get('stack-test'), 'kept');
    again.disconnect();
    assert.equal(JSON.parse(readFileSync(join(info.stateDir, 'stack.json'), 'utf8')).pids.redis, stack.info.pids.redis);
  });

  await t.test('rtpengine answers an NG ping', async () => {
    assert.equal(await ngPing(info.rtpengine.ng), 'abc123 d6:result4:ponge');
  });

  await t.test('Kamailio answers core.version over JSON-RPC and listens for SIP', async () => {
    assert.match(String(await rpc(info.kamailio.rpcUrl, 'core.version')), /^kamailio 5\.6/);
    assert.ok(await tcpConnects(info.sip.host, info.sip.port), 'SIP TCP');
    assert.ok(await tcpConnects('127.0.0.1', info.ports.evapi), 'evapi TCP');
    assert.equal(await canBind(info.sip.port, 'udp'), false, 'SIP UDP port is taken by Kamailio');
  });

  if (withControl) {
    await t.test('the control plane answers /health, survives kill and restart', async () => {
      assert.equal((await fetch(`${info.api.url}/health`)).status, 200);
      await stack.control.kill();
      await assert.rejects(fetch(`${info.api.url}/health`));
      await stack.control.start();
      assert.equal((await fetch(`${info.api.url}/health`)).status, 200);
      await stack.control.restart();
      assert.equal((await fetch(`${info.api.url}/health`)).status, 200);
    });
  }

  await t.test('stop stops every daemon and its children, frees the ports, keeps the logs', async () => {
    const pids = allPids(stack.info);
    assert.ok(pids.length >= 5);
    await stack.stop();
    assert.deepEqual(stillAlive(pids), []);
    assert.equal(await canBind(info.sip.port, 'both'), true);
    assert.equal(await canBind(info.ports.postgres, 'tcp'), true);
    for (const log of ['postgres', 'redis', 'rtpengine', 'kamailio']) {
      assert.ok(existsSync(join(info.logsDir, `${log}.log`)), `${log}.log kept`);
    }
    const after = JSON.parse(readFileSync(join(info.stateDir, 'stack.json'), 'utf8')) as StackInfo;
    assert.ok(after.stoppedAt);
    assert.equal(after.ready, false, 'a stopped stack is not ready');
    await stack.stop({ removeData: true });
    assert.equal(existsSync(join(info.stateDir, 'pg')), false);
    assert.ok(existsSync(join(info.logsDir, 'postgres.log')));
  });
});

test('a Kamailio config error fails the start with its message and stops what was started', async () => {
  const broken = join(tmpdir(), `cti-broken-${process.pid}.cfg.tpl`);
  writeFileSync(broken, readFileSync(MINIMAL_TEMPLATE, 'utf8').replace('request_route {', 'request_route {\n\tno_such_function();'));
  const name = uniqueName('broken');
  await assert.rejects(startStack({ name, control: false, kamailioTemplate: broken }),
    (e: Error) => /kamailio/.test(e.message) && /no_such_function/.test(e.message));
  const info = JSON.parse(readFileSync(join(REPO_ROOT, '.run', name, 'stack.json'), 'utf8')) as StackInfo;
  assert.ok(info.stoppedAt);
  assert.deepEqual(info.pids, {});
  removeStackState(name);
  assert.equal(existsSync(join(REPO_ROOT, '.run', name)), false);
});

test('a placeholder missing from the map fails the start before any daemon runs', async () => {
  const broken = join(tmpdir(), `cti-placeholder-${process.pid}.cfg.tpl`);
  writeFileSync(broken, `${readFileSync(MINIMAL_TEMPLATE, 'utf8')}\n# {{NO_SUCH_VAR}}\n`);
  const name = uniqueName('placeholder');
  await assert.rejects(startStack({ name, control: false, kamailioTemplate: broken }), /NO_SUCH_VAR/);
  const info = JSON.parse(readFileSync(join(REPO_ROOT, '.run', name, 'stack.json'), 'utf8')) as StackInfo;
  assert.deepEqual(info.pids, {});
  removeStackState(name);
});
