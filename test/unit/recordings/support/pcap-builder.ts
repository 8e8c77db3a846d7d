/** Builds small libpcap files and Ethernet/IPv4/IPv6/UDP frames for the recordings tests. */

export interface PcapBuildOptions {
  littleEndian?: boolean;
  nanosecond?: boolean;
  linkType?: number;
  snaplen?: number;
}

export interface FrameRecord {
  timeMs: number;
  frame: Buffer;
  /** Defaults to frame.length. */
  originalLength?: number;
}

export function buildPcap(records: FrameRecord[], o: PcapBuildOptions = {}): Buffer {
  const le = o.littleEndian ?? true;
  const u32 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off));
  const u16 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
  const g = Buffer.alloc(24);
  u32(g, o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(g, 2, 4);
  u16(g, 4, 6);
  u32(g, o.snaplen ?? 65535, 16);
  u32(g, o.linkType ?? 1, 20);
  const parts: Buffer[] = [g];
  for (const r of records) {
    const h = Buffer.alloc(16);
    const sec = Math.floor(r.timeMs / 1000);
    const fracMs = r.timeMs - sec * 1000;
    u32(h, sec, 0);
    u32(h, Math.round(o.nanosecond ? fracMs * 1e6 : fracMs * 1e3), 4);
    u32(h, r.frame.length, 8);
    u32(h, r.originalLength ?? r.frame.length, 12);
    parts.push(h, r.frame);
  }
  return Buffer.concat(parts);
}

function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

function udpHeader(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(srcPort, 0);
  u.writeUInt16BE(dstPort, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([u, payload]);
}

export interface Ipv4Options {
  protocol?: number;
  flagsFragment?: number;
}

export function ipv4Udp(src: string, srcPort: number, dst: string, dstPort: number, payload: Buffer, o: Ipv4Options = {}): Buffer {
  const udp = udpHeader(srcPort, dstPort, payload);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udp.length, 2);
  ip.writeUInt16BE(o.flagsFragment ?? 0x4000, 6); // DF
  ip[8] = 64;
  ip[9] = o.protocol ?? 17;
  ip.set(ipv4Bytes(src), 12);
  ip.set(ipv4Bytes(dst), 16);
  return Buffer.concat([ip, udp]);
}

export function ipv6Udp(src: Buffer, srcPort: number, dst: Buffer, dstPort: number, payload: Buffer): Buffer {
  const udp = udpHeader(srcPort, dstPort, payload);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(udp.length, 4);
  ip[6] = 17;
  ip[7] = 64;
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([ip, udp]);
}

export function ethernet(packet: Buffer, etherType = 0x0800, vlan?: number): Buffer {
  const macs = Buffer.alloc(12);
  const tag = vlan === undefined ? Buffer.alloc(0) : Buffer.from([0x81, 0x00, (vlan >> 8) & 0x0f, vlan & 0xff]);
  const type = Buffer.alloc(2);
  type.writeUInt16BE(etherType);
  return Buffer.concat([macs, tag, type, packet]);
}
