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
