/**
 * Conference rooms of a call (docs/mixer.md): one Janus AudioBridge room per call, 8 kHz, recorded, prebuffer 3;
 * parties join over SIP with a one-time invitation (legs.ts). A room closes when its last party leaves, when
 * asked, or when the mixer is lost.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { AppDeps } from '../../app/deps.ts';
import { CtiError } from '../../errors/catalogue.ts';
import type { JanusClient } from '../../engine/janus/client.ts';
import type { KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import { roomTransition } from './machine.ts';
import { ConferenceStore, type Room } from './store.ts';

/** Kamailio's table of one-time invitations (engine/kamailio/kamailio.cfg.tpl, route CONFERENCE). */
const INVITATIONS = 'cf';

/**
 * How a room mixes (docs/mixer.md, "A party heard weakly"). 8 kHz: at 16 kHz G.711 is upsampled without filtering
 * (engine-notes). `prebuffer` is how many of a party's packets Janus queues before mixing it, and its queue is cut
 * back to that whenever it reaches twice as many: with 1, a packet that arrives after the mixer's 20 ms tick is
 * lost (the mixer plays nothing for that party, then drops the late packet when the next one comes), 0-6 % of the
 * frames on this loaded machine with a steady sender; 3 rides out 40-60 ms of jitter (a browser on a WAN) for
 * about 60 ms more delay.
 */
export const ROOM_MEDIA = { sampling_rate: 8000, allow_rtp: true, prebuffer: 3 } as const;

export interface ConferenceEnv {
  deps: AppDeps;
  janus: JanusClient;
  rpc: Pick<KamailioRpc, 'call'>;
  store: ConferenceStore;
  /** Where Janus writes room recordings (its own host's path). */
  recordingsDir: string;
  /** Janus's admin_key: only its holder creates rooms. */
  adminKey?: string;
}

export interface Invitation {
  room_id: string;
  /** The SIP URI a party calls to join (one use, within `expires_s`). */
  uri: string;
  expires_s: number;
}

export async function openRoom(env: ConferenceEnv, callId: string): Promise<Room> {
  const bridge = env.janus.bridge();
  const roomId = String(randomInt(100_000_000, 999_999_999));
  const room: Room = {
    room_id: roomId, call_id: callId, state: 'creating', recording: join(env.recordingsDir, `conf-${roomId}-${callId}.wav`), created_at: new Date().toISOString(),
  };
  await env.store.putRoom(room);
  try {
    await bridge.create({
      room: Number(roomId), description: `call ${callId}`, ...ROOM_MEDIA, record: true, filename: room.recording, permanent: false, ...(env.adminKey ? { admin_key: env.adminKey } : {}),
    });
  } catch (err) {
    await env.store.dropRoom(roomId);
    throw mixerError(env, err, 'create');
  }
  room.state = roomTransition(room.state, 'open', roomId);
  await env.store.putRoom(room);
  return room;
}

export async function openRoomOrThrow(env: ConferenceEnv, roomId: string): Promise<Room> {
  const room = await env.store.room(roomId);
  if (!room) throw new CtiError('CTI_CONFERENCE_NOT_FOUND', { room_id: roomId });
  return room;
}

/** A one-time SIP address for one party of the room (Kamailio's htable cf, set with an expiry over JSON-RPC). */
export async function invite(env: ConferenceEnv, roomId: string, expiresS = 120): Promise<Invitation> {
  const room = await openRoomOrThrow(env, roomId);
  if (room.state !== 'open') throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { room_id: roomId, entity: 'room', from: room.state, to: 'invite' });
  const token = randomBytes(12).toString('hex');
  await env.rpc.call('htable.setxs', [INVITATIONS, `${roomId}-${token}`, '1', expiresS]);
  return { room_id: roomId, uri: `sip:conf-${roomId}-${token}@${env.deps.config.sipDomain}`, expires_s: expiresS };
}

/** Marks the room closing and destroys it in Janus (participants must have left: legs.ts closeRoom). */
export async function destroyRoom(env: ConferenceEnv, room: Room): Promise<void> {
  if (room.state !== 'closing') room.state = roomTransition(room.state, 'closing', room.room_id);
  await env.store.putRoom(room);
  if (env.janus.up) {
    try {
      await env.janus.bridge().destroy({ room: Number(room.room_id), permanent: false });
    } catch (err) {
      // already gone with a restarted Janus: nothing left to destroy
      env.deps.log.info({ err: String(err), room_id: room.room_id }, 'janus room destroy failed; the room is gone');
    }
  }
  await env.store.dropRoom(room.room_id);
}

/** Janus's refusal as a coded error: the mixer is away (CTI_MIXER_UNAVAILABLE) or it said no (the reason kept). */
export function mixerError(env: Pick<ConferenceEnv, 'janus'>, err: unknown, request: string): CtiError {
  if (err instanceof CtiError) return err;
  if (!env.janus.up) return env.janus.unavailable(String(err));
  return new CtiError('CTI_MIXER_UNAVAILABLE', { request, reason: String((err as Error).message ?? err) });
}
