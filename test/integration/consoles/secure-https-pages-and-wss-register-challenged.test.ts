/**
 * Secure pages and secure SIP WebSocket (issue 5): with the certificate the set-up generates
 * (scripts/setup.d/30-tls.sh, .run/tls), a stack gives the control plane an HTTPS port and Kamailio a WSS
 * listener (kamailio.cfg.tpl `#!ifdef WITH_TLS`). Trusting only the generated CA:
 * - GET https://127.0.0.1:<https>/consoles/ answers 200 with the index page (control/src/api/https.ts over
 *   the same Fastify instance as plain HTTP);
 * - a WebSocket with subprotocol `sip` to wss://127.0.0.1:<wss>/ completes the handshake with Kamailio, and a
 *   REGISTER sent over it is challenged with 401 (RFC 7118 framing: one SIP message per text frame);
 * - the event WebSocket answers over wss:// on the HTTPS port (upgrades reach the same app);
 * - the WSS port refuses JSON-RPC (it faces the browsers).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { httpsOptionsFromEnv, listenHttps, type HttpsListener } from '../../../control/src/api/https.ts';
import { consolesRoutes, sipWsUrlFromEnv } from '../../../control/src/api/routes/consoles.ts';
import { eventsRoutes } from '../../../control/src/api/routes/events-ws.ts';
import { buildServer } from '../../../control/src/api/server.ts';
import { ADMIN_PASSWORD, loginAs, startHarness, type Harness } from '../api/support/harness.ts';

let h: Harness;
let app: FastifyInstance;
let secure: HttpsListener;
let ca: Buffer;

before(async () => {
  h = await startHarness('consoles-secure');
  const tls = h.stack.info.tls;
  assert.ok(tls?.ca, 'the stack found the set-up\'s certificate in .run/tls (run `npm run setup`)');
  ca = readFileSync(tls.ca);
  app = await buildServer(h.deps, [consolesRoutes({
    sipWsUrl: sipWsUrlFromEnv({}, h.deps.config.kamailioRpcUrl), sipDomain: h.deps.config.sipDomain }), eventsRoutes(h.deps)]);
  const opts = httpsOptionsFromEnv(h.stack.control.env);
  assert.ok(opts, 'the stack passes CTI_HTTPS_PORT, CTI_TLS_CERT and CTI_TLS_KEY to the control plane');
  secure = await listenHttps(app, { host: '127.0.0.1', ...opts });
});
after(async () => {
  await secure?.close();
  await app?.close();
  await h?.deps.bus.stopFanout(); // the event WebSocket route starts the fan-out on first use
  await h?.close();
});

function httpsGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('secure-https-pages: the consoles answer over HTTPS with the generated CA trusted', async () => {
  assert.equal(secure.url, h.stack.info.api.httpsUrl);
  const index = await httpsGet(`${secure.url}/consoles/`);
  assert.equal(index.status, 200);
  assert.match(index.type, /text\/html/);
  assert.match(index.body, /consoles\/dispatcher\/|dispatcher\//);
  const dispatcher = await httpsGet(`${secure.url}/consoles/dispatcher/`);
  assert.equal(dispatcher.status, 200);
  const config = await httpsGet(`${secure.url}/v1/consoles/config`);
  assert.equal(config.status, 200);
  assert.equal((await httpsGet(`${secure.url}/v1/seats`)).status, 401, 'the session guard applies over HTTPS too');
  await assert.rejects(new Promise((resolve, reject) => {
    request(`${secure.url}/consoles/`, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject).end();
  }), /self[- ]signed|unable to verify|certificate/i, 'without the CA the certificate is not trusted (it is the set-up\'s own)');
});

test('secure-events-wss: the event WebSocket opens over the HTTPS port', async () => {
  const session = await loginAs(app, 'admin', ADMIN_PASSWORD);
  const url = `${secure.url.replace(/^https:/, 'wss:')}/v1/events/ws?token=${encodeURIComponent(session.token)}`;
  const ws = new WebSocket(url, { ca });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.close(1000);
  assert.equal(await closed, 1000, 'the closing handshake completes over TLS');
  const refused = new WebSocket(`${secure.url.replace(/^https:/, 'wss:')}/v1/events/ws`, { ca });
  const status = await new Promise<number>((resolve, reject) => {
    refused.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      // with this listener ws leaves the response open: end it, or its socket keeps the test process alive
      res.destroy();
      req.destroy();
    });
    refused.once('open', () => reject(new Error('opened without a token')));
    refused.once('error', reject);
  });
  assert.equal(status, 401, 'no token, no event stream over HTTPS either');
});

test('secure-wss-register: a REGISTER over wss:// with subprotocol sip is challenged with 401', async () => {
  const wssUrl = h.stack.info.sip.wss;
  assert.ok(wssUrl, 'the stack reports the WSS URL');
  const ws = new WebSocket(wssUrl, 'sip', { ca });
  const opened = new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  await opened;
  assert.equal(ws.protocol, 'sip', 'Kamailio accepted the sip subprotocol (RFC 7118 §4)');

  const domain = h.deps.config.sipDomain;
  const tag = randomBytes(6).toString('hex');
  const callId = `${randomBytes(8).toString('hex')}@secure-test`;
  const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
  const host = `${randomBytes(4).toString('hex')}.invalid`;
  const register = [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/WSS ${host};branch=${branch}`,
    'Max-Forwards: 70',
    `To: <sip:1001@${domain}>`,
    `From: <sip:1001@${domain}>;tag=${tag}`,
    `Call-ID: ${callId}`,
    'CSeq: 1 REGISTER',
    `Contact: <sip:1001@${host};transport=ws>;expires=60`,
    'Expires: 60',
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
  const reply = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no SIP reply over WSS within 5 s')), 5000);
    ws.on('message', (data) => { clearTimeout(timer); resolve(String(data)); });
  });
  ws.send(register);
  const text = await reply;
  ws.close();
  assert.match(text, /^SIP\/2\.0 401 /, `first line: ${text.split('\r\n')[0]}`);
  assert.match(text, /^WWW-Authenticate: Digest .*realm="/mi);
  assert.match(text, new RegExp(`^Call-ID: ${callId.replace(/[.@]/g, '\\$&')}`, 'mi'));
});

test('secure-wss-rpc-refused: the WSS port does not serve JSON-RPC', async () => {
  const wssUrl = new URL(h.stack.info.sip.wss!);
  const res = await new Promise<number>((resolve, reject) => {
    const req = request({ host: wssUrl.hostname, port: wssUrl.port, path: '/RPC', method: 'POST', ca,
      headers: { 'content-type': 'application/json' } }, (r) => { r.resume(); resolve(r.statusCode ?? 0); });
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 }));
  });
  assert.equal(res, 403);
});
