/** EvapiClient and KamailioRpc against a real Kamailio 5.6 started from a generated minimal config. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EvapiClient } from '../../../control/src/engine/evapi/client.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { writeKamailioTestCfg } from './kamailio-cfg.ts';
import { freePort, spawnDaemon, tcpAccepts, tempDir, type Daemon } from './support.ts';

let daemon: Daemon;
let rpc: KamailioRpc;
let evapi: EvapiClient;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let ports: { sip: number; http: number; evapi: number };
const received: Record<string, unknown>[] = [];

before(async () => {
  tmp = await tempDir('kamailio');
  ports = { sip: await freePort(), http: await freePort(), evapi: await freePort() };
  const cfg = await writeKamailioTestCfg(tmp.dir, ports);
  const runDir = path.join(tmp.dir, 'run');
  await mkdir(runDir);
  rpc = new KamailioRpc({ url: `http://127.0.0.1:${ports.http}/RPC`, timeoutMs: 1000 });
  daemon = await spawnDaemon('kamailio', ['-DD', '-E', '-f', cfg, '-Y', runDir], {
    cwd: tmp.dir,
    ready: async () => (await tcpAccepts(ports.evapi)) && (await rpc.coreVersion()).length > 0,
  });
  evapi = new EvapiClient({ host: '127.0.0.1', port: ports.evapi });
  evapi.on('message', (m) => received.push(m));
  const connected = once(evapi, 'connected');
  evapi.start();
  await connected;
});

after(async () => {
  evapi?.stop();
  const code = await daemon?.stop();
  await tmp?.remove();
  assert.equal(code, 0, `kamailio exited with ${code}`);
});

async function until(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms; kamailio said:\n${daemon.output().slice(-2000)}`);
    await sleep(10);
  }
}

test('core.version names Kamailio 5.6', async () => {
  assert.match(await rpc.coreVersion(), /^kamailio 5\.6\.\d+/);
});

test('evapi: a JSON message comes back through evapi_relay, intact', async () => {
  received.length = 0;
  const msg = { hello: '你好，120急救中心', quote: 'say "hi"', backslash: 'a\\b', nl: 'x\ny', emoji: '🚑', n: 42 };
  assert.equal(evapi.send(msg), true);
  await until(() => received.length === 1);
  assert.deepEqual(received[0], { echo: msg });
});

test('evapi: a burst of 100 messages is framed and echoed in order, and every echo is acknowledged', async () => {
  const acksBefore = Number((await rpc.htableGet('t', 'acks')) ?? 0);
  received.length = 0;
  const sent = Array.from({ length: 100 }, (_, i) => ({ seq: i, text: `第${i}号 "呼叫" \\ ${'x'.repeat(i * 30)}` }));
  for (const m of sent) assert.equal(evapi.send(m), true);
  await until(() => received.length === 100);
  assert.deepEqual(received, sent.map((m) => ({ echo: m })));
  await until(async () => Number(await rpc.htableGet('t', 'acks')) === acksBefore + 100);
  await sleep(100);
  assert.equal(received.length, 100, 'acks are not echoed back');
});

test('evapi: a non-JSON event from Kamailio is reported as malformed and the connection stays up', async () => {
  const malformed = once(evapi, 'malformed');
  received.length = 0;
  evapi.send({ action: 'raw', text: 'this is {not json' });
  const [raw, err] = (await malformed) as [string, Error];
  assert.equal(raw, 'this is {not json');
  assert.ok(err instanceof SyntaxError);
  evapi.send({ after: 'malformed' });
  await until(() => received.length === 1);
  assert.equal(evapi.connected, true);
});

/** expires 0 sends "Contact: *" with "Expires: 0", removing every binding of the AoR (RFC 3261 section 10.2.2). */
function register(user: string, expires: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no reply to REGISTER'));
    }, 2000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m.toString());
    });
    sock.bind(0, '127.0.0.1', () => {
      const port = sock.address().port;
      // RFC 3261 section 10.2: a minimal REGISTER; no auth in the test config.
      const req = [
        `REGISTER sip:127.0.0.1:${ports.sip} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${Date.now()};rport`,
        'Max-Forwards: 70',
        `From: <sip:${user}@127.0.0.1>;tag=t${port}`,
        `To: <sip:${user}@127.0.0.1>`,
        `Call-ID: reg-${port}@cti120-test`,
        'CSeq: 1 REGISTER',
        expires === 0 ? 'Contact: *' : `Contact: <sip:${user}@127.0.0.1:${port}>;expires=${expires}`,
        `Expires: ${expires}`,
        'User-Agent: cti120-contract-test',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(req, ports.sip, '127.0.0.1');
    });
  });
}

test('ul.dump lists a contact registered with a raw UDP REGISTER', async () => {
  const reply = await register('8001', 300);
  assert.match(reply, /^SIP\/2\.0 200 OK/);
  const rows = await rpc.ulDump();
  const row = rows.find((r) => r.aor === '8001');
  assert.ok(row, `8001 not in ${JSON.stringify(rows)}`);
  assert.equal(row.domain, 'location');
  assert.match(row.contact, /^sip:8001@127\.0\.0\.1:\d+$/);
  assert.ok(row.expires > 290 && row.expires <= 300, `expires ${row.expires}`);
  assert.equal(row.permanent, false);
  assert.equal(row.socket, `udp:127.0.0.1:${ports.sip}`);
  assert.equal(row.userAgent, 'cti120-contract-test');

  assert.match(await register('8001', 0), /^SIP\/2\.0 200 OK/);
  assert.ok(!(await rpc.ulDump()).some((r) => r.aor === '8001'), 'Contact: * with Expires: 0 removes the bindings');
});

test('htable: set, get, dump, delete', async () => {
  await rpc.htableSetString('t', 'seat:1', '就绪 "ready"');
  await rpc.htableSetInt('t', 'count', 7);
  assert.equal(await rpc.htableGet('t', 'seat:1'), '就绪 "ready"');
  assert.equal(await rpc.htableGet('t', 'count'), 7);
  assert.equal(await rpc.htableGet('t', 'missing'), undefined);
  const dump = await rpc.htableDump('t');
  assert.deepEqual(dump.filter((i) => i.name !== 'acks').sort((a, b) => a.name.localeCompare(b.name)), [
    { name: 'count', value: 7 },
    { name: 'seat:1', value: '就绪 "ready"' },
  ]);
  assert.equal(await rpc.htableDelete('t', 'seat:1'), true);
  assert.equal(await rpc.htableDelete('t', 'seat:1'), false);
  assert.equal(await rpc.htableGet('t', 'seat:1'), undefined);
});

test('permissions.addressReload and dlg.list answer', async () => {
  await rpc.permissionsAddressReload();
  assert.deepEqual(await rpc.dlgList(), []);
});

test('an unknown method is CTI_KAMAILIO_RPC_ERROR with Kamailio\'s code and message', async () => {
  await assert.rejects(rpc.call('no.such.method'), (e) => {
    assert.ok(isCtiError(e, 'CTI_KAMAILIO_RPC_ERROR'));
    assert.deepEqual(e.details, { method: 'no.such.method', code: 500, message: 'Method Not Found' });
    return true;
  });
});

test('a port nobody listens on is CTI_ENGINE_UNAVAILABLE', async () => {
  const dead = new KamailioRpc({ url: `http://127.0.0.1:${await freePort()}/RPC` });
  await assert.rejects(dead.coreVersion(), (e) => isCtiError(e, 'CTI_ENGINE_UNAVAILABLE'));
});
