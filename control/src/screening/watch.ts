/**
 * Runs the detection rules on the event stream: every call.ended.v1 and call.abandoned.v1 from the bus fan-out
 * (EventBus.startFanout), one at a time in stream order. Start it on the active control plane only.
 */
import type { AppDeps } from '../app/deps.ts';
import type { StreamedEvent } from '../events/bus.ts';
import { onCallFinished } from './rules.ts';

export interface ScreeningWatch {
  /** Resolves when every event received so far has been evaluated. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startScreeningWatch(deps: AppDeps): ScreeningWatch {
  let chain: Promise<void> = Promise.resolve();
  const listener = ({ event }: StreamedEvent): void => {
    if (event.type !== 'call.ended.v1' && event.type !== 'call.abandoned.v1') return;
    const callId = event.data.call_id;
    if (!callId) return;
    chain = chain.then(() => onCallFinished(deps, callId)).then(() => undefined, (err: unknown) => {
      deps.log.error({ err: String(err), call: callId }, 'screening rules failed for a finished call');
    });
  };
  deps.bus.on('event', listener);
  return {
    idle: () => chain,
    async stop() {
      deps.bus.off('event', listener);
      await chain;
    },
  };
}
