/**
 * Test audio for SIPp's `<exec play_pcap_audio="...">`: pure tones encoded as G.711 A-law
 * (ITU-T G.711), packed as RTP (RFC 3550 section 5.1, payload type 8 per RFC 3551 section 6)
 * in Ethernet/IPv4/UDP frames inside a classic libpcap file (LINKTYPE_ETHERNET).
 * Everything is deterministic: the same options give the same bytes, so files are cached by name.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CtiError } from '../../control/src/errors/catalogue.ts';

export const SAMPLE_RATE = 8000;
export const PACKET_MS = 20;
export const SAMPLES_PER_PACKET = (SAMPLE_RATE * PACKET_MS) / 1000;
export const PT_PCMA = 8;

/** Where scenarios expect their audio: test/media, next to test/sipp. */
export const MEDIA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'media');

// ---- ITU-T G.711 A-law (segment table as in the reference C code of G.191) ----

const SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** Encode one 16-bit linear PCM sample to an A-law byte (even bits inverted, G.711 table 1a). */
export function linearToAlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.trunc(sample))) >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  while (seg < 8 && pcm > SEG_END[seg]) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

/** Decode one A-law byte to 16-bit linear PCM (the decision interval's midpoint). */
export function alawToLinear(code: number): number {
  const a = (code & 0xff) ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

export function encodeAlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = linearToAlaw(pcm[i]);
  return out;
}

export function decodeAlaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = alawToLinear(bytes[i]);
  return out;
}

/** A sine tone at 8 kHz; amplitude as a fraction of full scale (default -6 dBFS). */
export function tone(freqHz: number, seconds: number, amplitude = 0.5): Int16Array {
  const n = Math.round(seconds * SAMPLE_RATE);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freqHz * i) / SAMPLE_RATE));
  return out;
}

/** Goertzel power of one frequency, normalised by length; used to tell the caller's tone from the seat's. */
export function tonePower(pcm: Int16Array, freqHz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freqHz) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (const x of pcm) {
    const s0 = x / 32768 + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (pcm.length * pcm.length);
}

// ---- RTP (RFC 3550 section 5.1) ----

export interface RtpOptions {
  payloadType: number;
  ssrc: number;
  firstSeq?: number;
  firstTimestamp?: number;
}

/** Split a payload stream into 20 ms RTP packets; the marker bit is set on the first one. */
export function rtpPackets(payload: Uint8Array, opts: RtpOptions): Buffer[] {
  const packets: Buffer[] = [];
  for (let i = 0, n = 0; i < payload.length; i += SAMPLES_PER_PACKET, n++) {
    const body = payload.subarray(i, i + SAMPLES_PER_PACKET);
    const p = Buffer.alloc(12 + body.length);
    p[0] = 0x80; // V=2, P=0, X=0, CC=0
    p[1] = (n === 0 ? 0x80 : 0) | (opts.payloadType & 0x7f);
    p.writeUInt16BE(((opts.firstSeq ?? 0) + n) & 0xffff, 2);
    p.writeUInt32BE(((opts.firstTimestamp ?? 0) + i) >>> 0, 4);
    p.writeUInt32BE(opts.ssrc >>> 0, 8);
    p.set(body, 12);
    packets.push(p);
  }
  return packets;
}

// ---- Ethernet II / IPv4 (RFC 791) / UDP (RFC 768) framing and libpcap file ----

export interface Endpoint {
  ip: string;
  port: number;
}

function ipv4Bytes(ip: string): number[] {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw new CtiError('CTI_BAD_REQUEST', { ip }, `"${ip}" is not a dotted IPv4 address; pass one like 127.0.0.1.`);
  }
  return parts;
}

/** RFC 1071 one's-complement sum, folded and inverted. */
export function internetChecksum(buf: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i] << 8) | (i + 1 < buf.length ? buf[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One Ethernet frame carrying an IPv4/UDP datagram (UDP checksum over the pseudo-header, RFC 768). */
export function udpFrame(src: Endpoint, dst: Endpoint, payload: Uint8Array, ipId = 0): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + payload.length);
  f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0); // locally administered MACs
  f.writeUInt16BE(0x0800, 12);
  const ip = f.subarray(14, 34);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip.writeUInt16BE(ipId & 0xffff, 4);
  ip[8] = 64;
  ip[9] = 17;
  ip.set(ipv4Bytes(src.ip), 12);
  ip.set(ipv4Bytes(dst.ip), 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  const udp = f.subarray(34);
  udp.writeUInt16BE(src.port, 0);
  udp.writeUInt16BE(dst.port, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  udp.set(payload, 8);
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17]), udp.subarray(4, 6), udp]);
  udp.writeUInt16BE(internetChecksum(pseudo) || 0xffff, 6);
  return f;
}

export interface PcapRecord {
  tsUs: number;
  data: Buffer;
}

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;

/** A classic libpcap file (version 2.4, microsecond timestamps, little-endian). */
export function writePcap(records: PcapRecord[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(PCAP_MAGIC, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(r.tsUs / 1e6), 0);
    h.writeUInt32LE(r.tsUs % 1e6, 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(r.data.length, 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

/** Read a classic libpcap file (either byte order, micro- or nanosecond magic); returns frames with µs stamps. */
export function readPcap(file: Buffer): { linkType: number; records: PcapRecord[] } {
  const magicLe = file.readUInt32LE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  const magic = le ? magicLe : file.readUInt32BE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) {
    throw new CtiError('CTI_BAD_REQUEST', { magic }, 'Not a classic pcap file; write it with -F pcap (not pcapng).');
  }
  const u32 = (o: number): number => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const nano = magic === 0xa1b23c4d;
  const records: PcapRecord[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const len = u32(o + 8);
    const frac = u32(o + 4);
    records.push({ tsUs: u32(o) * 1e6 + (nano ? Math.floor(frac / 1000) : frac), data: file.subarray(o + 16, o + 16 + len) });
    o += 16 + len;
  }
  return { linkType: u32(20), records };
}

export interface UdpDatagram {
  tsUs: number;
  src: Endpoint;
  dst: Endpoint;
  payload: Buffer;
}

/** UDP datagrams of an Ethernet (1) or Linux cooked (113) capture; other frames are skipped. */
export function udpDatagrams(pcap: { linkType: number; records: PcapRecord[] }): UdpDatagram[] {
  const l2 = pcap.linkType === 113 ? 16 : pcap.linkType === 1 ? 14 : pcap.linkType === 0 ? 4 : -1;
  if (l2 < 0) throw new CtiError('CTI_BAD_REQUEST', { linkType: pcap.linkType }, 'Unsupported pcap link type; capture on Ethernet or loopback.');
  const out: UdpDatagram[] = [];
  for (const r of pcap.records) {
    const ip = r.data.subarray(l2);
    if (ip.length < 28 || ip[0] >> 4 !== 4 || ip[9] !== 17) continue;
    const ihl = (ip[0] & 0x0f) * 4;
    const udp = ip.subarray(ihl);
    const ipStr = (o: number): string => Array.from(ip.subarray(o, o + 4)).join('.');
    out.push({
      tsUs: r.tsUs,
      src: { ip: ipStr(12), port: udp.readUInt16BE(0) },
      dst: { ip: ipStr(16), port: udp.readUInt16BE(2) },
      payload: udp.subarray(8, udp.readUInt16BE(4)),
    });
  }
  return out;
}

// ---- the test audio the scenarios in test/sipp use ----

export interface ToneSpec {
  freqHz: number;
  seconds: number;
  ssrc: number;
}

/** The pcap bytes of one tone: PCMA, 20 ms packets, sent 127.0.0.1:16000 -> 127.0.0.1:16002 (SIPp rewrites both). */
export function tonePcap(spec: ToneSpec): Buffer {
  const packets = rtpPackets(encodeAlaw(tone(spec.freqHz, spec.seconds)), { payloadType: PT_PCMA, ssrc: spec.ssrc });
  const src = { ip: '127.0.0.1', port: 16000 };
  const dst = { ip: '127.0.0.1', port: 16002 };
  return writePcap(packets.map((p, i) => ({ tsUs: i * PACKET_MS * 1000, data: udpFrame(src, dst, p, i) })));
}

/** Caller 440 Hz, seat 1000 Hz: recordings tell the sides apart by tone. File names are what the scenarios reference. */
export const TEST_AUDIO: Readonly<Record<string, ToneSpec>> = {
  'caller-440hz-pcma-5s.pcap': { freqHz: 440, seconds: 5, ssrc: 0x12000440 },
  'caller-440hz-pcma-1s.pcap': { freqHz: 440, seconds: 1, ssrc: 0x12000441 },
  'seat-1000hz-pcma-5s.pcap': { freqHz: 1000, seconds: 5, ssrc: 0x5ea71000 },
  // calls in conversation through a node's death (test/integration/ha): audio that outlasts the failover
  'caller-440hz-pcma-30s.pcap': { freqHz: 440, seconds: 30, ssrc: 0x12000442 },
  'seat-1000hz-pcma-30s.pcap': { freqHz: 1000, seconds: 30, ssrc: 0x5ea71001 },
};

/** Write every file of TEST_AUDIO into dir (default test/media) unless an identical one is there; returns dir. */
export function ensureTestAudio(dir: string = MEDIA_DIR): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, spec] of Object.entries(TEST_AUDIO)) {
    const path = join(dir, name);
    const bytes = tonePcap(spec);
    if (existsSync(path) && readFileSync(path).equals(bytes)) continue;
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  }
  return dir;
}
