/**
 * The AudioBridge requests the mixer uses, as janode 1.8's AudioBridge handle sends them
 * (janode/src/plugins/audiobridge-plugin.js; Janus's plugins/janus_audiobridge.c documents each field).
 */
import type { EventEmitter } from 'node:events';

/** A plain-RTP participant's media: where Janus sends (the peer), and with which G.711 payload type. */
export interface RtpPeer {
  ip: string;
  port: number;
  payload_type: 0 | 8;
}

export interface JoinedData {
  room: number;
  feed: number;
  /** Janus's own address for this participant's RTP (where the peer must send). */
  rtp?: { ip: string; port: number; payload_type?: number };
  participants?: unknown[];
}

export interface ParticipantInfo {
  feed: number;
  display?: string;
  muted: boolean;
  setup?: boolean;
  talking?: boolean;
}

export interface AudioBridgeHandle extends EventEmitter {
  readonly id: number;
  create(p: {
    room: number; description?: string; sampling_rate?: number; record?: boolean; filename?: string; admin_key?: string;
    allow_rtp?: boolean; prebuffer?: number; permanent?: boolean;
  }): Promise<{ room: number }>;
  destroy(p: { room: number; permanent?: boolean }): Promise<{ room: number }>;
  exists(p: { room: number }): Promise<{ room: number; exists: boolean }>;
  join(p: { room: number; display?: string; muted?: boolean; codec?: 'pcma' | 'pcmu'; rtp_participant?: RtpPeer }): Promise<JoinedData>;
  listParticipants(p: { room: number }): Promise<{ room: number; participants: ParticipantInfo[] }>;
  kick(p: { room: number; feed: number }): Promise<unknown>;
  mute(p: { room: number; feed: number }): Promise<unknown>;
  unmute(p: { room: number; feed: number }): Promise<unknown>;
  detach(): Promise<void>;
}
