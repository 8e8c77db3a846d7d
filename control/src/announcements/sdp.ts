/**
 * The placeholder answer that lets rtpengine give a queued caller early media (engine-notes, "Announcements"):
 * rtpengine needs both sides of a call before it sends media to the caller, but no seat has answered yet. The
 * control plane answers rtpengine's offer on the seat's behalf with this minimal SDP (RFC 4566): one audio
 * stream in the first G.711 codec the offer carries, pointed at the discard port on loopback, so the caller's
 * audio during the announcement goes nowhere. Pure: no I/O.
 */
import { CtiError } from '../errors/catalogue.ts';

const STATIC_NAMES: Record<string, string> = { '0': 'PCMU/8000', '8': 'PCMA/8000', '9': 'G722/8000', '18': 'G729/8000' };

/** Payload types of the first audio m-line, in offer order, with their rtpmap names (static ones filled in). */
export function audioFormats(sdp: string): { pt: string; name: string }[] {
  const lines = sdp.split(/\r?\n/);
  const m = lines.findIndex((l) => l.startsWith('m=audio '));
  if (m < 0) return [];
  const pts = lines[m].trim().split(/\s+/).slice(3);
  const end = lines.findIndex((l, i) => i > m && l.startsWith('m='));
  const section = lines.slice(m + 1, end < 0 ? undefined : end);
  const names = new Map<string, string>();
  for (const l of section) {
    const r = /^a=rtpmap:(\d+)\s+(\S+)/.exec(l);
    if (r) names.set(r[1], r[2]);
  }
  return pts.map((pt) => ({ pt, name: names.get(pt) ?? STATIC_NAMES[pt] ?? '' }));
}

/** A one-stream answer to `offerSdp` (the SDP rtpengine offers towards the seat side). */
export function placeholderAnswer(offerSdp: string, sessionId = Date.now()): string {
  const formats = audioFormats(offerSdp);
  const g711 = formats.find((f) => /^PCM[AU]\/8000/i.test(f.name)) ?? formats.find((f) => f.name !== '' && !/telephone-event/i.test(f.name));
  if (!g711) throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', reason: 'offer has no audio codec for early media' });
  const dtmf = formats.find((f) => /^telephone-event\/8000/i.test(f.name));
  const pts = dtmf ? `${g711.pt} ${dtmf.pt}` : g711.pt;
  return [
    'v=0',
    `o=- ${sessionId} 1 IN IP4 127.0.0.1`,
    's=cti-announcement',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio 9 RTP/AVP ${pts}`,
    `a=rtpmap:${g711.pt} ${g711.name}`,
    ...(dtmf ? [`a=rtpmap:${dtmf.pt} ${dtmf.name}`] : []),
    'a=sendrecv',
    '',
  ].join('\r\n');
}
