/**
 * One outbox entry: the statements of one call-path write (one transaction), its idempotency key (`id`, recorded
 * in fact_outbox_applied in the same transaction) and what it is about (`key`: a call or seat id, for the logs).
 * Pure: encoding to and from the Redis stream's field.
 */
import { randomUUID } from 'node:crypto';
import type { FactStatement } from './statement.ts';

export interface OutboxEntry {
  id: string;
  key: string;
  /** When the write was made (ms). */
  at: number;
  stmts: FactStatement[];
}

export function newEntry(key: string, stmts: FactStatement[], now = Date.now()): OutboxEntry {
  return { id: randomUUID(), key, at: now, stmts };
}

export const encodeEntry = (e: OutboxEntry): string => JSON.stringify(e);

const isStatement = (s: unknown): s is FactStatement =>
  typeof s === 'object' && s !== null && Array.isArray((s as FactStatement).strings) && Array.isArray((s as FactStatement).args)
  && (s as FactStatement).strings.length === (s as FactStatement).args.length + 1 && (s as FactStatement).strings.every((x) => typeof x === 'string');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The entry, or undefined when the field is not one (never replayed: a dead letter). */
export function decodeEntry(raw: string | undefined): OutboxEntry | undefined {
  if (!raw) return undefined;
  let e: OutboxEntry;
  try {
    e = JSON.parse(raw) as OutboxEntry;
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || !UUID.test(e.id) || typeof e.key !== 'string'
    || typeof e.at !== 'number' || !Array.isArray(e.stmts) || e.stmts.length === 0 || !e.stmts.every(isStatement)) return undefined;
  return e;
}

/** Milliseconds of a Redis stream id (`<ms>-<seq>`). */
export const streamIdMs = (id: string): number => Number(id.split('-')[0]);
