/**
 * What a takeover needs of a queued call (docs/ha.md): the INVITE as received, where it came from (the trunk
 * gateway's address and port, the transport) and where it arrived (the pair's floating address). Kept in Redis
 * beside the call's live hash (store.ts takeoverKey), bounded in size, dropped when the call is retired.
 */
import type { Redis } from 'ioredis';
import type { CallNewEvent } from '../../engine/kamailio/events.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { takeoverKey } from '../../calls/store.ts';
import { MAX_INVITE_BYTES } from './invite.ts';

export interface TakeoverIdentity {
  invite: Buffer;
  /** host:port the INVITE came from ($si:$sp). */
  source: string;
  /** host:port it was received on ($Ri:$Rp). */
  destination: string;
  /** udp, tcp, tls, ws, wss. */
  proto: string;
}

/** The key lives as long as Kamailio's queue entries (htable autoexpire): a call is never queued longer. */
const TTL_S = 7200;

/** Keeps the identity of a newly queued call; throws CTI_TAKEOVER_INVITE_TOO_LARGE (nothing stored) when it is too big. */
export async function keepTakeoverIdentity(redis: Redis, e: CallNewEvent): Promise<void> {
  const invite = Buffer.from(e.inviteB64, 'base64');
  const bytes = Math.max(invite.length, e.inviteBytes);
  if (bytes > MAX_INVITE_BYTES) {
    throw new CtiError('CTI_TAKEOVER_INVITE_TOO_LARGE', { call: e.callId, bytes, max: MAX_INVITE_BYTES });
  }
  if (invite.length === 0) return; // an older cfg
  await redis.multi()
    .hset(takeoverKey(e.callId), { invite: e.inviteB64, source: e.source, destination: e.destination, proto: e.proto })
    .expire(takeoverKey(e.callId), TTL_S)
    .exec();
}

export async function getTakeoverIdentity(redis: Redis, sipCallId: string): Promise<TakeoverIdentity | undefined> {
  const h = await redis.hgetall(takeoverKey(sipCallId));
  if (!h.invite || !h.source) return undefined;
  return { invite: Buffer.from(h.invite, 'base64'), source: h.source, destination: h.destination ?? '', proto: h.proto ?? '' };
}
