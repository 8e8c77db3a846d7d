import { CtiError } from '../../errors/catalogue.ts';
import type { SeatStateName } from '../../events/schema.ts';

/**
 * Seat states (ARCHITECTURE.md "A call's life"):
 *
 *   logged_out --login--> not_ready <--> ready --offer--> reserved --answer--> talking --end--> wrap_up --timer--> ready
 *        ^                    |  ^                          |  |                                  |
 *        +------logout--------+  +------no answer-----------+  +--caller gone / unreachable--> ready / not_ready
 *
 * Only the transitions below are legal; `assertSeatTransition` refuses anything else with a coded error.
 */
export const SEAT_TRANSITIONS: Readonly<Record<SeatStateName, readonly SeatStateName[]>> = {
  logged_out: ['not_ready', 'ready'],
  // 'talking' from ready, not_ready and wrap_up: a fail-open (ring-all) call answered at the seat
  not_ready: ['ready', 'logged_out', 'not_ready', 'talking'],
  ready: ['not_ready', 'reserved', 'logged_out', 'talking'],
  reserved: ['talking', 'ready', 'not_ready'],
  talking: ['wrap_up', 'ready', 'not_ready'],
  wrap_up: ['ready', 'not_ready', 'logged_out', 'talking'],
};

export function canSeatTransition(from: SeatStateName, to: SeatStateName): boolean {
  return SEAT_TRANSITIONS[from]?.includes(to) ?? false;
}

export function assertSeatTransition(seatId: string, from: SeatStateName, to: SeatStateName): void {
  if (!canSeatTransition(from, to)) {
    const code = from === 'reserved' || from === 'talking' ? 'CTI_SEAT_BUSY' : 'CTI_SEAT_ILLEGAL_TRANSITION';
    throw new CtiError(code, { seat_id: seatId, from, to });
  }
}

/** States in which a person may not change the seat by hand (a call owns it). */
export const CALL_OWNED_STATES: readonly SeatStateName[] = ['reserved', 'talking'];
