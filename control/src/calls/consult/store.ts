/**
 * A call's consultation in Redis (`cti:consult:<call id>`, JSON, at most 12 h): what the room and the anchor do not
 * say (who asked, the destination, the deadline, how it ended). The room's participants and the anchor are the live
 * truth of its phase (machine.ts phaseOf); the audit log and the call's timeline (party events) are the record.
 */
import type { Redis } from 'ioredis';
import type { AppDeps } from '../../app/deps.ts';
import type { ConsultOutcome } from './machine.ts';

const TTL_S = 12 * 3600;
const key = (callId: string) => `cti:consult:${callId}`;
/** The calls with an open consultation (deadline.ts re-arms their deadlines when a control plane starts). */
const OPEN = 'cti:consult:open';

export interface Consultation {
  call_id: string;
  sip_call_id: string;
  room_id: string;
  state: ConsultOutcome | 'active';
  destination: { destination_id: string; name: string; number: string };
  requested_by: string;
  started_at: string;
  /** When the control plane ends it if nobody has (deadline.ts). */
  deadline_at: string;
  /** Who ended it: the dispatcher, or the deadline (`timeout`). */
  ended_by?: 'dispatcher' | 'timeout';
  ended_at?: string;
}

export async function putConsultation(redis: Redis, c: Consultation): Promise<void> {
  const m = redis.multi().set(key(c.call_id), JSON.stringify(c), 'EX', TTL_S);
  await (c.state === 'active' ? m.sadd(OPEN, c.call_id) : m.srem(OPEN, c.call_id)).exec();
}

export async function openConsultations(redis: Redis): Promise<Consultation[]> {
  const out: Consultation[] = [];
  for (const id of await redis.smembers(OPEN)) {
    const c = await getConsultation(redis, id);
    if (c?.state === 'active') out.push(c);
    else await redis.srem(OPEN, id);
  }
  return out;
}

export async function getConsultation(redis: Redis, callId: string): Promise<Consultation | undefined> {
  const raw = await redis.get(key(callId));
  return raw ? (JSON.parse(raw) as Consultation) : undefined;
}

/** How the dialled party left the room (call.party_left.v1 on the call's timeline): failed, hung_up, dropped... */
export async function targetLeftReason(sql: AppDeps['sql'], callId: string, participantId: string): Promise<string | null> {
  const [row] = await sql<{ reason: string }[]>`
    SELECT data->>'reason' AS reason FROM call_events
     WHERE call_id = ${callId} AND type = 'call.party_left.v1' AND data->>'participant_id' = ${participantId} ORDER BY at DESC LIMIT 1`;
  return row?.reason ?? null;
}
