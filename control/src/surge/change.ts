/** Changing a running surge: only its expiry (earlier or later); ending it is end.ts's. */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { bodyFieldError, futureDate } from '../errors/fields.ts';
import { END_SURGE_HINT, MAX_SURGE_HOURS } from './create.ts';
import { seatBackstop } from './credentials.ts';
import { getSurge, lockSurge, type Surge } from './store.ts';

export interface SurgePatch {
  expires_at: string;
}

export async function changeSurge(deps: Pick<AppDeps, 'sql'>, change: Change, id: string, p: SurgePatch, now = new Date()): Promise<Surge> {
  const expires = futureDate(p.expires_at, '/expires_at', END_SURGE_HINT, now)!;
  if (expires.getTime() - now.getTime() > MAX_SURGE_HOURS * 3600_000) throw bodyFieldError('/expires_at', `at most ${MAX_SURGE_HOURS / 24} days ahead`);
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
