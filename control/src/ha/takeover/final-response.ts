/**
 * The next best thing for a queued caller that the surviving node cannot take over (docs/ha.md): a final response
 * built from the stored INVITE (RFC 3261 8.2.6: every Via in order, From, To with a To-tag of ours, Call-ID, CSeq),
 * `480 Temporarily Unavailable` with `Retry-After`, so that the gateway ends the call with a cause and the caller hears
 * the network's tone instead of silence. Not 503: a 503 makes a client avoid the whole server for a while (RFC 3263
 * 4.3), and the centre is up and answering new calls. For TCP the connection the INVITE came on died with the other node: RFC 3261
 * 18.2.2 has the response sent over a new connection to the top Via's `received` address (else its sent-by host)
 * and sent-by port.
 */
import { randomBytes } from 'node:crypto';
import { CtiError } from '../../errors/catalogue.ts';

export interface ResponseTarget {
  /** The top Via's transport, lower case (udp, tcp, tls, ws, wss). */
  transport: string;
  host: string;
  port: number;
}

function headerSection(invite: Buffer): string[] {
  const text = invite.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('INVITE ') || end < 0) throw new CtiError('CTI_TAKEOVER_INVITE_MALFORMED', { start: text.slice(0, 40) });
  // unfold continuation lines (RFC 3261 7.3.1) so that each header is one line
  return text.slice(0, end).replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

const named = (line: string, names: string[]): boolean => names.some((n) => new RegExp(`^${n}[ \\t]*:`, 'i').test(line));
const VIA = ['Via', 'v'];

/** Where RFC 3261 18.2.2 sends a response: from the top Via (its first value when several share one line). */
export function responseTarget(invite: Buffer): ResponseTarget {
  const via = headerSection(invite).find((l) => named(l, VIA));
  const m = via && /:\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^\s;:,]+)(?::(\d+))?([^,]*)/i.exec(via);
  if (!m) throw new CtiError('CTI_TAKEOVER_INVITE_MALFORMED', { via: via ?? null });
  const transport = m[1]!.toLowerCase();
  const received = /;\s*received=([^;\s,]+)/i.exec(m[4] ?? '')?.[1];
  const port = Number(m[3] ?? (transport === 'tls' ? 5061 : 5060));
  return { transport, host: (received ?? m[2]!).replace(/^\[|\]$/g, ''), port };
}

/** `480 Temporarily Unavailable` (Retry-After) for the stored INVITE, with a To-tag of its own. */
export function temporarilyUnavailable(invite: Buffer, retryAfterS: number): Buffer {
  const lines = headerSection(invite);
  const keep = (names: string[]): string[] => lines.slice(1).filter((l) => named(l, names));
  const to = keep(['To', 't'])[0];
  if (!to || keep(['Call-ID', 'i']).length !== 1 || keep(['CSeq']).length !== 1 || keep(VIA).length === 0) {
    throw new CtiError('CTI_TAKEOVER_INVITE_MALFORMED', { headers: lines.length });
  }
  const toWithTag = /;\s*tag=/i.test(to) ? to : `${to};tag=${randomBytes(8).toString('hex')}`;
  const out = [
    'SIP/2.0 480 Temporarily Unavailable',
    ...keep(VIA),
    ...keep(['From', 'f']),
    toWithTag,
    ...keep(['Call-ID', 'i']),
    ...keep(['CSeq']),
    `Retry-After: ${Math.max(0, Math.floor(retryAfterS))}`,
    'Server: cti120',
    'Content-Length: 0',
    '', '',
  ];
  return Buffer.from(out.join('\r\n'), 'latin1');
}
