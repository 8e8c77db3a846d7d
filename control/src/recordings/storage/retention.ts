/**
 * Retention: audio older than the retention period (default 2 years, CTI_RECORDING_RETENTION_DAYS) is
 * deleted from disk, the WAV master and its listening copy; the index row stays, marked `purged`, with its
 * chain row and its place in the signed manifests (proof of what existed). A recording tagged `hold`
 * (legal hold, a complaint under way) is kept until the tag is removed. Every purge is an audit row.
 */
import { rm } from 'node:fs/promises';
import type { Sql } from 'postgres';
import { recordAudit } from '../../audit/record.ts';

export const DEFAULT_RETENTION_DAYS = 730;
export const HOLD_TAG = 'hold';
const SYSTEM = { id: null, username: 'system:retention' };

export interface PurgeResult {
  purged: string[];
  failed: Array<{ id: string; error: string }>;
}

export function retentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CTI_RECORDING_RETENTION_DAYS;
  const n = raw === undefined || raw === '' ? DEFAULT_RETENTION_DAYS : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CTI_RECORDING_RETENTION_DAYS=${raw}: give a whole number of days >= 1`);
  return n;
}

/** Purges up to `batch` expired recordings; call again while it returns a full batch. */
export async function purgeExpired(sql: Sql, retentionDays: number, now = new Date(), batch = 200): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const due = await sql<{ id: string; path: string | null; listening_path: string | null; started_at: Date | null }[]>`
    SELECT r.id, r.path, s.listening_path, coalesce(r.started_at, r.created_at) AS started_at
      FROM recordings r LEFT JOIN recording_storage s ON s.recording_id = r.id
     WHERE r.status = 'ready' AND coalesce(r.started_at, r.created_at) < ${cutoff}
       AND NOT EXISTS (SELECT 1 FROM recording_tags t WHERE t.recording_id = r.id AND t.tag = ${HOLD_TAG})
     ORDER BY coalesce(r.started_at, r.created_at) LIMIT ${batch}`;
  const result: PurgeResult = { purged: [], failed: [] };
  for (const r of due) {
    try {
      for (const p of [r.path, r.listening_path]) if (p) await rm(p, { force: true });
      await sql.begin(async (tx) => {
        await tx`UPDATE recordings SET status = 'purged', purged_at = ${now} WHERE id = ${r.id} AND status = 'ready'`;
        await tx`UPDATE recording_storage SET listening_path = NULL, listening_bytes = NULL, updated_at = now() WHERE recording_id = ${r.id}`;
        await recordAudit(tx, {
          actor: SYSTEM, ip: null, action: 'recording.purged', target_type: 'recording', target_id: r.id,
          before: { status: 'ready', path: r.path }, after: { status: 'purged', retention_days: retentionDays, started_at: r.started_at },
        });
      });
      result.purged.push(r.id);
    } catch (e) {
      result.failed.push({ id: r.id, error: (e as Error).message });
    }
  }
  return result;
}
