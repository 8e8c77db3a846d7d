/** Types of live-state.js for the TypeScript tests (the browser loads the .js as it is). */
export const ANSWER_TARGET_MS: number;
export interface LiveState {
  calls: Map<string, { id: string; sipCallId: string | null; callerNumber: string | null; arrivedMs: number | null; queueId: string | null; waiting: boolean; seatId: string | null; answeredMs: number | null }>;
  queues: Map<string, { id: string; offered: number; answered: number; answeredInTarget: number; abandoned: number }>;
  seats: Map<string, { id: string; state: string; reason: string | null; sinceMs: number; callId: string | null; registered: boolean | null }>;
}
export interface QueueRow { id: string; offered: number; answered: number; answeredInTarget: number; abandoned: number; waiting: number; longestWaitMs: number; serviceLevel: number | null }
export interface SeatRow { id: string; state: string; reason: string | null; registered: boolean | null; inStateMs: number | null; callId: string | null; callerNumber: string | null; talkMs: number | null }
export interface EventLike { type: string; at: string; data: Record<string, unknown> }
export function createLiveState(): LiveState;
export function applySeatSnapshot(s: LiveState, rows: Array<{ seat_id: string; state: string; reason: string | null; since: string; registered: boolean; call: string | null }>): void;
export function applyEvent(s: LiveState, msg: { stream_id?: string; event: EventLike } | EventLike): void;
export function queueRows(s: LiveState, nowMs: number): QueueRow[];
export function seatRows(s: LiveState, nowMs: number): SeatRow[];
export function callBySipCallId(s: LiveState, sipCallId: string): LiveState['calls'] extends Map<string, infer C> ? C | undefined : never;
