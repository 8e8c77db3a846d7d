/** The API's validators and serializers are compiled at a route's first use, not at start (control/src/api/validation.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { lazySerializers, lazyValidator, strictBodyValidators } from '../../../control/src/api/validation.ts';

test('a lazy validator compiles once, at its first call, and passes the result, errors and schemaEnv through', () => {
  let compiled = 0;
  const errors = [{ instancePath: '/n', message: 'must be integer' }];
  const inner = Object.assign((data: unknown) => typeof data === 'number', { errors, schemaEnv: { root: true } });
  const validate = lazyValidator(() => { compiled++; return inner as never; });
  assert.equal(compiled, 0, 'nothing compiled before the first request');
  assert.equal((validate as unknown as { errors: unknown }).errors, undefined);
  assert.equal(validate(7 as never), true);
  assert.equal(validate('7' as never), false);
  assert.deepEqual((validate as unknown as { errors: unknown }).errors, errors);
  assert.deepEqual((validate as unknown as { schemaEnv: unknown }).schemaEnv, { root: true });
  assert.equal(compiled, 1);
});

test('through Fastify, compiled lazily: bodies strict, query strings coerced, defaults filled in, replies serialized by their schema', async () => {
  const app = Fastify({ schemaController: { compilersFactory: { buildValidator: strictBodyValidators(), buildSerializer: lazySerializers() } } });
  app.post('/n', {
    schema: {
      body: { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'string', default: 'x' } }, required: ['n'], additionalProperties: false },
      querystring: { type: 'object', properties: { limit: { type: 'integer' } }, additionalProperties: false },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'string' }, limit: { type: 'integer' } }, additionalProperties: false } },
    },
  }, async (req) => ({ ...(req.body as object), limit: (req.query as { limit?: number }).limit, secret: 'not in the schema' }));
  await app.ready();
  const ok = await app.inject({ method: 'POST', url: '/n?limit=50', payload: { n: 7 } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { n: 7, d: 'x', limit: 50 }, 'default filled in, query coerced, unknown reply field dropped');
  const text = await app.inject({ method: 'POST', url: '/n', payload: { n: '7' } });
  assert.equal(text.statusCode, 400, '"7" is not 7 in a body');
  const extra = await app.inject({ method: 'POST', url: '/n', payload: { n: 1, typo: true } });
  assert.equal(extra.statusCode, 400, 'an unknown body field is refused');
  await app.close();
});
