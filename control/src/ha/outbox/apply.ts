/**
 * Writes one outbox entry in one transaction, idempotently: its key goes into fact_outbox_applied first; when the
 * key is already there the entry was written before (a direct write whose answer was lost, a replay interrupted
 * before it removed the entry) and nothing else runs. Returns whether the statements ran now.
 */
import type { Sql } from 'postgres';
import type { OutboxEntry } from './entry.ts';
import { runStatement } from './statement.ts';
import { within, writeTimeoutMs } from './timeout.ts';

export async function applyEntry(sql: Sql, e: OutboxEntry): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [fresh] = await tx`INSERT INTO fact_outbox_applied (id, key) VALUES (${e.id}, ${e.key}) ON CONFLICT (id) DO NOTHING RETURNING id`;
    if (!fresh) return false;
    for (const s of e.stmts) await runStatement(tx, s);
    return true;
  });
}

/**
 * applyEntry, or CTI_FACT_WRITE_TIMEOUT when PostgreSQL does not answer in time: the call path and the replayer never
 * wait longer. A write that answers after its timeout is harmless: its key makes the replay of it a no-op.
 */
export function applyWithin(sql: Sql, e: OutboxEntry, ms = writeTimeoutMs()): Promise<boolean> {
  return within(applyEntry(sql, e), ms, { id: e.id, key: e.key });
}
