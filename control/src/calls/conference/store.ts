/**
 * Live conference state in Redis (no authoritative state in process memory):
 *   cti:conf:room:<room_id>      JSON Room
 *   cti:conf:parts:<room_id>     hash participant_id -> JSON Participant
 *   cti:conf:leg:<sip call-id>   "<room_id>|<participant_id>" (a SIP leg's way back to its participant)
 *   cti:conf:rooms               set of room ids (rebuild after a restart, the mixer's session lost)
 *   cti:conf:anchor:<sip call-id> JSON Anchor (a talking call turned into a three-way, anchor.ts)
 * Every key lives at most ROOM_TTL_S; the call_legs rows are the durable record.
 */
import type { Redis } from 'ioredis';
import type { ParticipantState, RoomState } from './machine.ts';
import type { AnchorState } from './anchor-machine.ts';

const ROOM_TTL_S = 12 * 3600;

export interface Room {
  room_id: string;
  call_id: string;
  state: RoomState;
  /** The recording Janus writes (WAV, mono, 8 kHz, the whole mix). */
  recording: string;
  created_at: string;
}

/** The SIP dialog of a leg as Kamailio answered it (UAS side), for the BYE the control plane may send. */
export interface LegDialog {
  call_id: string;
  /** The party's From header (our BYE's To) and our To header (our BYE's From, with `local_tag`). */
  remote: string;
  local: string;
  local_tag?: string;
  /** The party's Contact URI (our BYE's Request-URI). */
  target: string;
  /** host:port the INVITE came from (the BYE's next hop). */
  src: string;
  from_tag: string;
  /** The CSeq of our next request in the dialog (a dialled-out leg: its INVITE was ours); 1 when absent. */
  next_cseq?: number;
}

export interface Participant {
  participant_id: string;
  room_id: string;
  /** The call the room belongs to (kept here: the room's record may be gone when the last parties leave at once). */
  call_id: string;
  state: ParticipantState;
  party: string | null;
  feed?: number;
  handle?: number;
  leg_id?: string;
  dialog: LegDialog;
  joined_at?: string;
  /** Janus's RTP address for this participant (as it answered the join), and the G.711 payload type. */
  mixer_rtp?: { ip: string; port: number; payload_type: 0 | 8 };
  /** The call's own caller or seat, moved into the room by a three-way (anchor.ts): no SIP leg of its own. */
  anchored?: 'caller' | 'seat';
  /** A seat dialled into the room for its caller waiting in the queue again (caller-requeue.ts), and that call's SIP Call-ID. */
  seat?: { seat_id: string; sip_call_id: string };
}

/** A talking call being turned into a three-way (anchor.ts), by its SIP Call-ID. */
export interface Anchor {
  call_id: string;
  sip_call_id: string;
  room_id: string;
  state: AnchorState;
  caller_tag: string;
  /** The answering seat's tag (the To tag of the call's dialog), known from its re-INVITE. */
  seat_tag?: string;
  token: string;
  /** Who is dialled in once caller and seat are in the room. */
  dial: { number: string; gateway_uri: string; presented: string; name: string; destination_id: string };
  requested_by: string;
  caller_pid?: string;
  seat_pid?: string;
  /** The caller's room side in the call's rtpengine call (the tag of its pairing with Janus); before: the seat's tag. */
  room_tag?: string;
  failure?: string;
  /** A consultation (calls/consult/): the caller is held in the room while the destination is dialled. */
  consult?: boolean;
  /** The participant dialled in for this anchor (dial.ts), once dialled. */
  dialled_pid?: string;
  /** Dialling the destination failed before an INVITE left (a coded error's text). */
  dial_error?: string;
}

const roomKey = (id: string) => `cti:conf:room:${id}`;
const anchorKey = (sipCallId: string) => `cti:conf:anchor:${sipCallId}`;
const partsKey = (id: string) => `cti:conf:parts:${id}`;
const legKey = (sipCallId: string) => `cti:conf:leg:${sipCallId}`;
const ROOMS = 'cti:conf:rooms';

export class ConferenceStore {
  constructor(private readonly redis: Redis) {}

  async putRoom(r: Room): Promise<void> {
    await this.redis.multi().set(roomKey(r.room_id), JSON.stringify(r), 'EX', ROOM_TTL_S).sadd(ROOMS, r.room_id).exec();
  }

  async room(id: string): Promise<Room | undefined> {
    const raw = await this.redis.get(roomKey(id));
    return raw ? (JSON.parse(raw) as Room) : undefined;
  }

  async roomIds(): Promise<string[]> {
    return this.redis.smembers(ROOMS);
  }

  async dropRoom(id: string): Promise<void> {
    await this.redis.multi().del(roomKey(id), partsKey(id)).srem(ROOMS, id).exec();
  }

  async putParticipant(p: Participant): Promise<void> {
    await this.redis.multi()
      .hset(partsKey(p.room_id), p.participant_id, JSON.stringify(p)).expire(partsKey(p.room_id), ROOM_TTL_S)
      .set(legKey(p.dialog.call_id), `${p.room_id}|${p.participant_id}`, 'EX', ROOM_TTL_S)
      .exec();
  }

  async participants(roomId: string): Promise<Participant[]> {
    const all = await this.redis.hvals(partsKey(roomId));
    return all.map((v) => JSON.parse(v) as Participant);
  }

  async participant(roomId: string, id: string): Promise<Participant | undefined> {
    const raw = await this.redis.hget(partsKey(roomId), id);
    return raw ? (JSON.parse(raw) as Participant) : undefined;
  }

  async byLeg(sipCallId: string): Promise<Participant | undefined> {
    const ref = await this.redis.get(legKey(sipCallId));
    if (!ref) return undefined;
    const [roomId, id] = ref.split('|');
    return this.participant(roomId!, id!);
  }

  async putAnchor(a: Anchor): Promise<void> {
    await this.redis.set(anchorKey(a.sip_call_id), JSON.stringify(a), 'EX', ROOM_TTL_S);
  }

  /** Stores a new anchor unless one is there (two three-way requests at once: one wins). */
  async putNewAnchor(a: Anchor): Promise<boolean> {
    return (await this.redis.set(anchorKey(a.sip_call_id), JSON.stringify(a), 'EX', ROOM_TTL_S, 'NX')) === 'OK';
  }

  async anchor(sipCallId: string): Promise<Anchor | undefined> {
    const raw = await this.redis.get(anchorKey(sipCallId));
    return raw ? (JSON.parse(raw) as Anchor) : undefined;
  }

  async dropAnchor(sipCallId: string): Promise<void> {
    await this.redis.del(anchorKey(sipCallId));
  }

  async dropParticipant(p: Participant): Promise<void> {
    await this.redis.multi().hdel(partsKey(p.room_id), p.participant_id).del(legKey(p.dialog.call_id)).exec();
  }
}

const JANUS_SESSION = 'cti:janus:session';

/** The mixer's session ids (engine/janus/client.ts), for the next control-plane process to claim. */
export function janusSessionInRedis(redis: Redis): { load(): Promise<{ session: number; handle: number } | undefined>; save(ids: { session: number; handle: number }): Promise<void> } {
  return {
    async load() {
      const raw = await redis.get(JANUS_SESSION);
      return raw ? (JSON.parse(raw) as { session: number; handle: number }) : undefined;
    },
    async save(ids) {
      // kept without expiry: a stale pair is refused by Janus's claim, and the client then starts a new session
      await redis.set(JANUS_SESSION, JSON.stringify(ids));
    },
  };
}
