/**
 * Hold with hold audio (docs/consoles.md "Hold"): the caller hears the hold file, played by rtpengine
 * (`play media` on the caller's monologue, which sends it to the caller), until resume (`stop media`).
 * rtpengine keeps forwarding the seat's packets beside the player's (tried: both tones reached the caller,
 * interleaved), so the seat's media is blocked (`block media` on its tag) while held and unblocked on resume.
 * The browser mutes its microphone while held; the dispatcher keeps hearing the caller.
 * State machine per call, kept in Redis (`cti:hold:<call id>`, gone when the call ends):
 *   not_held --hold--> held --resume--> not_held   (hold when held, resume when not held: no-ops)
 * Each change: call.held.v1 / call.resumed.v1 in the call's event log and stream, and an audit row.
 * A failure leaves the call as it was (connected, not held) with a coded error: never a dropped call.
 */
import { access, constants } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type Change } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { logCallEvent } from '../store.ts';
import { mediaNotFound, partyTags, type MediaEngine, type TalkingCall } from '../media/session.ts';
import { assertNotInThreeWay } from '../conference/in-three-way.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** The lead's set-up generates it (scripts/setup.d/40-media.sh); a centre may drop its own recording in place. */
export const DEFAULT_HOLD_AUDIO = join(REPO_ROOT, 'media', 'hold', 'hold-zh.wav');
/** Loops of the hold file: effectively "until resumed" for any file longer than a few seconds. */
const REPEAT_TIMES = 10_000;
const HOLD_TTL_S = 6 * 3600;

export const holdKey = (callId: string): string => `cti:hold:${callId}`;

/** CTI_HOLD_AUDIO (absolute, or relative to the repository), else media/hold/hold-zh.wav. */
export function holdAudioFromEnv(env: NodeJS.ProcessEnv): string {
  const v = env.CTI_HOLD_AUDIO;
  if (!v) return DEFAULT_HOLD_AUDIO;
  return isAbsolute(v) ? v : join(REPO_ROOT, v);
}

export interface HoldState {
  held: boolean;
  /** ISO time the hold began (held only). */
  since: string | null;
}

interface Stored { since_ms: number; seat_id: string | null; user_id: string; blocked: string[] }

export async function holdState(deps: Pick<AppDeps, 'redis'>, callId: string): Promise<HoldState> {
  const raw = await deps.redis.get(holdKey(callId));
  if (!raw) return { held: false, since: null };
  return { held: true, since: new Date((JSON.parse(raw) as Stored).since_ms).toISOString() };
}

export async function setHold(deps: AppDeps, ng: MediaEngine, holdAudio: string, call: TalkingCall, on: boolean, change: Change): Promise<HoldState> {
  const current = await holdState(deps, call.id);
  if (current.held === on) return current;
  const user = change.actor;
  if (on) {
    await assertNotInThreeWay(deps.redis, { id: call.id, sipCallId: call.sipCallId });
    try {
      await access(holdAudio, constants.R_OK);
    } catch {
      throw new CtiError('CTI_HOLD_AUDIO_MISSING', { path: holdAudio });
    }
    const seatTags = (await partyTags(ng, call)).slice(1);
    const blocked: string[] = [];
    try {
      for (const tag of seatTags) {
        await ng.blockMedia({ callId: call.sipCallId, fromTag: tag });
        blocked.push(tag);
      }
      await ng.playMedia({ callId: call.sipCallId, fromTag: call.callerTag, file: holdAudio, repeatTimes: REPEAT_TIMES });
    } catch (err) {
      await unblock(deps, ng, call, blocked); // as it was: the parties hear each other
      throw mediaNotFound(err, call);
    }
    const sinceMs = Date.now();
    const stored: Stored = { since_ms: sinceMs, seat_id: call.seatId, user_id: user.id, blocked };
    await deps.redis.set(holdKey(call.id), JSON.stringify(stored), 'EX', HOLD_TTL_S);
    await logCallEvent(deps, call.id, 'call.held.v1', { call_id: call.id, seat_id: call.seatId, user_id: user.id });
    await recordAudit(deps.sql, { actor: user, ip: change.ip, action: 'call.held', target_type: 'call', target_id: call.id, before: { held: false }, after: { held: true, seat_id: call.seatId } });
    return { held: true, since: new Date(sinceMs).toISOString() };
  }
  const raw = await deps.redis.get(holdKey(call.id));
  const stored = raw ? (JSON.parse(raw) as Stored) : undefined;
  const heldMs = stored ? Date.now() - stored.since_ms : 0;
  try {
    await ng.stopMedia({ callId: call.sipCallId, fromTag: call.callerTag });
  } catch (err) {
    // The player may have ended by itself (file loops exhausted): the caller hears the seat again either way.
    deps.log.warn({ err: String(err), call_id: call.id }, 'stop media on resume failed; treating the call as resumed');
  }
  await unblock(deps, ng, call, stored?.blocked ?? []);
  await deps.redis.del(holdKey(call.id));
  await logCallEvent(deps, call.id, 'call.resumed.v1', { call_id: call.id, seat_id: call.seatId, user_id: user.id, held_ms: heldMs });
  await recordAudit(deps.sql, { actor: user, ip: change.ip, action: 'call.resumed', target_type: 'call', target_id: call.id, before: { held: true }, after: { held: false, held_ms: heldMs } });
  return { held: false, since: null };
}

async function unblock(deps: Pick<AppDeps, 'log'>, ng: MediaEngine, call: TalkingCall, tags: string[]): Promise<void> {
  for (const tag of tags) {
    await ng.unblockMedia({ callId: call.sipCallId, fromTag: tag })
      .catch((err: unknown) => deps.log.error({ err: String(err), call_id: call.id, tag }, 'unblock media failed: the caller may not hear the seat'));
  }
}
