/**
 * Events Kamailio sends over evapi (engine/kamailio/kamailio.cfg.tpl). Every string that comes from SIP
 * is base64 in the wire form (display names may be GBK or carry quotes and backslashes, RFC 3261 25.1
 * allows them), so nothing a trunk sends can break the JSON; `decodeEngineEvent` turns them back.
 */
import { decodeSipText } from './text.ts';

export interface CallNewEvent {
  event: 'call.new';
  sync: boolean;
  tindex: number;
  tlabel: number;
  callId: string;
  fromTag: string;
  fromUser: string;
  fromName: string;
  fromUri: string;
  toUser: string;
  ruriUser: string;
  pai: string;
  trunk: string;
  source: string;
  proto: string;
  arrivedAt: Date;
  isTrunk: boolean;
  /** The caller's SDP offer (for early media); '' when the INVITE had none. */
  sdp: string;
  /** Where the INVITE was received (host:port of Kamailio's socket: a pair's floating address). */
  destination: string;
  /** The INVITE as received, base64 ('' from an older cfg, or when it is too large): what a takeover re-injects (ha/takeover). */
  inviteB64: string;
  /** The INVITE's size in bytes as received (0 from an older cfg). */
  inviteBytes: number;
  /** Re-injected by this node's control plane on a takeover of the dead peer's queued call (docs/ha.md). */
  takeover: boolean;
}

/**
 * What an offer.* event is about: an offer to one seat (`seat`), a ring_all offer to several (`many`; the
 * event's seat is the one that rang or answered), or an overflow to another centre (`overflow`; attempt is
 * the overflow's seq), or a blind transfer's new leg relayed to another centre or an outside number (`transfer`,
 * calls/transfer/out-leg.ts). Kamailio marks the last three with these pseudo seats in $avp(seat).
 */
export type OfferKind = 'seat' | 'many' | 'overflow' | 'transfer';
export const RING_ALL_OFFER = '~many';
export const OVERFLOW_OFFER = '~overflow';
export const TRANSFER_OUT_OFFER = '~transfer';

function kindOf(v: unknown): OfferKind {
  if (v === 'transfer' || v === TRANSFER_OUT_OFFER) return 'transfer';
  return v === 'many' || v === RING_ALL_OFFER ? 'many' : v === 'overflow' || v === OVERFLOW_OFFER ? 'overflow' : 'seat';
}

export type EngineEvent =
  | CallNewEvent
  | { event: 'offer.ringing'; callId: string; seat: string; attempt: number; code: number; kind: OfferKind }
  | { event: 'offer.answered'; callId: string; seat: string; contact: string; attempt: number; toTag: string; kind: OfferKind }
  | { event: 'offer.failed'; callId: string; seat: string; attempt: number; code: number; tindex: number; tlabel: number; kind: OfferKind }
  | { event: 'call.cancelled'; callId: string; phase: 'queued' | 'offering' }
  /** Kamailio gave the caller's INVITE a final response of its own (487 after a CANCEL, the control plane's end/reject). */
  | { event: 'invite.ended'; callId: string; code: number }
  | { event: 'call.bye'; callId: string; by: 'caller' | 'seat' }
  | { event: 'call.failed_open'; callId: string; reason: string }
  | { event: 'call.early'; callId: string; tindex: number; tlabel: number }
  | { event: 'resumed'; callId: string; action: string; attempt: number }
  | { event: 'resume_failed'; callId: string; action: string; tindex: number; tlabel: number }
  | { event: 'seat.registered'; user: string }
  | { event: 'seat.unregistered'; user: string }
  /** A seat's SIP WebSocket closed (its page closed, its browser or network gone): calls/page-lost/. */
  | { event: 'seat.connection_closed'; user: string; source: string }
  | { event: 'sync.done' }
  // outbound callbacks (route[OUTBOUND]; handled by callbacks/outbound.ts, not by the call flow)
  | CallbackStartedEvent
  | { event: 'callback.answered'; callId: string; toTag: string }
  | { event: 'callback.failed'; callId: string; code: number; cancelled: boolean }
  | { event: 'callback.refused'; seatUser: string; number: string }
  // trunk groups: dispatcher's probes of a gateway (event_route[dispatcher:dst-down|dst-up]; trunks/health.ts)
  | { event: 'trunk.down' | 'trunk.up'; uri: string }
  // blind transfers on the old dialog (route TRANSFER_REFER / TRANSFER_NOTIFY; calls/transfer/progress.ts)
  | { event: 'transfer.refer_reply' | 'transfer.notify'; callId: string; code: number };

/** A seat's INVITE to an external number that Kamailio sends out through the gateway. */
export interface CallbackStartedEvent {
  event: 'callback.started';
  callId: string;
  seatUser: string;
  number: string;
  itemId: string;
  presented: string;
  fromTag: string;
  proto: string;
  startedAt: Date;
}

function b64(v: unknown): string {
  if (typeof v !== 'string' || v === '') return '';
  return Buffer.from(v, 'base64').toString('utf8');
}

/** Like b64, for display names: UTF-8, or GBK/GB 18030 from gateways that still send it (text.ts). */
function b64Text(v: unknown): string {
  if (typeof v !== 'string' || v === '') return '';
  return decodeSipText(Buffer.from(v, 'base64'));
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Undefined for an event this version does not know (logged by the caller, never fatal). */
export function decodeEngineEvent(m: Record<string, unknown>): EngineEvent | undefined {
  switch (m.event) {
    case 'call.new':
      return {
        event: 'call.new', sync: m.sync === true, tindex: num(m.tindex), tlabel: num(m.tlabel),
        callId: b64(m.callid), fromTag: b64(m.ftag), fromUser: b64(m.from_user), fromName: unquote(b64Text(m.from_name)),
        fromUri: b64(m.from_uri), toUser: b64(m.to_user), ruriUser: b64(m.ruri_user), pai: b64(m.pai),
        trunk: b64(m.trunk), source: String(m.src ?? ''), proto: String(m.proto ?? ''),
        arrivedAt: new Date(num(m.arrived_s) * 1000 + Math.floor(num(m.arrived_us) / 1000)),
        isTrunk: m.is_trunk === true, sdp: b64(m.sdp),
        destination: String(m.dst ?? ''), inviteB64: typeof m.invite === 'string' ? m.invite : '', inviteBytes: num(m.invite_len), takeover: m.takeover === true,
      };
    case 'call.early':
      return { event: 'call.early', callId: b64(m.callid), tindex: num(m.tindex), tlabel: num(m.tlabel) };
    case 'offer.ringing':
      return { event: 'offer.ringing', callId: b64(m.callid), seat: b64(m.seat), attempt: num(m.attempt), code: num(m.code), kind: kindOf(m.kind) };
    case 'offer.answered':
      return { event: 'offer.answered', callId: b64(m.callid), seat: b64(m.seat), contact: b64(m.contact), attempt: num(m.attempt), toTag: b64(m.totag), kind: kindOf(m.kind) };
    case 'offer.failed': {
      const seat = b64(m.seat);
      return { event: 'offer.failed', callId: b64(m.callid), seat, attempt: num(m.attempt), code: num(m.code), tindex: num(m.tindex), tlabel: num(m.tlabel), kind: kindOf(seat) };
    }
    case 'call.cancelled':
      return { event: 'call.cancelled', callId: b64(m.callid), phase: m.phase === 'offering' ? 'offering' : 'queued' };
    case 'invite.ended':
      return { event: 'invite.ended', callId: b64(m.callid), code: num(m.code) };
    case 'call.bye':
      return { event: 'call.bye', callId: b64(m.callid), by: m.by === 'seat' ? 'seat' : 'caller' };
    case 'call.failed_open':
      return { event: 'call.failed_open', callId: b64(m.callid), reason: String(m.reason ?? '') };
    case 'resumed':
      return { event: 'resumed', callId: b64(m.callid), action: String(m.action ?? ''), attempt: num(m.attempt) };
    case 'resume_failed':
      // callid here is what the control plane sent (base64 already)
      return { event: 'resume_failed', callId: b64(m.callid), action: String(m.action ?? ''), tindex: num(m.tindex), tlabel: num(m.tlabel) };
    case 'seat.registered':
      return { event: 'seat.registered', user: b64(m.user) };
    case 'seat.unregistered':
      return { event: 'seat.unregistered', user: b64(m.user) };
    case 'seat.connection_closed':
      return { event: 'seat.connection_closed', user: b64(m.user), source: String(m.src ?? '') };
    case 'sync.done':
      return { event: 'sync.done' };
    case 'callback.started':
      return {
        event: 'callback.started', callId: b64(m.callid), seatUser: b64(m.seat), number: b64(m.number), itemId: String(m.item ?? ''),
        presented: String(m.cli ?? ''), fromTag: b64(m.ftag), proto: String(m.proto ?? ''),
        startedAt: new Date(num(m.at_s) * 1000 + Math.floor(num(m.at_us) / 1000)),
      };
    case 'callback.answered':
      return { event: 'callback.answered', callId: b64(m.callid), toTag: b64(m.totag) };
    case 'callback.failed':
      return { event: 'callback.failed', callId: b64(m.callid), code: num(m.code), cancelled: m.cancelled === true };
    case 'callback.refused':
      return { event: 'callback.refused', seatUser: b64(m.seat), number: b64(m.number) };
    case 'transfer.refer_reply':
    case 'transfer.notify':
      return { event: m.event, callId: b64(m.callid), code: num(m.code) };
    case 'trunk.down':
    case 'trunk.up':
      return { event: m.event, uri: b64(m.uri) };
    default:
      return undefined;
  }
}

/** A display name as sent: `"Zhang \"San\""` -> `Zhang "San"` (RFC 3261 25.1 quoted-string). */
export function unquote(name: string): string {
  const t = name.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

/** The caller's number: the user part of P-Asserted-Identity when a trunk sent one, else of From. */
export function callerNumber(e: CallNewEvent): string {
  const pai = /sips?:([^@;>]+)/i.exec(e.pai)?.[1]; // URI schemes are case-insensitive (RFC 3261 19.1.4)
  const user = pai ?? e.fromUser;
  try {
    return decodeURIComponent(user);
  } catch {
    return user; // a malformed %-escape (RFC 3986 2.1) is kept as sent: the call must still be recorded
  }
}
