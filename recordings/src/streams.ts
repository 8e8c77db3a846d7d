/**
 * Per-party RTP stream bookkeeping for conversion: RFC 3550 §6.4.1 / Appendix A.1 style extended
 * sequence numbers and loss (expected minus received), extended timestamps, and placement of each
 * G.711 packet on a common time axis.
 *
 * Placement: the recording's axis is the pcap clock (arrival at rtpengine), 8 samples per ms,
 * starting at the first RTP packet of the call. Within one SSRC the RTP timestamp orders and spaces
 * the packets (so jitter and reordering do not smear the audio); the stream is anchored to the axis
 * by the earliest arrival seen so far (least-delayed packet), and re-anchored when packets arrive
 * more than REANCHOR_SAMPLES later than their timestamps predict (a sender that stopped its RTP
 * clock, a timestamp jump, or clock drift beyond 200 ms).
 */
import type { RtpPacket } from './rtp.ts';

export const SAMPLES_PER_MS = 8;
export const REANCHOR_SAMPLES = 1600;
export const PT_PCMU = 0;
export const PT_PCMA = 8;

export interface PlacedPacket {
  /** Position of the first sample on the recording's axis, in samples. */
  readonly pos: number;
  readonly payloadType: typeof PT_PCMU | typeof PT_PCMA;
  readonly payload: Buffer;
}

interface Arrival {
  readonly arrivalMs: number;
  readonly extTimestamp: number;
  readonly payloadType: typeof PT_PCMU | typeof PT_PCMA;
  readonly payload: Buffer;
}

export class SsrcStream {
  private firstTs: number | undefined;
  private lastTs = 0;
  private lastExtTs = 0;
  private maxExtSeq: number | undefined;
  private minExtSeq = 0;
  private readonly seen = new Set<number>();
  readonly audio: Arrival[] = [];
  duplicates = 0;

  constructor(readonly ssrc: number) {}

  /** Adds one RTP packet; returns false for a duplicate (same extended sequence number). */
  add(p: RtpPacket, arrivalMs: number): boolean {
    let extSeq: number;
    if (this.maxExtSeq === undefined) {
      extSeq = p.sequenceNumber + 0x10000; // headroom for packets reordered before the first
      this.maxExtSeq = extSeq;
      this.minExtSeq = extSeq;
    } else {
      const delta = ((p.sequenceNumber - (this.maxExtSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      extSeq = this.maxExtSeq + delta;
      this.maxExtSeq = Math.max(this.maxExtSeq, extSeq);
      this.minExtSeq = Math.min(this.minExtSeq, extSeq);
    }
    if (this.seen.has(extSeq)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(extSeq);

    let extTs: number;
    if (this.firstTs === undefined) {
      this.firstTs = p.timestamp;
      extTs = 0;
    } else {
      extTs = this.lastExtTs + ((p.timestamp - this.lastTs) | 0);
    }
    this.lastTs = p.timestamp;
    this.lastExtTs = extTs;

    if (p.payloadType === PT_PCMA || p.payloadType === PT_PCMU) {
      this.audio.push({ arrivalMs, extTimestamp: extTs, payloadType: p.payloadType, payload: Buffer.from(p.payload) });
    }
    return true;
  }

  /** RFC 3550 §6.4.1 cumulative number of packets lost (never negative here). */
  get lost(): number {
    if (this.maxExtSeq === undefined) return 0;
    return Math.max(0, this.maxExtSeq - this.minExtSeq + 1 - this.seen.size);
  }

  /** Places the stream's G.711 packets on the axis that starts at `originMs`. */
  place(originMs: number): PlacedPacket[] {
    const out: PlacedPacket[] = [];
    let anchor: number | undefined;
    for (const a of this.audio) {
      const arrival = Math.round((a.arrivalMs - originMs) * SAMPLES_PER_MS);
      const d = arrival - a.extTimestamp;
      if (anchor === undefined || d < anchor || d - anchor > REANCHOR_SAMPLES) anchor = d;
      out.push({ pos: a.extTimestamp + anchor, payloadType: a.payloadType, payload: a.payload });
    }
    return out;
  }
}

export interface SideSummary {
  packets: number;
  lost: number;
  duplicates: number;
  ssrcs: number;
  /** RTP packets per payload type, G.711 or not. */
  payloadTypes: Record<number, number>;
  /** Packets that carried no G.711 audio (comfort noise, telephone-event, other codecs). */
  ignoredPackets: number;
}

/** Everything one party (caller or seat) sent, possibly from several SSRCs. */
export class SideCollector {
  readonly streams = new Map<number, SsrcStream>();
  readonly arrivalsMs: number[] = [];
  readonly payloadTypes: Record<number, number> = {};
  packets = 0;
  ignoredPackets = 0;

  add(p: RtpPacket, arrivalMs: number): void {
    this.packets++;
    this.arrivalsMs.push(arrivalMs);
    this.payloadTypes[p.payloadType] = (this.payloadTypes[p.payloadType] ?? 0) + 1;
    if (p.payloadType !== PT_PCMA && p.payloadType !== PT_PCMU) this.ignoredPackets++;
    let s = this.streams.get(p.ssrc);
    if (!s) this.streams.set(p.ssrc, (s = new SsrcStream(p.ssrc)));
    s.add(p, arrivalMs);
  }

  /** All of the side's G.711 packets on the axis, ordered by position. */
  place(originMs: number): PlacedPacket[] {
    const all = [...this.streams.values()].flatMap((s) => s.place(originMs));
    return all.sort((a, b) => a.pos - b.pos);
  }

  summary(): SideSummary {
    let lost = 0;
    let duplicates = 0;
    for (const s of this.streams.values()) {
      lost += s.lost;
      duplicates += s.duplicates;
    }
    return { packets: this.packets, lost, duplicates, ssrcs: this.streams.size, payloadTypes: { ...this.payloadTypes }, ignoredPackets: this.ignoredPackets };
  }
}

/**
 * Intervals longer than `minGapMs` in which a party sent no RTP at all, in ms on the recording's
 * axis [0, durationMs], including a leading gap (the party joined late, e.g. the seat answering a
 * queued call) and a trailing one.
 */
export function silentGaps(arrivalsMs: readonly number[], originMs: number, durationMs: number, minGapMs = 2000): Array<[number, number]> {
  const times = arrivalsMs.map((t) => t - originMs).sort((a, b) => a - b);
  const gaps: Array<[number, number]> = [];
  let prev = 0;
  for (const t of [...times, durationMs]) {
    if (t - prev > minGapMs) gaps.push([Math.round(prev), Math.round(t)]);
    prev = Math.max(prev, t);
  }
  return gaps;
}
