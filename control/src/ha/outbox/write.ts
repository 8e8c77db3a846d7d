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
import { isCtiError } from '../../errors/catalogue.ts';
import { applyWithin } from './apply.ts';
import { isOutage } from './classify.ts';
import { newEntry } from './entry.ts';
import type { FactStatement } from './statement.ts';
import { appendEntry, appendIfPending } from './stream.ts';

export type FactDeps = Pick<AppDeps, 'sql' | 'redis' | 'log'>;

export async function writeFacts(deps: FactDeps, key: string, ...stmts: (FactStatement | false | null | undefined)[]): Promise<'written' | 'kept'> {
  const list = stmts.filter((s): s is FactStatement => !!s);
  if (list.length === 0) return 'written';
  const entry = newEntry(key, list);
  if (await appendIfPending(deps.redis, entry)) return 'kept';
  try {
    await applyWithin(deps.sql, entry);
    return 'written';
  } catch (err) {
    if (!isCtiError(err, 'CTI_FACT_WRITE_TIMEOUT') && !isOutage(err)) throw err;
    await appendEntry(deps.redis, entry);
    deps.log.warn({ key, id: entry.id, code: (err as { code?: string }).code, err: String(err) }, 'PostgreSQL away: call fact kept in the outbox (written when it takes writes again)');
    return 'kept';
  }
}
