/**
 * A PostgreSQL write on the call path, written as a tagged template like postgres.js's own (`fact\`UPDATE …\``)
 * but kept as data: it can wait in the Redis outbox as JSON and run later exactly as it would have run now.
 * Arguments are plain values (strings, numbers, booleans, null, arrays of those), Dates, and three helpers that
 * mirror postgres.js's: `fact.json(v)` (sql.json), `fact.set(columns)` (sql(object) in an UPDATE's SET) and
 * `fact.rows(rows, ...columns)` (sql(rows, ...columns) in a multi-row INSERT).
 */
import type { ParameterOrFragment, TransactionSql } from 'postgres';
import { CtiError } from '../../errors/catalogue.ts';

type Plain = string | number | boolean | null;
type Value = Plain | Plain[] | { $date: string } | { $json: unknown };
export type FactArg = Value | { $set: Record<string, Value> } | { $rows: Record<string, Value>[]; cols: string[] };

export interface FactStatement {
  strings: string[];
  args: FactArg[];
}

function value(v: unknown, where: string): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v) && v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) return v as Plain[];
  if (typeof v === 'object' && '$json' in v) return v as { $json: unknown };
  throw new CtiError('CTI_FACT_ARGUMENT_UNSUPPORTED', { where, type: Array.isArray(v) ? 'array' : typeof v });
}

function record(o: Record<string, unknown>, where: string): Record<string, Value> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, value(v, `${where}.${k}`)]));
}

export function fact(strings: TemplateStringsArray, ...args: unknown[]): FactStatement {
  return {
    strings: [...strings],
    args: args.map((a, i) => (typeof a === 'object' && a !== null && ('$set' in a || '$rows' in a) ? (a as FactArg) : value(a, `arg ${i}`))),
  };
}
fact.json = (v: unknown): { $json: unknown } => ({ $json: v ?? null });
fact.set = (columns: Record<string, unknown>): FactArg => ({ $set: record(columns, 'set') });
fact.rows = (rows: Record<string, unknown>[], ...cols: string[]): FactArg => ({ $rows: rows.map((r) => record(r, 'rows')), cols });

function revive(tx: TransactionSql, v: Value): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    if ('$date' in v) return new Date(v.$date);
    return tx.json(v.$json as never);
  }
  return v;
}

const reviveRecord = (tx: TransactionSql, r: Record<string, Value>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, revive(tx, v)]));

/** Runs one statement in the transaction: the template goes back through postgres.js as if written in place. */
export async function runStatement(tx: TransactionSql, s: FactStatement): Promise<void> {
  const args = s.args.map((a): ParameterOrFragment<never> => {
    if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
      if ('$set' in a) return tx(reviveRecord(tx, a.$set) as never) as never;
      if ('$rows' in a) return tx(a.$rows.map((r) => reviveRecord(tx, r)) as never, ...(a.cols as never[])) as never;
    }
    return revive(tx, a as Value) as never;
  });
  const strings = Object.assign([...s.strings], { raw: [...s.strings] }) as unknown as TemplateStringsArray;
  await tx(strings, ...args);
}
