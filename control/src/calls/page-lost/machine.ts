/**
 * A seat's page lost mid-call (docs/consoles.md "Page closed mid-call"): its SIP WebSocket closed (Kamailio's
 * seat.connection_closed) while the seat was talking. One watch per call, kept in Redis (store.ts):
 *
 *   grace --page back (a new registration)--> recovered
 *     |----call ended or not the seat's any more--> ended
 *     |----grace over, page still gone--> requeued   (the caller back at its place in the queue: to-queue.ts)
 *     |----grace over, page still gone, a consultation or three-way--> handed_over  (the other party keeps the caller)
 *     +----grace over, the caller could not be moved (mixer down ...)--> stranded   (hold audio goes on, critical alarm)
 *
 * The grace (CTI_PAGE_LOST_GRACE_MS) lets a page that only lost its network re-register and recover the call with
 * an ICE restart (test/integration/consoles/dispatcher-network-drop-reregisters-recovers-call.test.ts); meanwhile
 * the caller hears the hold audio. Its timer belongs to the state `grace` and dies with it.
 */
import { CtiError } from '../../errors/catalogue.ts';

export const PAGE_LOST_STATES = ['grace', 'recovered', 'ended', 'requeued', 'handed_over', 'stranded'] as const;
export type PageLostState = (typeof PAGE_LOST_STATES)[number];

export const PAGE_LOST_TRANSITIONS: Readonly<Record<PageLostState, readonly PageLostState[]>> = {
  grace: ['recovered', 'ended', 'requeued', 'handed_over', 'stranded'],
  recovered: [],
  handed_over: [],
  ended: [],
  requeued: [],
  stranded: [],
};

export function pageLostTransition(from: PageLostState, to: PageLostState, callId: string): PageLostState {
  if (!PAGE_LOST_TRANSITIONS[from].includes(to)) {
    throw new CtiError('CTI_PAGE_LOST_ILLEGAL_TRANSITION', { call_id: callId, from, to, allowed: PAGE_LOST_TRANSITIONS[from] });
  }
  return to;
}

/** Default grace: the network-drop recovery took 2-6 s on this loaded machine; 10 s covers it and is short for a caller. */
export const DEFAULT_GRACE_MS = 10_000;
export const MIN_GRACE_MS = 2_000;
export const MAX_GRACE_MS = 60_000;

/** CTI_PAGE_LOST_GRACE_MS (ms, 2000-60000), else 10000; anything else is refused at start (CTI_CONFIG_INVALID). */
export function pageLostGraceMs(env: NodeJS.ProcessEnv): number {
  const raw = env.CTI_PAGE_LOST_GRACE_MS;
  if (raw === undefined || raw === '') return DEFAULT_GRACE_MS;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < MIN_GRACE_MS || v > MAX_GRACE_MS) {
    throw new CtiError('CTI_CONFIG_INVALID', { name: 'CTI_PAGE_LOST_GRACE_MS', value: raw, expected: `an integer from ${MIN_GRACE_MS} to ${MAX_GRACE_MS} (milliseconds)` });
  }
  return v;
}

/** A registered contact of the seat as usrloc lists it (ul.lookup): its URI and where its connection comes from. */
export interface SeatContact { uri: string; received: string }

/**
 * Whether the seat's page is back: a WebSocket contact that does not come from the connection that closed (the dead
 * binding stays in usrloc until its timer drops it: handle_lost_tcp). A desk phone of the same seat does not count.
 */
export function pageBack(contacts: readonly SeatContact[], closedSource: string): boolean {
  return contacts.some((c) => /transport=wss?/i.test(`${c.uri};${c.received}`) && !sameSource(c.received, closedSource));
}

const sameSource = (received: string, source: string) => received.replace(/^sips?:/, '').split(/[;>]/)[0] === source;

/** What the page's call is when the watch looks at it. */
export interface CallView {
  /** The live call's state (undefined: gone). */
  state: string | undefined;
  /** The seat answering it now. */
  answeredSeatId: string | null;
  seatLeft: boolean;
  /** The call's room anchor, if any: its state and whether a party other than caller and seat is in (or joining) it. */
  anchor?: { state: string; outsideParties: boolean; consult: boolean };
}

export type AfterGrace = 'ended' | 'recovered' | 'requeue' | 'leave_three_way' | 'consultation';

/**
 * The grace is over (or a poll found the page back): what is done with the call.
 * - not this seat's talking call any more: ended (nothing to do);
 * - the page is back: recovered;
 * - a consultation (the caller held in the room, a target dialled): the consultation's deadline acts now
 *   (consult/deadline.ts: a talking target gets the caller, else the caller goes back to the queue);
 * - a three-way with another party in the room: the seat leaves it, the caller talks on with that party (and goes
 *   back to the queue if that party leaves: conference/caller-alone.ts);
 * - else (a two-party call, or caller and seat alone in a room): the caller back at its place in the queue.
 */
export function afterGrace(seatId: string, call: CallView, back: boolean): AfterGrace {
  if (call.state !== 'talking' || call.answeredSeatId !== seatId || call.seatLeft) return 'ended';
  if (back) return 'recovered';
  if (call.anchor?.consult && call.anchor.state === 'anchored') return 'consultation';
  if (call.anchor?.state === 'anchored' && call.anchor.outsideParties) return 'leave_three_way';
  return 'requeue';
}
