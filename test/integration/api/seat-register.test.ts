import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, bearer, loginAs, startHarness, type Harness, type Session } from './support/harness.ts';
import { registerWithDigest, type RegisterTarget } from './support/sip-register.ts';

let h: Harness;
let admin: Session;
let target: RegisterTarget;

before(async () => {
  h = await startHarness('api-register');
  admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
  target = { host: h.stack.info.sip.host, port: h.stack.info.sip.port, domain: h.deps.config.sipDomain };
});
after(async () => { await h?.close(); });

test('seat-created-registers: Kamailio accepts the seat\'s REGISTER with the password given to the API', async () => {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/seats', headers: bearer(admin),
    payload: { id: 'reg-01', display_name: '注册测试', sip_username: 'reg01', sip_password: 'reg01-password' },
  });
  assert.equal(res.statusCode, 201);
  assert.equal(await registerWithDigest(target, 'reg01', 'reg01-password'), 200);
  assert.equal(await registerWithDigest(target, 'reg01', 'not-the-password'), 401);
});

test('seat-disabled-refused: after DELETE the same credentials are refused at once', async () => {
  const del = await h.app.inject({ method: 'DELETE', url: '/v1/seats/reg-01', headers: bearer(admin) });
  assert.equal(del.statusCode, 200);
  assert.equal(await registerWithDigest(target, 'reg01', 'reg01-password'), 401);
});

test('seat-password-changed: the old SIP password is refused, the new one accepted', async () => {
  await h.app.inject({ method: 'PATCH', url: '/v1/seats/reg-01', headers: bearer(admin), payload: { enabled: true, sip_password: 'reg01-second' } });
  assert.equal(await registerWithDigest(target, 'reg01', 'reg01-password'), 401);
  assert.equal(await registerWithDigest(target, 'reg01', 'reg01-second'), 200);
});
