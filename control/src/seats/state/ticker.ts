import type { AppDeps } from '../../app/deps.ts';
import { allSeatsLive, transitionSeat } from './store.ts';

/** Wrap-up ends by time: each tick moves seats whose wrap-up has run out to ready (state owned timer, kept in Redis). */
export async function endDueWrapUps(deps: AppDeps, now = Date.now()): Promise<number> {
  let n = 0;
  for (const s of await allSeatsLive(deps.redis)) {
    if (s.state === 'wrap_up' && s.wrapupUntilMs > 0 && s.wrapupUntilMs <= now) {
      const r = await transitionSeat(deps, s.seatId, 'ready', { from: ['wrap_up'], reason: null, set: { wrapup_until: 0, idle_since: now } });
      if (r.ok) n += 1;
    }
  }
  return n;
}

/** A seat reserved far longer than any ring timeout (max 120 s) lost its outcome event: release it. */
export async function releaseStaleReservations(deps: AppDeps, now = Date.now(), maxMs = 150_000): Promise<number> {
  let n = 0;
  for (const s of await allSeatsLive(deps.redis)) {
    if (s.state !== 'reserved' || now - s.sinceMs < maxMs) continue;
    deps.log.warn({ seat: s.seatId, call: s.call }, 'reservation without an outcome for too long: seat released');
    const r = await transitionSeat(deps, s.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '', idle_since: now } });
    if (r.ok) n += 1;
  }
  return n;
}
