/**
 * libpcap capture file reader (the "pcap" format of tcpdump/libpcap, pcap-savefile(5);
 * IETF draft-ietf-opsawg-pcap): a 24-octet global header, then records of a 16-octet header and
 * the captured octets. The magic number 0xa1b2c3d4 (microsecond) or 0xa1b23c4d (nanosecond),
 * read in either byte order, tells the file's byte order and timestamp resolution.
 *
 * Link layers (tcpdump.org link-layer header types): 1 Ethernet (IEEE 802.3, with 802.1Q tags),
 * 101/228 raw IPv4 or IPv6, 229 raw IPv6, 113 Linux cooked (SLL), 0 BSD loopback.
 * Network layers: IPv4 (RFC 791; fragments are skipped), IPv6 (RFC 8200; hop-by-hop, routing and
 * destination options headers are followed, fragments skipped); transport: UDP (RFC 768).
 * Everything else is skipped and counted.
 */
import { open } from 'node:fs/promises';
import { CtiError } from '../../control/src/errors/catalogue.ts';

export interface PcapHeader {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  readonly linkType: number;
}

export interface PcapRecord {
  /** Capture time in milliseconds since the Unix epoch (microsecond or better precision). */
  readonly timeMs: number;
  readonly originalLength: number;
  readonly data: Buffer;
}

export interface UdpDatagram {
  readonly timeMs: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly payload: Buffer;
}

export interface PcapStats {
  records: number;
  udp: number;
  /** Records that were not (complete, unfragmented) UDP over IPv4/IPv6. */
  skipped: number;
  /** True when the file ended inside a record (a capture cut short). */
  truncatedTail: boolean;
}

export const GLOBAL_HEADER_LENGTH = 24;
export const RECORD_HEADER_LENGTH = 16;

export const LINKTYPE = { NULL: 0, ETHERNET: 1, RAW: 101, LINUX_SLL: 113, IPV4: 228, IPV6: 229 } as const;

function malformed(reason: string): CtiError {
  return new CtiError('CTI_RECORDING_MALFORMED', { reason });
}

export function parseGlobalHeader(buf: Buffer): PcapHeader {
  if (buf.length < GLOBAL_HEADER_LENGTH) throw malformed('pcap file shorter than its 24-octet global header');
  const magicBE = buf.readUInt32BE(0);
  const magicLE = buf.readUInt32LE(0);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    littleEndian = true;
    nanosecond = magicLE === 0xa1b23c4d;
  } else if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) {
    littleEndian = false;
    nanosecond = magicBE === 0xa1b23c4d;
  } else {
    throw malformed(`not a pcap file (magic 0x${magicBE.toString(16)}); pcapng is not supported`);
  }
  const u16 = (o: number) => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  return {
    littleEndian,
    nanosecond,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snaplen: u32(16),
    // The upper bits of the link-type field carry FCS information (draft-ietf-opsawg-pcap §4).
    linkType: u32(20) & 0x0fffffff,
  };
}

/** Parses the records that are complete in `buf` starting at `offset`; returns where parsing stopped. */
export function parseRecords(header: PcapHeader, buf: Buffer, offset: number, out: PcapRecord[]): number {
  const u32 = (o: number) => (header.littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  while (offset + RECORD_HEADER_LENGTH <= buf.length) {
    const sec = u32(offset);
    const frac = u32(offset + 4);
    const inclLen = u32(offset + 8);
    const origLen = u32(offset + 12);
    if (inclLen > Math.max(header.snaplen, 262144)) throw malformed(`record at octet ${offset} claims ${inclLen} octets`);
    const end = offset + RECORD_HEADER_LENGTH + inclLen;
    if (end > buf.length) break;
    out.push({
      timeMs: sec * 1000 + (header.nanosecond ? frac / 1e6 : frac / 1e3),
      originalLength: origLen,
      data: buf.subarray(offset + RECORD_HEADER_LENGTH, end),
    });
    offset = end;
  }
  return offset;
}

/** Reads an in-memory pcap file. */
export function readPcap(buf: Buffer): { header: PcapHeader; records: PcapRecord[]; truncatedTail: boolean } {
  const header = parseGlobalHeader(buf);
  const records: PcapRecord[] = [];
  const end = parseRecords(header, buf, GLOBAL_HEADER_LENGTH, records);
  return { header, records, truncatedTail: end !== buf.length };
}

/** Streams a pcap file from disk in chunks, so that long calls do not need the whole file in memory. */
export async function* readPcapFile(
  path: string,
  onHeader?: (h: PcapHeader) => void,
  chunkSize = 1 << 20,
): AsyncGenerator<PcapRecord, { header: PcapHeader; truncatedTail: boolean }> {
  const fh = await open(path, 'r');
  try {
    let pending = Buffer.alloc(0);
    let header: PcapHeader | undefined;
    let offset = 0;
    for (;;) {
      const chunk = Buffer.alloc(chunkSize);
      const { bytesRead } = await fh.read(chunk, 0, chunkSize, null);
      pending = Buffer.concat([pending.subarray(offset), chunk.subarray(0, bytesRead)]);
      offset = 0;
      if (!header) {
        if (pending.length < GLOBAL_HEADER_LENGTH && bytesRead > 0) continue;
        header = parseGlobalHeader(pending);
        onHeader?.(header);
        offset = GLOBAL_HEADER_LENGTH;
      }
      const records: PcapRecord[] = [];
      offset = parseRecords(header, pending, offset, records);
      yield* records;
      if (bytesRead === 0) return { header, truncatedTail: offset !== pending.length };
    }
  } finally {
    await fh.close();
  }
}

function ipv4Address(buf: Buffer, o: number): string {
  return `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
}

function ipv6Address(buf: Buffer, o: number): string {
  // RFC 5952 §4.2: the longest run (two or more) of zero groups becomes "::".
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(o + 2 * i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** Returns the network-layer packet inside a link-layer frame, with its EtherType-style protocol. */
function networkLayer(linkType: number, d: Buffer): { proto: number; packet: Buffer } | undefined {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      let o = 12;
      if (d.length < 14) return undefined;
      let type = d.readUInt16BE(o);
      while ((type === 0x8100 || type === 0x88a8) && d.length >= o + 6) {
        o += 4; // IEEE 802.1Q / 802.1ad tag
        type = d.readUInt16BE(o);
      }
      return { proto: type, packet: d.subarray(o + 2) };
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      if (d.length < 1) return undefined;
      return { proto: d[0] >> 4 === 6 ? 0x86dd : 0x0800, packet: d };
    case LINKTYPE.LINUX_SLL:
      if (d.length < 16) return undefined;
      return { proto: d.readUInt16BE(14), packet: d.subarray(16) };
    case LINKTYPE.NULL:
      if (d.length < 5) return undefined;
      return { proto: d[4] >> 4 === 6 ? 0x86dd : 0x0800, packet: d.subarray(4) };
    default:
      return undefined;
  }
}

function udpPayload(segment: Buffer): { srcPort: number; dstPort: number; payload: Buffer } | undefined {
  if (segment.length < 8) return undefined;
  const length = segment.readUInt16BE(4);
  if (length < 8 || length > segment.length) return undefined; // truncated by the snap length
  return { srcPort: segment.readUInt16BE(0), dstPort: segment.readUInt16BE(2), payload: segment.subarray(8, length) };
}

const IPV6_SKIPPABLE_HEADERS = new Set([0, 43, 60]);

/** Decodes a UDP datagram from one captured frame, or undefined when the frame holds none. */
export function decodeUdp(linkType: number, record: PcapRecord): UdpDatagram | undefined {
  const net = networkLayer(linkType, record.data);
  if (!net) return undefined;
  const p = net.packet;
  if (net.proto === 0x0800) {
    if (p.length < 20 || p[0] >> 4 !== 4) return undefined;
    const ihl = (p[0] & 0x0f) * 4;
    const totalLength = p.readUInt16BE(2);
    const fragment = p.readUInt16BE(6);
    if (ihl < 20 || totalLength > p.length || totalLength < ihl) return undefined;
    if ((fragment & 0x2000) !== 0 || (fragment & 0x1fff) !== 0) return undefined; // MF or offset: a fragment
    if (p[9] !== 17) return undefined;
    const udp = udpPayload(p.subarray(ihl, totalLength));
    return udp && { timeMs: record.timeMs, src: ipv4Address(p, 12), dst: ipv4Address(p, 16), ...udp };
  }
  if (net.proto === 0x86dd) {
    if (p.length < 40 || p[0] >> 4 !== 6) return undefined;
    const end = Math.min(p.length, 40 + p.readUInt16BE(4));
    let next = p[6];
    let o = 40;
    while (IPV6_SKIPPABLE_HEADERS.has(next)) {
      if (o + 8 > end) return undefined;
      next = p[o];
      o += (p[o + 1] + 1) * 8;
    }
    if (next !== 17) return undefined;
    const udp = udpPayload(p.subarray(o, end));
    return udp && { timeMs: record.timeMs, src: ipv6Address(p, 8), dst: ipv6Address(p, 24), ...udp };
  }
  return undefined;
}

/** Streams the UDP datagrams of a pcap file; `stats` is filled in as reading goes. */
export async function* readUdpDatagrams(path: string, stats: PcapStats): AsyncGenerator<UdpDatagram> {
  let linkType = -1;
  const records = readPcapFile(path, (h) => (linkType = h.linkType));
  for (;;) {
    const r = await records.next();
    if (r.done) {
      stats.truncatedTail = r.value.truncatedTail;
      return;
    }
    stats.records++;
    const dgram = decodeUdp(linkType, r.value);
    if (dgram) {
      stats.udp++;
      yield dgram;
    } else stats.skipped++;
  }
}
