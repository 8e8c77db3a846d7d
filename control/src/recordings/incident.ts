/**
 * The dispatch system (CAD) attaches its incident id (事件编号) to a call, so the call's recording can be
 * found by incident (GET /v1/recordings?incident_id=). Setting the same id again changes nothing; a
 * different id replaces the old one (a correction). Every change is an audit row in the same transaction.
 */
import type { Sql } from 'postgres';
import { recordAudit, type Change } from '../audit/record.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';

export interface IncidentLink {
  call_id: string;
  incident_id: string;
  recording_id: string | null;
  changed: boolean;
}

export async function attachIncident(sql: Sql, callId: string, incidentId: string, who: Change, centres: CentreScope = null): Promise<IncidentLink> {
  return sql.begin(async (tx) => {
    const [call] = await tx<{ id: string; incident_id: string | null; recording_id: string | null }[]>`
      SELECT c.id, c.incident_id, (SELECT r.id FROM recordings r WHERE r.sip_call_id = c.sip_call_id) AS recording_id
        FROM calls c WHERE c.id = ${callId} ${inScope(tx, 'c.centre_id', centres)} FOR UPDATE OF c`;
    if (!call) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: callId });
    if (call.incident_id === incidentId) return { call_id: call.id, incident_id: incidentId, recording_id: call.recording_id, changed: false };
    await tx`UPDATE calls SET incident_id = ${incidentId} WHERE id = ${callId}`;
    await recordAudit(tx, {
      actor: who.actor, ip: who.ip, action: 'call.incident_attached', target_type: 'call', target_id: callId,
      before: { incident_id: call.incident_id }, after: { incident_id: incidentId },
    });
    return { call_id: call.id, incident_id: incidentId, recording_id: call.recording_id, changed: true };
  });
}
