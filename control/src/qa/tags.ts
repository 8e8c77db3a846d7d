/** Tags on recordings (典型案例, 投诉, hold ...), set by QA and supervisors; `hold` keeps the audio past retention. */
import type { Sql } from 'postgres';
import { recordAudit, type Change } from '../audit/record.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';

export async function tagsOf(sql: Sql, recordingId: string, centres: CentreScope = null): Promise<{ recording_id: string; tags: string[] }> {
  const [rec] = await sql`SELECT id FROM recordings WHERE id = ${recordingId} ${inScope(sql, 'centre_id', centres)}`;
  if (!rec) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: recordingId });
  const rows = await sql<{ tag: string }[]>`SELECT tag FROM recording_tags WHERE recording_id = ${recordingId} ORDER BY tag`;
  return { recording_id: recordingId, tags: rows.map((r) => r.tag) };
}

export async function setTag(sql: Sql, recordingId: string, tag: string, on: boolean, who: Change, centres: CentreScope = null): Promise<{ recording_id: string; tags: string[] }> {
  await sql.begin(async (tx) => {
    const [rec] = await tx`SELECT id FROM recordings WHERE id = ${recordingId} ${inScope(tx, 'centre_id', centres)}`;
    if (!rec) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: recordingId });
    const changed = on
      ? await tx`INSERT INTO recording_tags (recording_id, tag, created_by) VALUES (${recordingId}, ${tag}, ${who.actor.id}) ON CONFLICT DO NOTHING RETURNING tag`
      : await tx`DELETE FROM recording_tags WHERE recording_id = ${recordingId} AND tag = ${tag} RETURNING tag`;
    if (changed.length > 0) {
      await recordAudit(tx, {
        actor: who.actor, ip: who.ip, action: on ? 'recording.tagged' : 'recording.untagged', target_type: 'recording', target_id: recordingId,
        after: { tag },
      });
    }
  });
  return tagsOf(sql, recordingId);
}
