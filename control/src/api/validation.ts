/**
 * How the API validates requests (Fastify's own Ajv compiler, @fastify/ajv-compiler, twice):
 *   - bodies strictly: no type coercion. `"7"` is not 7, `[12]` is not 12, `"false"` is not false, `null` is
 *     not `""`; a typo in a 120 centre's configuration is refused, never guessed at.
 *   - path parameters, query strings and headers with coercion: they arrive as text, so `?limit=50` is 50
 *     and `?include_disabled=true` is true (and `?types=a` may become a one-element array).
 * Both: unknown fields are errors (removeAdditional false), every failing field is listed (allErrors),
 * defaults are filled in.
 *
 *   Fastify({ schemaController: { compilersFactory: { buildValidator: strictBodyValidators() } } })
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CtiError } from '../errors/catalogue.ts';

const COMMON = { removeAdditional: false, allErrors: true, useDefaults: true } as const;

type ValidatorFactory = ReturnType<typeof AjvCompiler>;

type RouteCompiler = ReturnType<ValidatorFactory>;
type Validator = ReturnType<RouteCompiler>;

/**
 * A Fastify validator factory: the body without coercion, every other part of the request with it. Each route's
 * validator is compiled at the route's first request (lazyValidator), not at start.
 */
export function strictBodyValidators(): ValidatorFactory {
  const pool = AjvCompiler();
  // Fastify's `ajv` server option is not used: the options are here
  return (externalSchemas) => {
    const body = pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes: false } });
    const text = pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes: 'array' } });
    return (route) => lazyValidator(() => (route.httpPart === 'body' ? body(route) : text(route)));
  };
}

/**
 * The validator `compile` returns, compiled when first used. Compiling every route's request and response schemas
 * at start (Ajv and fast-json-stringify: a third of a CPU profile of the start) cost about 0.9 s of CPU of each
 * control-plane start on 2 cores (2.0 s down to 1.1 s up to GET /health, measured), for routes a start may never
 * see; a start is what a crash restart and a takeover wait for, and the test suite starts the control plane about
 * 150 times. The same Ajv validator then runs as before: Fastify calls it with Ajv's root-data context when it has a
 * `schemaEnv`, and reads its `errors` after a `false` (both passed through here). A schema Ajv cannot compile now
 * fails its route's requests (a 500) instead of the start.
 */
export function lazyValidator(compile: () => Validator): Validator {
  let compiled: Validator | undefined;
  const get = () => (compiled ??= compile());
  const validate = ((data: unknown, ctx?: unknown) => (ctx === undefined ? get()(data) : (get() as (d: unknown, c: unknown) => unknown)(data, ctx))) as Validator;
  Object.defineProperty(validate, 'errors', { get: () => compiled?.errors });
  Object.defineProperty(validate, 'schemaEnv', { get: () => (get() as { schemaEnv?: unknown }).schemaEnv });
  return validate;
}

/**
 * A route that takes no body (login/ready/logout of a seat, ending a surge, DELETEs) refuses one, instead of ignoring
 * what the client meant: `{}` or no body at all are taken, anything else is 400 CTI_BAD_REQUEST naming the body.
 * Added by server.ts to every POST/PUT/PATCH/DELETE route without a body schema.
 */
export function refuseUnexpectedBody(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  const body = request.body as unknown;
  const empty = body === undefined || body === null
    || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body as object).length === 0);
  if (empty) return done();
  done(new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/', message: 'this request takes no body (send none, or {})' }] }));
}

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/** Fastify's own response serializer factory (fast-json-stringify), each route's serializer compiled at its first reply (see lazyValidator). */
export function lazySerializers(): SerializerFactory {
  const factory = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => (serialize ??= compile(route))(data);
    };
  };
}
