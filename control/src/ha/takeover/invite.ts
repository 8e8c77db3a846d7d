/**
 * The stored INVITE of a queued call (exactly as Kamailio received it) made ready for re-injection on a takeover
 * (docs/ha.md, "Queued callers when a node dies"): the marker header that the receiving Kamailio checks (route
 * TAKEOVER_MARK) is put right after the request line, and any copy of it the INVITE already carries (a forgery that
 * Kamailio refused, or the mark of an earlier takeover) is removed. Nothing else changes: the Via header(s) with the
 * gateway's branch, CSeq, Max-Forwards, Contact and the body stay byte for byte, so the gateway's INVITE client
 * transaction (RFC 3261 17.1.3: top Via branch and sent-by, CSeq method) matches the new node's responses.
 */
import { CtiError } from '../../errors/catalogue.ts';

export const TAKEOVER_HEADER = 'X-CTI-Takeover';
/** A stored INVITE larger than this is refused (UDP trunks send INVITEs of 1-3 KB; Kamailio accepts up to 64 KB). */
export const MAX_INVITE_BYTES = 16_384;

const HEADER_END = '\r\n\r\n';

/** Throws CTI_TAKEOVER_INVITE_MALFORMED when `raw` is not an INVITE request with a header section. */
export function markedInvite(raw: Buffer, marker: string): Buffer {
  // latin1 maps every byte to one char and back: header values in other encodings (GBK display names) stay intact
  const text = raw.toString('latin1');
  const end = text.indexOf(HEADER_END);
  if (!/^INVITE \S+ SIP\/2\.0\r\n/.test(text) || end < 0) {
    throw new CtiError('CTI_TAKEOVER_INVITE_MALFORMED', { start: text.slice(0, 40) });
  }
  if (!/^[A-Za-z0-9+/=_-]{8,128}$/.test(marker)) throw new CtiError('CTI_BAD_REQUEST', { marker: 'must be 8-128 URL-safe characters' });
  const lines = text.slice(0, end).split('\r\n');
  const kept: string[] = [lines[0]!, `${TAKEOVER_HEADER}: ${marker}`];
  let dropping = false;
  for (const line of lines.slice(1)) {
    // a folded continuation line (RFC 3261 7.3.1) belongs to the header before it
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = new RegExp(`^${TAKEOVER_HEADER}[ \\t]*:`, 'i').test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.from(kept.join('\r\n') + text.slice(end), 'latin1');
}
