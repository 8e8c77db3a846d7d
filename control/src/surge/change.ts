/** Changing a running surge: only its expiry (earlier or later); ending it is end.ts's. */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { MAX_SURGE_HOURS } from './create.ts';
import { seatBackstop } from './credentials.ts';
import { getSurge, lockSurge, type Surge } from './store.ts';

export interface SurgePatch {
  expires_at: string;
}

export async function changeSurge(deps: Pick<AppDeps, 'sql'>, change: Change, id: string, p: SurgePatch, now = new Date()): Promise<Surge> {
  const expires = new Date(p.expires_at);
  const field = (message: string) => new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/expires_at', message }] });
  if (Number.isNaN(expires.getTime())) throw field('a date-time');
  if (expires <= now) throw field('must be in the future; to end a surge now use POST /v1/surges/:id/end');
  if (expires.getTime() - now.getTime() > MAX_SURGE_HOURS * 3600_000) throw field(`at most ${MAX_SURGE_HOURS / 24} days ahead`);
  return deps.sql.begin(async (tx) => {
    const before = await lockSurge(tx, id);
    if (before.ended_at !== null) {
      throw new CtiError('CTI_CONFLICT', { surge_id: id, ended_at: before.ended_at }, 'The surge has ended; create a new surge instead.');
    }
    await tx`UPDATE surges SET expires_at = ${expires}, updated_at = now() WHERE id = ${id}::uuid`;
    await tx`
      UPDATE seats SET expires_at = ${seatBackstop(expires)}, updated_at = now()
       WHERE id IN (SELECT seat_id FROM surge_seats WHERE surge_id = ${id}::uuid AND status = 'active')`;
    await recordAudit(tx, {
      ...change, action: 'surge.updated', target_type: 'surge', target_id: id,
      before: { expires_at: before.expires_at }, after: { expires_at: expires },
    });
    return getSurge(tx, id);
  });
}
