/**
 * RTP fixed header parsing, RFC 3550 §5.1 (with §5.3.1 header extension and the padding rule),
 * and the RTP/RTCP demultiplexing rule of RFC 5761 §4.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC x 32)   |
 */

export interface RtpPacket {
  readonly version: 2;
  readonly padding: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrc: readonly number[];
  /** RFC 3550 §5.3.1: 16 bits defined by profile, then the extension data (length x 32 bits). */
  readonly extension?: { readonly profile: number; readonly data: Buffer };
  /** The payload with any padding removed. */
  readonly payload: Buffer;
}

const FIXED_HEADER = 12;

/** RFC 5761 §4: an RTCP packet's second octet (its packet type) is 192..223; RTP avoids PT 64..95. */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/**
 * Parses an RTP packet; returns undefined for anything that is not a valid RTP version 2 packet
 * (too short, wrong version, CSRC list/extension/padding running past the end, RTCP).
 */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < FIXED_HEADER || looksLikeRtcp(buf)) return undefined;
  const b0 = buf[0];
  if (b0 >> 6 !== 2) return undefined;
  const padding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  let offset = FIXED_HEADER + 4 * cc;
  if (buf.length < offset) return undefined;
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(buf.readUInt32BE(FIXED_HEADER + 4 * i));

  let extension: RtpPacket['extension'];
  if (hasExtension) {
    if (buf.length < offset + 4) return undefined;
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + 4 * words;
    if (buf.length < end) return undefined;
    extension = { profile, data: buf.subarray(offset + 4, end) };
    offset = end;
  }

  let end = buf.length;
  if (padding) {
    // §5.1: the last octet of the padding counts how many padding octets to ignore, itself included.
    const count = buf[buf.length - 1];
    if (count === 0 || offset + count > buf.length) return undefined;
    end -= count;
  }

  return {
    version: 2,
    padding,
    marker: (buf[1] & 0x80) !== 0,
    payloadType: buf[1] & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    extension,
    payload: buf.subarray(offset, end),
  };
}

export interface RtpHeaderFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
}

/** Builds a minimal RTP packet (no CSRC, no extension, no padding); for senders in tests and tools. */
export function buildRtp(h: RtpHeaderFields, payload: Uint8Array): Buffer {
  const buf = Buffer.alloc(FIXED_HEADER + payload.length);
  buf[0] = 0x80;
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(h.timestamp >>> 0, 4);
  buf.writeUInt32BE(h.ssrc >>> 0, 8);
  buf.set(payload, FIXED_HEADER);
  return buf;
}
