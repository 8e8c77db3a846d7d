/**
 * The `overflow` part of a queue's settings document (queues.settings, jsonb):
 *   { "overflow": { "after_s": 20, "when_no_seat": true, "target": { "queue_id": "county-a" }, "ring_timeout_s": 30 } }
 *   { "overflow": { "after_s": 30, "target": { "sip_uri": "sip:120@10.2.0.5:5060" } } }
 * A waiting call goes to the target once it has waited `after_s` in this queue, or at once when no member
 * seat of the queue is logged in (`when_no_seat`). `ring_timeout_s` (SIP targets only, default 30) is how
 * long the other centre may take to answer before the call comes back.
 * Checked strictly when written (`checkOverflowSettings`); read leniently (`overflowSettingsOf`: anything
 * unusable reads as "no overflow", so a bad stored document never stops distribution).
 */
import { CtiError } from '../errors/catalogue.ts';

export type OverflowTarget = { kind: 'queue'; queueId: string } | { kind: 'sip'; uri: string };

export interface OverflowSettings {
  afterMs: number | null;
  whenNoSeat: boolean;
  target: OverflowTarget;
  ringTimeoutMs: number;
}

export const DEFAULT_OVERFLOW_RING_S = 30;
const MAX_AFTER_S = 3600;
/** sip: or sips: URI with a host and no spaces, angle brackets, quotes, CR/LF or header part (RFC 3261 19.1.1). */
const SIP_URI = /^sips?:([A-Za-z0-9\-_.!~*'()&=+$,;?/%]+@)?[A-Za-z0-9.\-]+(:\d{1,5})?(;[A-Za-z0-9\-_.=~]+)*$/;
const QUEUE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const isWhole = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** A stable key of a target, for "tried already" lists: `queue:<id>` or `sip:<uri>`. */
export function targetKey(t: OverflowTarget): string {
  return t.kind === 'queue' ? `queue:${t.queueId}` : `sip:${t.uri}`;
}

function targetOf(v: unknown): OverflowTarget | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as { queue_id?: unknown; sip_uri?: unknown };
  if (typeof t.queue_id === 'string' && t.sip_uri === undefined && QUEUE_ID.test(t.queue_id)) return { kind: 'queue', queueId: t.queue_id };
  if (typeof t.sip_uri === 'string' && t.queue_id === undefined && t.sip_uri.length <= 256 && SIP_URI.test(t.sip_uri)) return { kind: 'sip', uri: t.sip_uri };
  return undefined;
}

export function overflowSettingsOf(doc: Record<string, unknown> | null | undefined): OverflowSettings | undefined {
  const o = doc?.overflow as Record<string, unknown> | null | undefined;
  if (typeof o !== 'object' || o === null) return undefined;
  const target = targetOf(o.target);
  if (!target) return undefined;
  const afterMs = isWhole(o.after_s, MAX_AFTER_S) ? o.after_s * 1000 : null;
  const whenNoSeat = o.when_no_seat === true;
  if (afterMs === null && !whenNoSeat) return undefined;
  const ring = isWhole(o.ring_timeout_s, 300) && o.ring_timeout_s >= 5 ? o.ring_timeout_s : DEFAULT_OVERFLOW_RING_S;
  return { afterMs, whenNoSeat, target, ringTimeoutMs: ring * 1000 };
}

/**
 * Throws CTI_QUEUE_OVERFLOW_INVALID naming every problem of `doc.overflow` (absent or null: no overflow, fine).
 * `queueExists` answers whether a target queue id is a queue (the caller looks it up in its transaction).
 */
export async function checkOverflowSettings(
  doc: Record<string, unknown> | null | undefined, ownQueueId: string, queueExists: (id: string) => Promise<boolean>,
): Promise<void> {
  const o = doc?.overflow;
  if (o === undefined || o === null) return;
  const bad: string[] = [];
  if (typeof o !== 'object' || Array.isArray(o)) {
    bad.push('overflow must be an object or null');
  } else {
    const v = o as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!['after_s', 'when_no_seat', 'target', 'ring_timeout_s'].includes(k)) bad.push(`overflow.${k} is not a known field`);
    if (v.after_s !== undefined && v.after_s !== null && !isWhole(v.after_s, MAX_AFTER_S)) bad.push(`overflow.after_s must be an integer 0..${MAX_AFTER_S} or null`);
    if (v.when_no_seat !== undefined && typeof v.when_no_seat !== 'boolean') bad.push('overflow.when_no_seat must be true or false');
    if ((v.after_s === undefined || v.after_s === null) && v.when_no_seat !== true) bad.push('overflow needs after_s, when_no_seat: true, or both');
    if (v.ring_timeout_s !== undefined && !(isWhole(v.ring_timeout_s, 300) && v.ring_timeout_s >= 5)) bad.push('overflow.ring_timeout_s must be an integer 5..300');
    const t = v.target as Record<string, unknown> | undefined;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) {
      bad.push('overflow.target must be {"queue_id": ...} or {"sip_uri": ...}');
    } else {
      const keys = Object.keys(t);
      if (keys.length !== 1 || !['queue_id', 'sip_uri'].includes(keys[0])) {
        bad.push('overflow.target must have exactly one of queue_id or sip_uri');
      } else if (keys[0] === 'queue_id') {
        if (typeof t.queue_id !== 'string' || !QUEUE_ID.test(t.queue_id)) bad.push('overflow.target.queue_id must be a queue id');
        else if (t.queue_id === ownQueueId) bad.push('overflow.target.queue_id must be another queue, not this one');
        else if (!(await queueExists(t.queue_id))) bad.push(`overflow.target.queue_id: no queue "${t.queue_id}"`);
      } else if (typeof t.sip_uri !== 'string' || t.sip_uri.length > 256 || !SIP_URI.test(t.sip_uri)) {
        bad.push('overflow.target.sip_uri must be a SIP URI such as sip:120@10.2.0.5:5060 (no spaces, brackets or headers)');
      }
    }
  }
  if (bad.length > 0) {
    throw new CtiError('CTI_QUEUE_OVERFLOW_INVALID', { overflow: bad }, `The queue overflow settings are not valid: ${bad.join('; ')}.`);
  }
}
