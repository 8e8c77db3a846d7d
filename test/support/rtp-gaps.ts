/**
 * The longest silence of each RTP stream in a capture, over a window (a failover: calls in conversation through a
 * node's death, test/integration/ha). Pure, so that it is unit-tested (test/unit/support/rtp-gaps.test.ts).
 */
import { readPcap, udpDatagrams, type UdpDatagram } from './audio.ts';

export interface StreamGap {
  /** src ip:port -> dst ip:port */
  readonly flow: string;
  readonly packets: number;
  /** Longest time without a packet inside the window, the window's edges included (a stream that stopped for good
   *  has its gap run to the window's end). */
  readonly maxGapMs: number;
  /** When the longest gap started (ms since the epoch). */
  readonly gapFromMs: number;
  /** Packets after `afterMs` (the stream flows again after the failure). */
  readonly packetsAfter: number;
  /** Packets from the window's start to `atMs` (the failure), when given: the stream flowed before it. A stream
   *  silent before the failure was not lost by it (no audio already through the node that died). */
  readonly packetsBefore: number;
}

/** The window of a failure at `atMs` (ms since the epoch); `from`: only packets sent from this address. */
export interface GapWindow {
  readonly fromMs: number;
  readonly toMs: number;
  readonly afterMs: number;
  readonly atMs?: number;
  readonly from?: string;
}

function flowOf(d: UdpDatagram): string {
  return `${d.src.ip}:${d.src.port}->${d.dst.ip}:${d.dst.port}`;
}

/**
 * Per flow: the longest gap between consecutive packets in [fromMs, toMs] (and from fromMs to the first packet, from
 * the last packet to toMs), and how many packets came after `afterMs`. Only flows with a packet in the window.
 */
export function streamGaps(datagrams: readonly UdpDatagram[], window: GapWindow): StreamGap[] {
  const byFlow = new Map<string, number[]>();
  for (const d of datagrams) {
    const ms = d.tsUs / 1000;
    if (ms < window.fromMs || ms > window.toMs) continue;
    if (window.from !== undefined && d.src.ip !== window.from) continue;
    const list = byFlow.get(flowOf(d)) ?? [];
    list.push(ms);
    byFlow.set(flowOf(d), list);
  }
  return [...byFlow.entries()].map(([flow, times]) => {
    const t = [window.fromMs, ...times.sort((x, y) => x - y), window.toMs];
    let maxGapMs = 0;
    let gapFromMs = window.fromMs;
    for (let i = 1; i < t.length; i++) {
      if (t[i]! - t[i - 1]! > maxGapMs) {
        maxGapMs = t[i]! - t[i - 1]!;
        gapFromMs = t[i - 1]!;
      }
    }
    return { flow, packets: times.length, maxGapMs: Math.round(maxGapMs), gapFromMs, packetsAfter: times.filter((x) => x > window.afterMs).length,
      packetsBefore: window.atMs === undefined ? 0 : times.filter((x) => x < window.atMs!).length };
  }).sort((x, y) => x.flow.localeCompare(y.flow));
}

/** streamGaps of a classic pcap file's bytes (dumpcap -P). */
export function pcapStreamGaps(file: Buffer, window: GapWindow): StreamGap[] {
  return streamGaps(udpDatagrams(readPcap(file)), window);
}

/** Datagrams of a classic pcap file's bytes, for several streamGaps over one capture. */
export function pcapDatagrams(file: Buffer): UdpDatagram[] {
  return udpDatagrams(readPcap(file));
}
