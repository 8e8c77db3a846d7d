/**
 * The one way the call path writes PostgreSQL: `await writeFacts(deps, call.id, fact\`UPDATE …\`, …)` (one
 * transaction). The handler never fails or waits long because PostgreSQL is away:
 *   - the outbox holds writes already: this one joins its end (order kept; the replayer writes it);
 *   - else it is written now; if PostgreSQL is unreachable, read-only or failing over (classify.ts), or does not
 *     answer within CTI_FACTS_WRITE_TIMEOUT_MS, it goes to the outbox instead;
 *   - any other error (a constraint violation: a bug) is thrown, as before.
 * Either way the caller goes on with its Redis state. Returns 'written' or 'kept'.
 */
import type { AppDeps } from '../../app/deps.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { applyEntry } from './apply.ts';
import { isOutage } from './classify.ts';
import { newEntry, type OutboxEntry } from './entry.ts';
import type { FactStatement } from './statement.ts';
import { appendEntry, appendIfPending } from './stream.ts';

export type FactDeps = Pick<AppDeps, 'sql' | 'redis' | 'log'>;

const timeoutMs = (): number => Number(process.env.CTI_FACTS_WRITE_TIMEOUT_MS) || 2000;

function withTimeout<T>(p: Promise<T>, ms: number, e: OutboxEntry): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CtiError('CTI_FACT_WRITE_TIMEOUT', { id: e.id, key: e.key, timeout_ms: ms })), ms);
  });
  // a write that answers after its timeout is settled here (its key makes the outbox's replay of it a no-op)
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function writeFacts(deps: FactDeps, key: string, ...stmts: (FactStatement | false | null | undefined)[]): Promise<'written' | 'kept'> {
  const list = stmts.filter((s): s is FactStatement => !!s);
  if (list.length === 0) return 'written';
  const entry = newEntry(key, list);
  if (await appendIfPending(deps.redis, entry)) return 'kept';
  try {
    await withTimeout(applyEntry(deps.sql, entry), timeoutMs(), entry);
    return 'written';
  } catch (err) {
    if (!isCtiError(err, 'CTI_FACT_WRITE_TIMEOUT') && !isOutage(err)) throw err;
    await appendEntry(deps.redis, entry);
    deps.log.warn({ key, id: entry.id, code: (err as { code?: string }).code, err: String(err) }, 'PostgreSQL away: call fact kept in the outbox (written when it takes writes again)');
    return 'kept';
  }
}
