/** Writes an rtpengine-style spool entry (pcap + metadata) for a made-up call, for unit tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeAlaw, encodeUlaw } from '../../../../recordings/src/g711.ts';
import { buildRtp } from '../../../../recordings/src/rtp.ts';
import { buildPcap, ethernet, ipv4Udp } from './pcap-builder.ts';

export const SEAT_FACING_PORT = 30000; // in the offer rtpengine sent to the seat
export const CALLER_FACING_PORT = 30002; // in the answer rtpengine sent to the caller

export interface StreamSpec {
  side: 'caller' | 'seat';
  ssrc: number;
  payloadType: number;
  toneHz: number;
  /** Arrival of the first packet, ms after the call's T0. */
  startMs: number;
  packets: number;
  /** Packet indexes that are never sent (lost). */
  drop?: number[];
  /** Extra arrival delay per packet index (jitter; may reorder). */
  delayMs?: Record<number, number>;
  /** Packet index -> sent twice. */
  duplicate?: number[];
}

export const T0 = 1_795_600_000_000;

export async function writeSyntheticCall(spool: string, callId: string, hash: string, streams: StreamSpec[], opts: { metadata?: boolean } = {}): Promise<{ metadataPath: string; pcapPath: string }> {
  await mkdir(join(spool, 'pcaps'), { recursive: true });
  await mkdir(join(spool, 'metadata'), { recursive: true });
  const escaped = encodeURIComponent(callId);
  const pcapPath = join(spool, 'pcaps', `${escaped}-${hash}.pcap`);
  const records: Array<{ timeMs: number; frame: Buffer }> = [];
  for (const s of streams) {
    const dst = s.side === 'caller' ? CALLER_FACING_PORT : SEAT_FACING_PORT;
    const src = s.side === 'caller' ? 40000 : 50000;
    for (let n = 0; n < s.packets; n++) {
      if (s.drop?.includes(n)) continue;
      const pcm = Array.from({ length: 160 }, (_, i) => 12000 * Math.sin((2 * Math.PI * s.toneHz * (n * 160 + i)) / 8000));
      const payload = s.payloadType === 8 ? encodeAlaw(pcm) : s.payloadType === 0 ? encodeUlaw(pcm) : Buffer.alloc(s.payloadType === 13 ? 1 : 4);
      const rtp = buildRtp({ payloadType: s.payloadType, sequenceNumber: (1000 + n) & 0xffff, timestamp: 5000 + n * 160, ssrc: s.ssrc }, payload);
      const frame = ethernet(ipv4Udp('127.0.0.1', src, '127.0.0.1', dst, rtp));
      const timeMs = T0 + s.startMs + n * 20 + (s.delayMs?.[n] ?? 0);
      records.push({ timeMs, frame });
      if (s.duplicate?.includes(n)) records.push({ timeMs: timeMs + 1, frame });
    }
  }
  records.sort((a, b) => a.timeMs - b.timeMs);
  await writeFile(pcapPath, buildPcap(records));
  const sdp = (port: number) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8 0\r\na=rtcp:${port + 1}\r\n`;
  const text =
    `${pcapPath}\n\n\n` +
    (opts.metadata === false
      ? ''
      : `Timestamp started ms: ${T0 - 5}.000\nSDP mode: offer\nSDP before RTP packet: 1\n\n${sdp(SEAT_FACING_PORT)}\n` +
        `Timestamp started ms: ${T0 - 4}.000\nSDP mode: answer\nSDP before RTP packet: 1\n\n${sdp(CALLER_FACING_PORT)}\n`) +
    `Timestamp terminated ms(first monologue): ${T0 + 10000}.000\n\ncall start time: 2026-11-25T11:06:40\ncall end time: 2026-11-25T11:06:50\n`;
  const metadataPath = join(spool, 'metadata', `rtpengine-meta-${escaped}-${hash}.txt`);
  await writeFile(metadataPath, text);
  return { metadataPath, pcapPath };
}
