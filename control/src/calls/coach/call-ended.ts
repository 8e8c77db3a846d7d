/**
 * A call's end ends its whisper/barge-in session (docs/mixer.md "Whisper and barge-in"): the pages tear theirs down on
 * `call.ended.v1`, and this watch ends the server's side (the talk-back leg at rtpengine, the supervisor's leg,
 * audited as `system`, `call.coached.v1` ended with reason `call_ended`) even when the supervisor's page is gone.
 * Start it on the active control plane only (main.ts), like the screening watch.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { StreamedEvent } from '../../events/bus.ts';
import { endCoach } from './end.ts';
import type { CoachEngine } from './media.ts';
import { CoachStore } from './store.ts';

export function startCoachEndWatch(deps: AppDeps, ng: CoachEngine): { stop(): void } {
  const store = new CoachStore(deps.redis);
  const onEnded = async (callId: string): Promise<void> => {
    const coachId = await store.ofCall(callId);
    const s = coachId ? await store.get(coachId) : undefined;
    if (s) await endCoach(deps, ng, s, { actor: { id: null, username: 'system' }, ip: null, reason: 'call_ended' });
  };
  const listener = ({ event }: StreamedEvent): void => {
    if (event.type !== 'call.ended.v1') return;
    void onEnded(event.data.call_id).catch((err: unknown) => deps.log.error({ err: String(err), call_id: event.data.call_id }, 'ending the whisper/barge-in of an ended call failed'));
  };
  deps.bus.on('event', listener);
  return { stop: () => void deps.bus.off('event', listener) };
}
