/**
 * One rtpengine pcap recording -> one stereo WAV (8 kHz, 16-bit; caller LEFT, seat RIGHT).
 * See recordings/README.md for how the streams are told apart and aligned.
 */
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CtiError } from '../../control/src/errors/catalogue.ts';
import { decodeAlaw, decodeUlaw } from './g711.ts';
import { isOutbound, parseMetadata, parseMetadataFileName, sideByPort, type RecordingMetadata, type Side } from './metadata.ts';
import { callerFacingPorts, callerMediaOf } from './caller-media.ts';
import { roomMixPorts, type RoomMixFor } from './room-ports.ts';
import { readUdpDatagrams, type PcapStats } from './pcap.ts';
import { parseRtp } from './rtp.ts';
import { PT_PCMA, SAMPLES_PER_MS, SideCollector, silentGaps, type PlacedPacket, type SideSummary } from './streams.ts';
import { WavWriter } from './wav.ts';

export const SAMPLE_RATE = 8000;
const WINDOW_FRAMES = SAMPLE_RATE; // one second per write
const SILENCE_FLOOR_DBFS = -120;

export interface ChannelResult extends SideSummary {
  /** RMS level of the audio the party sent, dB relative to 16-bit full scale (a full-scale sine is -3 dBFS); -120 for none. */
  rmsDbfs: number;
  /** Intervals over 2 s with no RTP from the party, [startMs, endMs] on the recording's axis. */
  silentGapsMs: Array<[number, number]>;
}

export interface ConvertResult {
  pcapPath: string;
  /** The SIP Call-ID (decoded from rtpengine's file name). */
  callId: string;
  /** rtpengine's random per-recording hash: call id + hash identify one recording. */
  recordingHash: string;
  outPath: string;
  /** Wall-clock time of the WAV's first sample (the call's first RTP packet at rtpengine). */
  startedAt: Date;
  durationMs: number;
  sampleRate: 8000;
  channels: [caller: ChannelResult, seat: ChannelResult];
  /** SM3 (GB/T 32905) of the whole WAV file, hex. */
  sm3: string;
  sizeBytes: number;
  /** RTP/UDP packets to rtpengine ports that no SDP in the metadata named. */
  unassignedPackets: number;
  /**
   * The call was anchored into a conference room (docs/recordings.md "Channel layout"): from `fromMs` on the seat
   * channel is the room's mix for the caller (what the caller heard), no longer the seat's own stream.
   */
  room?: RoomSegment;
  /** Spans [startMs, endMs] on the recording's axis in which the caller heard the hold audio (the seat channel silent there). */
  callerHeld?: Array<[number, number]>;
  /** The NG "metadata" string the call carried, if any. */
  customMetadata?: string;
  pcap: PcapStats;
}

export interface RoomSegment {
  /** On the recording's axis (ms): the first and the last sample of the room's mix for the caller. */
  fromMs: number;
  toMs: number;
  /** RTP packets of the mix for the caller (on the seat channel) and of the mix for the seat (left out: the caller's voice and the others, which the two channels hold already). */
  callerMixPackets: number;
  seatMixPackets: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** The pcap named in the metadata, or the one beside it in ../pcaps (the spool may have moved). */
export async function locatePcap(metadataPath: string, meta: RecordingMetadata): Promise<string> {
  if (await exists(meta.pcapPath)) return meta.pcapPath;
  const sibling = join(dirname(metadataPath), '..', 'pcaps', basename(meta.pcapPath));
  if (await exists(sibling)) return sibling;
  throw new CtiError('CTI_RECORDING_MALFORMED', { reason: 'pcap file not found', pcapPath: meta.pcapPath, metadataPath });
}

interface Collected {
  sides: Record<Side, SideCollector>;
  /** The room's mix for the caller, and the count of the mix for the seat's packets (room-ports.ts). */
  callerMix: SideCollector;
  seatMixPackets: number;
  originMs: number;
  unassigned: number;
  stats: PcapStats;
}

/** `othersSide`: the side of every port `ports` does not name (ports found by the caller's address, caller-media.ts). */
async function collect(pcapPath: string, ports: Map<number, Side>, othersSide: Side | undefined, roomMix: Map<number, RoomMixFor>): Promise<Collected> {
  const sides: Record<Side, SideCollector> = { caller: new SideCollector(), seat: new SideCollector() };
  const callerMix = new SideCollector();
  let seatMixPackets = 0;
  const stats: PcapStats = { records: 0, udp: 0, skipped: 0, truncatedTail: false };
  // Without SDP in the metadata, fall back to order of appearance: the caller's media reaches rtpengine first.
  const guess = ports.size === 0 && !othersSide;
  let originMs = Infinity;
  let unassigned = 0;
  for await (const d of readUdpDatagrams(pcapPath, stats)) {
    const mix = roomMix.get(d.dstPort);
    if (mix) {
      const rtp = parseRtp(d.payload);
      if (!rtp) continue;
      originMs = Math.min(originMs, d.timeMs);
      if (mix === 'caller') callerMix.add(rtp, d.timeMs);
      else seatMixPackets++;
      continue;
    }
    let side = ports.get(d.dstPort) ?? othersSide;
    if (!side && guess && ports.size < 2) {
      side = ports.size === 0 ? 'caller' : 'seat';
      ports.set(d.dstPort, side);
    }
    const rtp = parseRtp(d.payload);
    if (!rtp) continue; // RTCP, STUN, DTLS
    if (!side) {
      unassigned++;
      continue;
    }
    originMs = Math.min(originMs, d.timeMs);
    sides[side].add(rtp, d.timeMs);
  }
  return { sides, callerMix, seatMixPackets, originMs, unassigned, stats };
}

function rmsDbfs(sumSquares: number, count: number): number {
  if (count === 0 || sumSquares === 0) return SILENCE_FLOOR_DBFS;
  return Math.max(SILENCE_FLOOR_DBFS, 20 * Math.log10(Math.sqrt(sumSquares / count) / 32768));
}

/** Renders one channel's packets into `out` (interleaved) for frames [w0, w0 + out.length / 2). */
class ChannelRenderer {
  private next = 0;
  sumSquares = 0;
  samples = 0;
  private readonly scratch = new Int16Array(2048);

  constructor(private readonly packets: PlacedPacket[], private readonly channel: 0 | 1) {}

  render(out: Int16Array, w0: number): void {
    const w1 = w0 + out.length / 2;
    while (this.next < this.packets.length && this.packets[this.next].pos + this.packets[this.next].payload.length <= w0) this.next++;
    for (let i = this.next; i < this.packets.length && this.packets[i].pos < w1; i++) {
      const p = this.packets[i];
      const n = Math.min(p.payload.length, this.scratch.length);
      const pcm = this.scratch.subarray(0, n);
      (p.payloadType === PT_PCMA ? decodeAlaw : decodeUlaw)(p.payload.subarray(0, n), pcm);
      const from = Math.max(0, w0 - p.pos);
      const to = Math.min(n, w1 - p.pos);
      for (let k = from; k < to; k++) {
        const v = pcm[k];
        out[2 * (p.pos + k - w0) + this.channel] = v;
        // Count each packet's samples once: in the window where they land.
        this.sumSquares += v * v;
        this.samples++;
      }
    }
  }
}

/**
 * The seat channel is what the caller heard: the seat's own stream until the call went into a conference room, the
 * room's mix for the caller from then on (there is no way back from the room to the two-party path: docs/mixer.md).
 */
function seatChannel(seatSide: SideCollector, callerMix: SideCollector, originMs: number, seatMixPackets: number) {
  const own = seatSide.place(originMs);
  const mix = callerMix.place(originMs);
  if (mix.length === 0) return { seat: own, seatArrivalsMs: seatSide.arrivalsMs, room: undefined };
  const from = mix[0].pos;
  const to = mix.reduce((m, p) => Math.max(m, p.pos + p.payload.length), 0);
  const fromMs = originMs + from / SAMPLES_PER_MS;
  const room: RoomSegment = {
    fromMs: Math.round(from / SAMPLES_PER_MS), toMs: Math.round(to / SAMPLES_PER_MS), callerMixPackets: callerMix.packets, seatMixPackets,
  };
  return {
    seat: [...own.filter((p) => p.pos < from), ...mix],
    seatArrivalsMs: [...seatSide.arrivalsMs.filter((t) => t < fromMs), ...callerMix.arrivalsMs],
    room,
  };
}

export interface ConvertOptions {
  outPath: string;
  /**
   * Wall-clock spans (ms; end null: to the recording's end) in which the caller heard the hold audio instead of the
   * seat or the room (control/src/recordings/held.ts): rtpengine does not record its player, so the seat channel is
   * silent there rather than holding what the caller did not hear.
   */
  callerHeld?: ReadonlyArray<readonly [number, number | null]>;
}

/** Wall-clock spans -> the recording's axis (ms), open ends to infinity, those before the first packet left out. */
function heldOnAxis(spans: ReadonlyArray<readonly [number, number | null]>, originMs: number): Array<[number, number]> {
  return spans.map(([a, b]) => [Math.max(0, a - originMs), b === null ? Infinity : b - originMs] as [number, number]).filter(([a, b]) => b > a);
}

export async function convertCall(metadataPath: string, opts: ConvertOptions): Promise<ConvertResult> {
  const meta = parseMetadata(await readFile(metadataPath, 'utf8'));
  const names = parseMetadataFileName(basename(metadataPath));
  const pcapPath = await locatePcap(metadataPath, meta);
  const fromPcap = basename(meta.pcapPath).replace(/\.pcap$/, '');
  const callId = names?.callId ?? decodeURIComponent(fromPcap.replace(/-[0-9a-f]{16}$/, ''));

  const callerMedia = isOutbound(meta) ? undefined : callerMediaOf(meta);
  const byCaller = callerMedia ? await callerFacingPorts(pcapPath, callerMedia) : new Map<number, Side>();
  const roomMix = roomMixPorts(meta);
  for (const port of byCaller.keys()) roomMix.delete(port); // the caller's own ports stay the caller's whatever a label says
  const ports = byCaller.size > 0 ? byCaller : sideByPort(meta);
  for (const port of roomMix.keys()) ports.delete(port);
  const { sides, callerMix, seatMixPackets, originMs, unassigned, stats } = await collect(pcapPath, ports, byCaller.size > 0 ? 'seat' : undefined, roomMix);
  const caller = sides.caller.place(originMs);
  const heard = seatChannel(sides.seat, callerMix, originMs, seatMixPackets);
  const { room, seatArrivalsMs } = heard;
  const held = heldOnAxis(opts.callerHeld ?? [], originMs);
  const seat = held.length === 0 ? heard.seat : heard.seat.filter((p) => !held.some(([a, b]) => p.pos + p.payload.length > a * SAMPLES_PER_MS && p.pos < b * SAMPLES_PER_MS));
  const endOf = (ps: PlacedPacket[]) => ps.reduce((m, p) => Math.max(m, p.pos + p.payload.length), 0);
  const frames = Math.max(endOf(caller), endOf(heard.seat)); // a hold to the end does not shorten the recording
  if (frames === 0) {
    throw new CtiError('CTI_RECORDING_NO_MEDIA', { pcapPath, callId, packets: stats.records, unassigned });
  }

  const renderers = [new ChannelRenderer(caller, 0), new ChannelRenderer(seat, 1)] as const;
  const writer = await WavWriter.create(opts.outPath, { channels: 2, sampleRate: SAMPLE_RATE }, frames, 'sm3');
  let file: { sizeBytes: number; digest?: string };
  try {
    for (let w0 = 0; w0 < frames; w0 += WINDOW_FRAMES) {
      const out = new Int16Array(2 * Math.min(WINDOW_FRAMES, frames - w0));
      for (const r of renderers) r.render(out, w0);
      await writer.write(out);
    }
    file = await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }

  const durationMs = frames / SAMPLES_PER_MS;
  const channel = (side: Side, r: ChannelRenderer, arrivalsMs: readonly number[]): ChannelResult => ({
    ...sides[side].summary(),
    rmsDbfs: Math.round(rmsDbfs(r.sumSquares, r.samples) * 10) / 10,
    silentGapsMs: silentGaps(arrivalsMs, originMs, durationMs),
  });
  return {
    pcapPath,
    callId,
    recordingHash: names?.hash ?? fromPcap.slice(-16),
    outPath: opts.outPath,
    startedAt: new Date(Math.round(originMs)),
    durationMs,
    sampleRate: SAMPLE_RATE,
    channels: [channel('caller', renderers[0], sides.caller.arrivalsMs), channel('seat', renderers[1], seatArrivalsMs)],
    sm3: file.digest ?? '',
    sizeBytes: file.sizeBytes,
    unassignedPackets: unassigned,
    ...(room ? { room } : {}),
    ...(held.length > 0 ? { callerHeld: held.map(([a, b]) => [Math.round(a), Math.round(Math.min(b, durationMs))] as [number, number]) } : {}),
    customMetadata: meta.customMetadata,
    pcap: stats,
  };
}
