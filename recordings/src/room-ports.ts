/**
 * The conference room's ports in a call's recording (docs/recordings.md "Channel layout"). When a call is anchored
 * into a Janus room (three-way, consultation; control/src/calls/conference/anchor.ts) its own rtpengine call gains two
 * monologues facing Janus: one receives the room's mix-minus for the caller (what the caller hears from then on), one
 * the mix-minus for the seat (what the seat hears). rtpengine records both, and without telling them apart every
 * port that is not the caller's landed on the seat channel, interleaving the seat's microphone and both mixes.
 *
 * The anchoring's offers towards Janus carry an NG `label` (on the offering monologue: the caller's or the seat's);
 * rtpengine 10.5 writes `Label: <label>` before each exchange of a labelled monologue in the metadata file (seen;
 * it has no `sdp-attr`, and a later NG `metadata` replaces the call's `cti-caller-media`). The port in the first
 * labelled offer that names a port no earlier exchange named is the one Janus sends that mix to; later offers of the
 * same monologue (a seat's re-INVITE through Kamailio) name known ports and are not taken.
 */
import type { RecordingMetadata } from './metadata.ts';

/** The labels: this offer's port receives Janus's mix for the caller / for the seat. */
export const ROOM_MIX_LABEL = 'cti-room-mix:';
export type RoomMixFor = 'caller' | 'seat';

export const roomMixLabel = (heardBy: RoomMixFor): string => `${ROOM_MIX_LABEL}${heardBy}`;

/** rtpengine's ports that receive a room mix, by who hears it; empty for a call never anchored. */
export function roomMixPorts(meta: RecordingMetadata): Map<number, RoomMixFor> {
  const out = new Map<number, RoomMixFor>();
  const named = new Set<number>();
  for (const ex of meta.exchanges) {
    const who = ex.label?.startsWith(ROOM_MIX_LABEL) ? ex.label.slice(ROOM_MIX_LABEL.length) : undefined;
    for (const m of ex.media) {
      if (m.type !== 'audio' || !(m.port > 0)) continue;
      if (ex.mode === 'offer' && (who === 'caller' || who === 'seat') && !named.has(m.port)) out.set(m.port, who);
      named.add(m.port);
    }
  }
  return out;
}
