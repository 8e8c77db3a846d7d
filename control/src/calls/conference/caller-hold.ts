/**
 * The caller of an anchored call held inside the room (a consultation, docs/mixer.md "Consultative transfer"; a
 * caller left alone, caller-alone.ts): the caller hears the hold audio and nothing of the room, and the room hears
 * nothing of the caller. The same rtpengine steps as hold (calls/actions/hold.ts): the caller's room side in the
 * call (`room_tag`, Janus's output towards the caller since the anchoring) blocked and the hold file played on the caller's side, which
 * sends it to the caller (and the call's recording keeps it); plus the caller's participant muted in Janus.
 * Release undoes the three in reverse. A step that fails is logged; hold audio that cannot play never drops a call.
 */
import { logCallEvent } from '../store.ts';
import { setMuted, type LegEnv } from './legs.ts';
import type { Anchor } from './store.ts';

/** Loops of the hold file: effectively "until released" (as hold.ts). */
const REPEAT_TIMES = 10_000;

/** The tag Janus's audio for the caller comes from (an anchor stored before room_tag existed: the seat's tag). */
const roomSide = (a: Anchor) => a.room_tag ?? a.seat_tag;

/** The hold audio to the caller, the room's audio kept from them. */
export async function playHoldToCaller(env: LegEnv, a: Anchor): Promise<void> {
  const side = roomSide(a);
  if (side) await env.ng.blockMedia?.({ callId: a.sip_call_id, fromTag: side });
  if (!env.holdAudio) return;
  await env.ng.playMedia?.({ callId: a.sip_call_id, fromTag: a.caller_tag, file: env.holdAudio, repeatTimes: REPEAT_TIMES });
  // what the caller hears now is not in the recording (rtpengine does not record its player): its span is kept
  await logCallEvent(env.deps, a.call_id, 'call.caller_hold_audio_changed.v1', { call_id: a.call_id, playing: true })
    .catch((err: unknown) => env.deps.log.warn({ err: String(err), call_id: a.call_id }, 'hold audio: the event was not logged (the recording will show the room there)'));
}

export async function holdCallerInRoom(env: LegEnv, a: Anchor): Promise<void> {
  if (a.caller_pid) await setMuted(env, a.room_id, a.caller_pid, true);
  await playHoldToCaller(env, a);
}

export async function releaseCallerInRoom(env: LegEnv, a: Anchor): Promise<void> {
  const log = (step: string) => (err: unknown) => env.deps.log.warn({ err: String(err), call_id: a.call_id, step }, 'releasing the held caller: a step failed');
  await env.ng.stopMedia?.({ callId: a.sip_call_id, fromTag: a.caller_tag }).catch(log('stop media')); // the player may have ended by itself
  if (env.holdAudio) {
    await logCallEvent(env.deps, a.call_id, 'call.caller_hold_audio_changed.v1', { call_id: a.call_id, playing: false }).catch(log('hold audio event'));
  }
  const side = roomSide(a);
  if (side) await env.ng.unblockMedia?.({ callId: a.sip_call_id, fromTag: side }).catch(log('unblock'));
  if (a.caller_pid) await setMuted(env, a.room_id, a.caller_pid, false);
}
