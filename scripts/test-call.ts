/**
 * Places a test call on the running dev stack (`npm start` in another terminal): a SIPp "trunk" calls 120
 * with 5 s of a 440 Hz tone, a SIPp "seat" (demo01) answers with a 1000 Hz tone, and the call record,
 * its offers and its recording are printed. Creates the demo seat and trunk on first use (audited as admin).
 *   npm run test-call [-- <stack name>]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freeUdpPort, runSipp, startSipp } from '../test/support/sipp.ts';
import { ensureTestAudio } from '../test/support/audio.ts';
import { waitForReadyStack } from './stack/stack-json.ts';

const name = process.argv[2] ?? 'dev';
const stateDir = join(process.cwd(), '.run', name);
// every daemon answers once stack.json says ready (scripts/stack/stack-json.ts); a stack still starting is waited for
const info = await waitForReadyStack(name, 60_000);
const api = info.api.url;
const sip = info.sip.udp;

async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(api + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json;
}

async function main(): Promise<void> {
  ensureTestAudio();
  const password = process.env.CTI_ADMIN_PASSWORD ?? readFileSync(join(stateDir, 'admin-password'), 'utf8').trim();
  const { token } = await call('POST', '/v1/auth/login', undefined, { username: 'admin', password });
  const demoFile = join(stateDir, 'demo-seat.json');
  const demo = existsSync(demoFile) ? JSON.parse(readFileSync(demoFile, 'utf8')) : { password: randomBytes(9).toString('base64url') };
  if (!existsSync(demoFile)) {
    await call('POST', '/v1/seats', token, { id: 'demo01', display_name: '演示席位', sip_username: 'demo01', sip_password: demo.password });
    writeFileSync(demoFile, JSON.stringify(demo), { mode: 0o600 });
  }
  const callerPort = await freeUdpPort();
  await call('DELETE', '/v1/trunks/demo-gw', token).catch(() => undefined);
  await call('POST', '/v1/trunks', token, { id: 'demo-gw', name: '演示网关', ip_addr: '127.0.0.1', port: callerPort });

  const seatPort = await freeUdpPort();
  const reg = await runSipp({ scenario: 'uac-register-expect-200.xml', remote: sip, localPort: seatPort, auth: { username: 'demo01', password: demo.password }, vars: { expires: '300' } });
  if (reg.exitCode !== 0) throw new Error(`seat registration failed:\n${reg.stderrTail}`);
  const seat = await startSipp({ scenario: 'uas-seat-answer-audio.xml', localPort: seatPort, remote: sip, calls: 1, timeoutS: 60 });
  await call('POST', '/v1/seats/demo01/login', token);
  await call('POST', '/v1/seats/demo01/ready', token);
  process.stdout.write(`calling 120 at ${sip} from a trunk on 127.0.0.1:${callerPort}; seat demo01 answers on ${seatPort}\n`);
  const caller = await runSipp({ scenario: 'uac-120-expect-answer-audio.xml', remote: sip, localPort: callerPort, injection: [{ number: '13800138000', name: '测试来电' }], timeoutS: 60 });
  await seat.done;
  process.stdout.write(`caller: ${caller.exitCode === 0 ? 'answered, talked, hung up' : `failed (exit ${caller.exitCode})`}\n`);
  await new Promise((r) => setTimeout(r, 6000));
  const list = await call('GET', '/v1/calls?limit=1', token).catch(() => undefined);
  const last = Array.isArray(list) ? list[0] : list?.items?.[0];
  if (last) {
    process.stdout.write(`${JSON.stringify(await call('GET', `/v1/calls/${last.id}`, token), null, 2)}\n`);
    const meta = await call('GET', `/v1/calls/${last.id}/recording/meta`, token).catch((e) => String(e));
    process.stdout.write(`recording: ${JSON.stringify(meta)}\n`);
  }
  await call('POST', '/v1/seats/demo01/logout', token).catch(() => undefined);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
