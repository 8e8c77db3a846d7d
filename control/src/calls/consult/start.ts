/**
 * A consultative transfer begins (docs/mixer.md "Consultative transfer"): the three-way's anchoring
 * (calls/conference/anchor.ts) with the caller held in the room (caller-hold.ts: the hold audio, the room's audio
 * kept from the caller, the caller muted in the room), then the destination dialled; the dispatcher and the target
 * talk privately. The same checks as a three-way come first (the call talking and the person's, the destination on
 * the linkage directory, the mixer up, no three-way or consultation live), and nothing changes when one fails.
 * The answer carries the anchor token for the seat's phone, as a three-way's does, and the deadline (deadline.ts).
 */
import { settle } from '../../app/settle.ts';
import type { Change } from '../../audit/record.ts';
import { startThreeWay, type StartedThreeWay, type ThreeWayRequest } from '../conference/anchor.ts';
import type { LegEnv } from '../conference/legs.ts';
import { talkingCall } from '../media/session.ts';
import { armDeadline, consultMaxMs } from './deadline.ts';
import { putConsultation, type Consultation } from './store.ts';

export interface StartedConsultation extends StartedThreeWay { phase: 'requested'; deadline_at: string }

export async function startConsultation(env: LegEnv, change: Change, callId: string, req: ThreeWayRequest): Promise<StartedConsultation> {
  // the call's identifiers read while the three-way starts (it checks the call itself; its error comes first)
  const [started, read] = await Promise.all([startThreeWay(env, change, callId, req, { consult: true }), settle(talkingCall(env.deps, callId))]);
  if (!read.ok) throw read.error;
  const call = read.value;
  const now = Date.now();
  const maxMs = consultMaxMs();
  const c: Consultation = {
    call_id: call.id, sip_call_id: call.sipCallId, room_id: started.room_id, state: 'active', destination: started.destination,
    requested_by: change.actor.id, started_at: new Date(now).toISOString(), deadline_at: new Date(now + maxMs).toISOString(),
  };
  await putConsultation(env.deps.redis, c);
  armDeadline(env, c, maxMs);
  return { ...started, phase: 'requested', deadline_at: c.deadline_at };
}
