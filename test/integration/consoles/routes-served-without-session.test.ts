/**
 * consolesRoutes inside the real API server (buildServer, real PostgreSQL/Redis): the pages, SIP.js and
 * the config answer without a session, nothing outside the consoles folder and SIP.js's lib/ is served,
 * and the rest of the API still requires a session (the plugin's "public" marking stays inside it).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { consolesRoutes, sipWsUrlFromEnv } from '../../../control/src/api/routes/consoles.ts';
import { buildServer } from '../../../control/src/api/server.ts';
import { startHarness, type Harness } from '../api/support/harness.ts';

let h: Harness;
let app: FastifyInstance;

before(async () => {
  h = await startHarness('consoles-routes');
  const sipWsUrl = sipWsUrlFromEnv({}, h.deps.config.kamailioRpcUrl);
  app = await buildServer(h.deps, [consolesRoutes({ sipWsUrl, sipDomain: h.deps.config.sipDomain })]);
  await app.ready();
});
after(async () => {
  await app?.close();
  await h?.close();
});

test('consoles-routes: pages, SIP.js and config are public; traversal and sources are refused; the API still needs a session', async () => {
  const config = await app.inject({ method: 'GET', url: '/v1/consoles/config' });
  assert.equal(config.statusCode, 200);
  const body = config.json();
  assert.equal(body.sip.ws_url, `ws://${new URL(h.deps.config.kamailioRpcUrl).host}/`, 'the WebSocket listener is Kamailio\'s HTTP port');
  assert.equal(body.sip.domain, h.deps.config.sipDomain);
  assert.equal(body.hotkeys.answer, 'F1');
  assert.equal(sipWsUrlFromEnv({ CTI_SIP_WS_URL: 'wss://sip.example.cn:7443/' }, 'http://x:1/RPC'), 'wss://sip.example.cn:7443/');

  for (const url of ['/consoles/', '/consoles/dispatcher/', '/consoles/supervisor/']) {
    const r = await app.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 200, url);
    assert.match(String(r.headers['content-type']), /text\/html/, url);
  }
  const js = await app.inject({ method: 'GET', url: '/consoles/dispatcher/phone.js' });
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  const sip = await app.inject({ method: 'GET', url: '/vendor/sip.js/index.js' });
  assert.equal(sip.statusCode, 200);
  assert.match(sip.body, /export/);
  assert.equal((await app.inject({ method: 'GET', url: '/' })).headers.location, '/consoles/');

  for (const url of ['/vendor/sip.js/../package.json', '/vendor/sip.js/index.d.ts', '/consoles/shared/live-state.d.ts', '/consoles/../package.json']) {
    const r = await app.inject({ method: 'GET', url });
    assert.ok(r.statusCode >= 400, `${url} is not served (${r.statusCode})`);
  }
  const seats = await app.inject({ method: 'GET', url: '/v1/seats' });
  assert.equal(seats.statusCode, 401, 'other routes still need a session');
  assert.ok(!h.log.lines.some((l) => /without a response schema/.test(String(l.msg)) && /consoles/.test(JSON.stringify(l.obj))), 'every consoles route has a schema or is hidden');
});
