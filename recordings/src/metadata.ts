/**
 * rtpengine (10.5, recording-method = pcap) metadata files, as observed from a real rtpengine:
 *
 *   <pcap path>
 *   <blank lines>
 *   [Label: <the NG label>]                       (before an exchange whose monologue has a label)
 *   Timestamp started ms: 1795686579618.086      \
 *   SDP mode: offer                               | one block per SDP exchange; the SDP is the one
 *   SDP before RTP packet: 1                      | rtpengine *sent* (its own addresses and ports)
 *   <blank>                                       |
 *   v=0 ... (CRLF-terminated SDP lines)           /
 *   Timestamp terminated ms(first monologue): 1795686582783.981
 *   call start time: 2026-11-26T09:49:39           (rtpengine host's local time, no zone)
 *   call end time: 2026-11-26T09:49:43
 *   <the NG "metadata" string of the call, if any>
 *
 * rtpengine writes the file under <spool>/tmp/ and renames it into <spool>/metadata/ when the call
 * is deleted, so a file in metadata/ is complete. File names are
 * "rtpengine-meta-<call-id URI-escaped (glib g_uri_escape_string)>-<16 hex>.txt".
 */
import { CtiError } from '../../control/src/errors/catalogue.ts';

export interface SdpMedia {
  readonly type: string;
  readonly port: number;
  readonly protocol: string;
  readonly formats: readonly string[];
  /** RFC 3605 a=rtcp port, when present. */
  readonly rtcpPort?: number;
}

export interface SdpExchange {
  readonly mode: 'offer' | 'answer' | string;
  readonly startedAtMs?: number;
  /** How many RTP packets the pcap held when this SDP was written. */
  readonly rtpPacketsBefore?: number;
  /** The NG `label` of the exchange's monologue, when it has one (room-ports.ts). */
  readonly label?: string;
  readonly sdp: string;
  readonly connectionAddress?: string;
  readonly media: readonly SdpMedia[];
}

export interface RecordingMetadata {
  readonly pcapPath: string;
  readonly exchanges: readonly SdpExchange[];
  readonly terminatedAtMs?: number;
  /** "call start time" / "call end time" as written (local time of the rtpengine host). */
  readonly callStartLocal?: string;
  readonly callEndLocal?: string;
  /** The NG "metadata" string passed with the call, if any. */
  readonly customMetadata?: string;
  /** False when the file lacks its closing "call end time" line (written by something else, or cut). */
  readonly complete: boolean;
}

const METADATA_NAME = /^rtpengine-meta-(.+)-([0-9a-f]{16})\.txt$/;

/** Splits a metadata file name into the SIP Call-ID and rtpengine's random recording hash. */
export function parseMetadataFileName(name: string): { callId: string; escapedCallId: string; hash: string } | undefined {
  const m = METADATA_NAME.exec(name);
  if (!m) return undefined;
  let callId: string;
  try {
    callId = decodeURIComponent(m[1]);
  } catch (e) {
    if (!(e instanceof URIError)) throw e;
    callId = m[1]; // not valid percent-encoding: keep the name as it is
  }
  return { callId, escapedCallId: m[1], hash: m[2] };
}

/** RFC 8866 §5.14 m= lines, §5.7 c= line, and RFC 3605 a=rtcp. */
export function parseSdpMedia(sdp: string): { connectionAddress?: string; media: SdpMedia[] } {
  const media: Array<{ type: string; port: number; protocol: string; formats: string[]; rtcpPort?: number }> = [];
  let connectionAddress: string | undefined;
  for (const raw of sdp.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('m=')) {
      const [type, port, protocol, ...formats] = line.slice(2).split(' ');
      media.push({ type, port: Number.parseInt(port, 10), protocol, formats });
    } else if (line.startsWith('c=') && media.length === 0) {
      connectionAddress = line.slice(2).split(' ')[2];
    } else if (line.startsWith('a=rtcp:') && media.length > 0) {
      media[media.length - 1].rtcpPort = Number.parseInt(line.slice(7), 10);
    }
  }
  return { connectionAddress, media };
}

function number(value: string): number | undefined {
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

export function parseMetadata(text: string): RecordingMetadata {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const pcapPath = lines[0]?.trim();
  if (!pcapPath || !pcapPath.endsWith('.pcap')) {
    throw new CtiError('CTI_RECORDING_MALFORMED', { reason: 'metadata file does not start with the pcap path' });
  }
  const exchanges: SdpExchange[] = [];
  let header: { mode?: string; startedAtMs?: number; rtpPacketsBefore?: number; label?: string } = {};
  let label: string | undefined;
  let terminatedAtMs: number | undefined;
  let callStartLocal: string | undefined;
  let callEndLocal: string | undefined;
  let i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(': ');
    const key = colon > 0 ? line.slice(0, colon) : '';
    const value = colon > 0 ? line.slice(colon + 2) : '';
    if (key === 'Label') label = value.trim();
    else if (key === 'Timestamp started ms') {
      header = { startedAtMs: number(value), ...(label ? { label } : {}) };
      label = undefined;
    }
    else if (key === 'SDP mode') header.mode = value.trim();
    else if (key === 'SDP before RTP packet') header.rtpPacketsBefore = number(value);
    else if (key.startsWith('Timestamp terminated ms')) terminatedAtMs = number(value);
    else if (key === 'call start time') callStartLocal = value.trim();
    else if (key === 'call end time') {
      callEndLocal = value.trim();
      i++;
      break;
    } else if (/^v=\d/.test(line) && header.mode) {
      const sdpLines: string[] = [];
      while (i < lines.length && /^[a-z]=/.test(lines[i])) sdpLines.push(lines[i++]);
      i--;
      const sdp = sdpLines.map((l) => `${l}\r\n`).join('');
      exchanges.push({ mode: header.mode, startedAtMs: header.startedAtMs, rtpPacketsBefore: header.rtpPacketsBefore, ...(header.label ? { label: header.label } : {}), sdp, ...parseSdpMedia(sdp) });
      header = {};
    }
  }
  const rest = lines.slice(i).join('\n').trim();
  return {
    pcapPath,
    exchanges,
    terminatedAtMs,
    callStartLocal,
    callEndLocal,
    customMetadata: rest === '' ? undefined : rest,
    complete: callEndLocal !== undefined,
  };
}

export type Side = 'caller' | 'seat';

/**
 * Maps rtpengine's local RTP ports to the party that sends to them. The pcap holds only packets
 * rtpengine *received*, addressed to its own ports, and the metadata holds the SDP rtpengine sent:
 * an offer goes to the answerer (the seat), so its ports are where the seat sends; an answer goes
 * back to the offerer (the caller), so its ports are where the caller sends. The first exchange
 * that names a port decides its side, so a re-INVITE from the seat's side (an offer towards the
 * caller, carrying the caller-facing port already known) does not flip it.
 */
/**
 * The NG metadata Kamailio gives a call the seat placed (a callback, engine cfg route OUTBOUND): there the seat
 * made the offer, so the SDP roles are the other way round, and the person called back belongs on the left
 * (the caller's channel), the dispatcher on the right, like every other recording.
 */
export const OUTBOUND_METADATA = 'cti-direction:outbound';

export function isOutbound(meta: RecordingMetadata): boolean {
  return (meta.customMetadata ?? '').split('|').some((part) => part.trim() === OUTBOUND_METADATA);
}

export function sideByPort(meta: RecordingMetadata, mediaType = 'audio'): Map<number, Side> {
  const map = new Map<number, Side>();
  const outbound = isOutbound(meta);
  for (const ex of meta.exchanges) {
    const offerSide: Side = outbound ? 'caller' : 'seat';
    const answerSide: Side = outbound ? 'seat' : 'caller';
    const side: Side | undefined = ex.mode === 'offer' ? offerSide : ex.mode === 'answer' ? answerSide : undefined;
    if (!side) continue;
    for (const m of ex.media) {
      if (m.type !== mediaType || !(m.port > 0) || map.has(m.port)) continue;
      map.set(m.port, side);
    }
  }
  return map;
}
