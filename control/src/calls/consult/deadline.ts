/**
 * No caller is held forever (issue 14 "Bad input and faults"): a dispatcher's page that closed mid-consultation, or
 * a dispatcher who forgot, meets the deadline (CTI_CONSULT_MAX_MS, 120 s by default). Then the control plane acts as
 * the dispatcher would: the target talking -> the transfer is completed (caller and target connected); otherwise
 * (still ringing, or failed) -> cancelled, the caller back with the dispatcher's seat; but when that seat's phone is
 * gone (the page closed: no registered contact), the caller goes back to its place in the queue instead (requeue.ts). The timer lives in the process; a control plane that starts re-arms every open consultation's deadline for
 * the time left (at once if it passed while no process ran: `resumeDeadlines`).
 */
import type { LegEnv } from '../conference/legs.ts';
import { talkingCall } from '../media/session.ts';
import { cancelChecked } from './cancel.ts';
import { completeChecked } from './complete.ts';
import { consultationNow } from './current.ts';
import { dispatcherGone, requeueChecked } from './requeue.ts';
import { getConsultation, openConsultations, type Consultation } from './store.ts';

const SYSTEM = { actor: { id: null, username: 'system' }, ip: null };

export function consultMaxMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.CTI_CONSULT_MAX_MS);
  return Number.isFinite(v) && v >= 1000 ? v : 120_000;
}

export function armDeadline(env: LegEnv, c: Consultation, ms: number): void {
  setTimeout(() => void expire(env, c).catch((err: unknown) => env.deps.log.error({ err: String(err), call_id: c.call_id }, 'consultation deadline failed')), ms).unref();
}

/** At start: each open consultation's deadline, for the time left (0: it passed while no control plane ran). */
export async function resumeDeadlines(env: LegEnv): Promise<number> {
  const open = await openConsultations(env.deps.redis);
  for (const c of open) armDeadline(env, c, Math.max(0, Date.parse(c.deadline_at) - Date.now()));
  return open.length;
}

/** The answering seat's page was lost for good (calls/page-lost/): the deadline's work now, the dispatcher known gone. */
export async function expireForLostPage(env: LegEnv, callId: string): Promise<boolean> {
  const c = await getConsultation(env.deps.redis, callId);
  if (!c || c.state !== 'active') return false;
  await expire(env, c, true);
  return true;
}

async function expire(env: LegEnv, c: Consultation, dispatcherKnownGone = false): Promise<void> {
  const now = await consultationNow(env, c.call_id);
  if (now.c.started_at !== c.started_at || now.c.state !== 'active') return; // ended, or a newer one
  env.deps.log.warn({ call_id: c.call_id, phase: now.phase }, 'consultation deadline: the control plane ends it');
  if (now.phase === 'talking') {
    await completeChecked(env, SYSTEM, await talkingCall(env.deps, c.call_id), now, 'timeout');
  } else if ((now.phase === 'dialling' || now.phase === 'target_failed') && (dispatcherKnownGone || (await dispatcherGone(env, c.sip_call_id)))) {
    await requeueChecked(env, SYSTEM, await talkingCall(env.deps, c.call_id), now);
  } else if (now.phase === 'dialling' || now.phase === 'target_failed') {
    await cancelChecked(env, SYSTEM, now, 'timeout');
  }
}
