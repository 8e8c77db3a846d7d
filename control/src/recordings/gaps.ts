/**
 * Missing audio in a recording: a side of an answered call that sent no RTP for GAP_ALARM_MS or more
 * while the call was up. The conversion measures every silent stretch over 2 s per channel
 * (recordings/src/streams.ts silentGaps, on the recording's axis: 0 = the call's first RTP packet);
 * here only the part after the answer counts, because before it the seat is ringing and sends nothing
 * (Kamailio records from the branch offer). Without the answer time (no call row yet) a leading gap
 * cannot be told from ringing and is left out. A recording with such a gap is flagged `gap`.
 * A recording that starts GAP_ALARM_MS or more after the answer misses its head on both channels: a call in
 * conversation taken over by the other node of a pair (docs/ha.md) is recorded there from the takeover on; the
 * part before it stays on the dead node's disk. That head is a gap with a negative start (before the axis' 0).
 */
import type { RecordingReady } from '../../../recordings/src/spool.ts';

export const GAP_ALARM_MS = 3000;

export type GapChannel = 'caller' | 'seat';

export interface AudioGap {
  channel: GapChannel;
  start_ms: number;
  end_ms: number;
}

/**
 * The gaps of GAP_ALARM_MS or more per channel (caller = left, seat = right) after the answer.
 * `answeredAtMs`: the answer's offset on the recording's axis (answered_at - started_at), or null if unknown.
 */
export function missingAudio(channels: RecordingReady['channels'], answeredAtMs: number | null): AudioGap[] {
  const out: AudioGap[] = [];
  if (answeredAtMs !== null && -answeredAtMs >= GAP_ALARM_MS) {
    channels.forEach((_, i) => out.push({ channel: i === 0 ? 'caller' : 'seat', start_ms: Math.round(answeredAtMs), end_ms: 0 }));
  }
  channels.forEach((ch, i) => {
    for (const [start, end] of ch.silentGapsMs) {
      if (answeredAtMs === null && start === 0) continue;
      const from = Math.max(start, answeredAtMs ?? 0);
      if (end - from >= GAP_ALARM_MS) out.push({ channel: i === 0 ? 'caller' : 'seat', start_ms: Math.round(from), end_ms: end });
    }
  });
  return out;
}
