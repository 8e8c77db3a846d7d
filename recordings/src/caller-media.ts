/**
 * Telling the caller's stream from the seat's by where the caller sends from, for a recording whose metadata holds
 * no usable SDP: a call in conversation taken over by the other node of a pair (docs/ha.md, "Recordings of calls
 * taken over"). rtpengine restores such a call from Redis and starts its recording anew without writing the SDP
 * exchanges of the call so far, so the converter fell back to "the first packet is the caller's", and on a takeover
 * the first packet to reach the new node is as often the seat's (seen: 10 of 10 recordings with the channels
 * swapped); a re-INVITE of the seat through the new node is the file's first exchange, an offer towards the caller,
 * which the SDP rule takes for the seat's.
 *
 * Kamailio passes the caller's media address from the INVITE's SDP (RFC 8866 c= and m= lines) in the NG "metadata"
 * of the offer (`cti-caller-media:<ip>:<port>`); rtpengine keeps it with the call in Redis and writes it at the end
 * of every metadata file, restored calls included. Trunk gateways send RTP from the address they advertise
 * (symmetric RTP, RFC 4961): the ports of rtpengine that receive from it face the caller, the others the seat(s).
 */
import type { RecordingMetadata, Side } from './metadata.ts';
import { readUdpDatagrams, type PcapStats } from './pcap.ts';

export const CALLER_MEDIA_METADATA = 'cti-caller-media:';

export interface MediaEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** The caller's media address the NG metadata carries, if any. */
export function callerMediaOf(meta: RecordingMetadata): MediaEndpoint | undefined {
  for (const raw of (meta.customMetadata ?? '').split('|')) {
    const part = raw.trim();
    if (!part.startsWith(CALLER_MEDIA_METADATA)) continue;
    const value = part.slice(CALLER_MEDIA_METADATA.length);
    const colon = value.lastIndexOf(':');
    const port = Number(value.slice(colon + 1));
    const ip = value.slice(0, colon).replace(/^\[|\]$/g, '');
    if (colon > 0 && ip !== '' && Number.isInteger(port) && port > 0 && port < 65536) return { ip, port };
  }
  return undefined;
}

/**
 * rtpengine's ports that received datagrams from `caller` (its address and port; else, if none did, its address
 * alone) mapped to 'caller'; empty when the caller's address sent nothing. Every other port faces a seat.
 */
export async function callerFacingPorts(pcapPath: string, caller: MediaEndpoint): Promise<Map<number, Side>> {
  const exact = new Set<number>();
  const byAddress = new Set<number>();
  const stats: PcapStats = { records: 0, udp: 0, skipped: 0, truncatedTail: false };
  for await (const d of readUdpDatagrams(pcapPath, stats)) {
    if (d.src !== caller.ip) continue;
    byAddress.add(d.dstPort);
    if (d.srcPort === caller.port) exact.add(d.dstPort);
  }
  return new Map([...(exact.size > 0 ? exact : byAddress)].map((p) => [p, 'caller' as Side]));
}
