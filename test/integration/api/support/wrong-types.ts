/**
 * Wrong-typed request bodies derived from the OpenAPI document: for each field of a body schema (nested objects
 * and arrays of objects included), every JSON value whose type the field does not allow: a string for a number,
 * an array for a string, a number for a boolean, null for a field that is not nullable, and so on. Also sample
 * values for path parameters, so that a request reaches body validation.
 */
import { randomUUID } from 'node:crypto';

export interface JsonSchema {
  type?: string | string[];
  nullable?: boolean;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  $ref?: string;
}

export interface WrongField {
  /** JSON pointer of the field, as the server names it in details.fields (e.g. /settings/alarms/waiting_warning). */
  pointer: string;
  value: unknown;
  /** The smallest body that puts `value` at `pointer`. */
  body: unknown;
}

/** One value of each JSON type, typed as a gateway or a script might mistype them. */
const CANDIDATES: [string, unknown][] = [
  ['string', '7'], ['number', 7], ['array', ['x']], ['boolean', true], ['null', null], ['object', { x: 1 }],
];

export function allowedTypes(s: JsonSchema): Set<string> {
  const t = new Set([s.type ?? []].flat());
  if (t.has('integer')) t.add('number');
  if (s.nullable) t.add('null');
  return t;
}

function setAt(path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  return head === '0' ? [setAt(rest, value)] : { [head]: setAt(rest, value) };
}

/** Every wrong-typed field of a body schema; `resolve` follows $refs of the document. */
export function wrongFields(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema, path: string[] = []): WrongField[] {
  const s = resolve(schema);
  const out: WrongField[] = [];
  for (const [name, raw] of Object.entries(s.properties ?? {})) {
    const p = resolve(raw);
    const here = [...path, name];
    const allowed = allowedTypes(p);
    if (allowed.size === 0) continue; // any value (e.g. free-form details)
    for (const [type, value] of CANDIDATES) {
      if (!allowed.has(type)) out.push({ pointer: `/${here.join('/')}`, value, body: setAt(here, value) });
    }
    if (allowed.has('object') && p.properties) out.push(...wrongFields(p, resolve, here));
    const items = allowed.has('array') && p.items ? resolve(p.items) : undefined;
    if (items?.properties) out.push(...wrongFields(items, resolve, [...here, '0']));
    else if (items && allowedTypes(items).size > 0) {
      for (const [type, value] of CANDIDATES) {
        if (!allowedTypes(items).has(type)) out.push({ pointer: `/${here.join('/')}/0`, value, body: setAt([...here, '0'], value) });
      }
    }
  }
  return out;
}

/** Pointers of the numeric fields of a body schema without a lower or an upper bound. */
export function unboundedNumbers(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema, path = ''): string[] {
  const s = resolve(schema);
  const out: string[] = [];
  for (const [name, raw] of Object.entries(s.properties ?? {})) {
    const p = resolve(raw);
    const here = `${path}/${name}`;
    const allowed = allowedTypes(p);
    const low = p.minimum !== undefined || typeof p.exclusiveMinimum === 'number';
    const high = p.maximum !== undefined || typeof p.exclusiveMaximum === 'number';
    if (allowed.has('number') && !(low && high)) out.push(here);
    if (p.properties) out.push(...unboundedNumbers(p, resolve, here));
    if (p.items) out.push(...unboundedNumbers({ properties: { 0: resolve(p.items) } }, resolve, here));
  }
  return out;
}

/** A value of a path parameter that passes its schema (an id that need not exist). */
export function sampleParam(schema: JsonSchema): string {
  if (schema.enum?.length) return String(schema.enum[0]);
  if (schema.format === 'uuid') return randomUUID();
  if (schema.type === 'integer' || schema.type === 'number') return '1';
  const candidates = ['probe-1', '1', 'short_calls', '100000001', randomUUID()];
  const ok = schema.pattern ? candidates.find((c) => new RegExp(schema.pattern!).test(c)) : candidates[0];
  if (ok === undefined) throw new Error(`no sample value for the parameter schema ${JSON.stringify(schema)}`);
  return ok;
}
