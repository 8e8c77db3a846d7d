/**
 * The surge expiry tick, run by the active control plane (main.ts): ends surges whose time has come and
 * disables ending seats once they have left their call. A seat leaving a call (seat.state_changed.v1 from
 * reserved or talking) runs the tick at once, so an ending seat is never offered another call in between.
 */
import type { AppDeps } from '../app/deps.ts';
import type { StreamedEvent } from '../events/bus.ts';
import { endDueSurges, finishEndingSeats } from './end.ts';
import type { UsrlocRpc } from '../seats/registration/unregister.ts';

export interface SurgeExpiry {
  /** One tick now (also what the timer runs); resolves when it is done. */
  tick(): Promise<void>;
  stop(): void;
}

export function startSurgeExpiry(deps: AppDeps, opts: { rpc?: UsrlocRpc; intervalMs?: number } = {}): SurgeExpiry {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const once = async (): Promise<void> => {
    await endDueSurges(deps, opts.rpc);
    await finishEndingSeats(deps, { rpc: opts.rpc });
  };
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await once();
        } catch (err) {
          deps.log.error({ err: String(err) }, 'surge expiry tick failed; retried at the next tick');
        }
      } while (again && !stopped);
    })().finally(() => { running = undefined; });
    return running;
  };
  const onEvent = (e: StreamedEvent) => {
    if (e.event.type !== 'seat.state_changed.v1') return;
    const from = (e.event.data as { from?: string }).from;
    if (from === 'talking' || from === 'reserved') void tick();
  };
  deps.bus.on('event', onEvent);
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 1000);
  return {
    tick,
    stop() {
      stopped = true;
      clearInterval(timer);
      deps.bus.off('event', onEvent);
    },
  };
}
