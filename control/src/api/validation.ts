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
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CtiError } from '../errors/catalogue.ts';

const COMMON = { removeAdditional: false, allErrors: true, useDefaults: true } as const;

type ValidatorFactory = ReturnType<typeof AjvCompiler>;

/** A Fastify validator factory: the body without coercion, every other part of the request with it. */
export function strictBodyValidators(): ValidatorFactory {
  const pool = AjvCompiler();
  // Fastify's `ajv` server option is not used: the options are here
  return (externalSchemas) => {
    const body = pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes: false } });
    const text = pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes: 'array' } });
    return (route) => (route.httpPart === 'body' ? body(route) : text(route));
  };
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
