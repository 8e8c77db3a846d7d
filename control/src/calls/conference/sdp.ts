/**
 * The little SDP (RFC 4566) a plain-RTP conference leg needs: the connection address and audio port of an offer
 * (rtpengine's side towards Janus), and the answer that stands for Janus (its RTP address, G.711 only).
 */
import { CtiError } from '../../errors/catalogue.ts';

export interface AudioTarget {
  ip: string;
  port: number;
  /** 8 (PCMA) when offered, else 0 (PCMU); the room mixes at 8 kHz (engine-notes). */
  payloadType: 0 | 8;
}

export function audioTarget(sdp: string): AudioTarget {
  const lines = sdp.split(/\r?\n/);
  const audioAt = lines.findIndex((l) => l.startsWith('m=audio '));
  const m = audioAt >= 0 ? /^m=audio (\d+) \S+ (.*)$/.exec(lines[audioAt]!) : null;
  // the media-level c= wins over the session-level one (RFC 4566 5.7)
  const c = [...lines.slice(audioAt + 1).filter((l) => !l.startsWith('m=')).slice(0, 20), ...lines.slice(0, Math.max(audioAt, 0))]
    .map((l) => /^c=IN IP4 (\S+)/.exec(l)).find((x) => x);
  const pts = m ? m[2]!.trim().split(/\s+/).map(Number) : [];
  if (!m || !c || !pts.some((p) => p === 0 || p === 8)) {
    throw new CtiError('CTI_BAD_REQUEST', { reason: 'the SDP offers no G.711 audio with an IPv4 address', sdp: sdp.slice(0, 200) });
  }
  return { ip: c[1]!, port: Number(m[1]), payloadType: pts.includes(8) ? 8 : 0 };
}

/** Janus's side of the leg, as an answer to rtpengine's offer. */
export function janusAnswer(ip: string, port: number, payloadType: 0 | 8, sessionId: string): string {
  const codec = payloadType === 8 ? 'PCMA' : 'PCMU';
  return [
    'v=0', `o=janus ${sessionId} 1 IN IP4 ${ip}`, 's=cti120 conference', `c=IN IP4 ${ip}`, 't=0 0',
    `m=audio ${port} RTP/AVP ${payloadType}`, `a=rtpmap:${payloadType} ${codec}/8000`, 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}
