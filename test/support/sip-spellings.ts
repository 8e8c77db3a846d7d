/**
 * Ways RFC 3261 lets a header be written, as a table: each spelling turns a header (canonical name and value) into
 * the bytes a gateway or seat sends. All of them mean the same message; a proxy must treat them the same.
 *   7.3.3 compact forms (i f t v m l c k), 7.3.1 case-insensitive names, linear white space around ":" and between
 *   tokens, folded header lines (CRLF + white space), 7.3.1/19.1.4 parameters in any order, parameter names in any case.
 */
export interface Spelling {
  name: string;
  /** The header line(s) for `name: value` (no final CRLF). */
  line(name: string, value: string): string;
}

const COMPACT: Readonly<Record<string, string>> = {
  'call-id': 'i', from: 'f', to: 't', via: 'v', contact: 'm', 'content-length': 'l', 'content-type': 'c', supported: 'k',
};

/** Splits `value` into what precedes its header parameters and the parameters (`;a=b` after any `<...>`). */
function splitParams(value: string): { head: string; params: string[] } {
  const close = value.lastIndexOf('>');
  const at = value.indexOf(';', close + 1);
  if (at < 0) return { head: value, params: [] };
  return { head: value.slice(0, at), params: value.slice(at + 1).split(';') };
}

function alternateCase(s: string): string {
  return [...s].map((ch, i) => (i % 2 === 0 ? ch.toLowerCase() : ch.toUpperCase())).join('');
}

export const SPELLINGS: readonly Spelling[] = [
  { name: 'canonical', line: (n, v) => `${n}: ${v}` },
  { name: 'compact', line: (n, v) => `${COMPACT[n.toLowerCase()] ?? n}: ${v}` },
  { name: 'lower-case names', line: (n, v) => `${n.toLowerCase()}: ${v}` },
  { name: 'upper-case names', line: (n, v) => `${n.toUpperCase()}: ${v}` },
  { name: 'mixed-case names', line: (n, v) => `${alternateCase(n)}: ${v}` },
  {
    // white space before and after the colon, between CSeq's number and method, around ';' and trailing
    name: 'extra white space',
    line: (n, v) => {
      let value = v;
      if (n.toLowerCase() === 'cseq') value = v.replace(' ', ' \t  ');
      else if (/^(via|from|to|contact)$/i.test(n)) {
        const { head, params } = splitParams(v);
        value = [head, ...params].join(' ;  ');
        if (/^via$/i.test(n)) value = value.replace(/^(SIP\/2\.0\/\w+) /, '$1    ');
      }
      return `${n} \t:   ${value}   `;
    },
  },
  {
    // every header folded onto a continuation line, Via also inside its value. Not CSeq inside its value
    // ("1" CRLF SP "INVITE", legal LWS): Kamailio 5.6's CSeq parser refuses it and drops the message (docs/engine.md)
    name: 'folded lines',
    line: (n, v) => {
      const value = /^via$/i.test(n) ? v.replace(/^(SIP\/2\.0\/\w+) /, '$1\r\n   ') : v;
      return `${n}:\r\n ${value}`;
    },
  },
  {
    // header parameters reversed and with upper-case names (tag, branch, rport ...), compact names on top
    name: 'parameter order and case',
    line: (n, v) => {
      const { head, params } = splitParams(v);
      const ps = params.map((p) => {
        const [k, ...rest] = p.split('=');
        return [k!.toUpperCase(), ...rest].join('=');
      }).reverse();
      const value = [head, ...ps].join(';');
      return `${COMPACT[n.toLowerCase()] ?? n}: ${value}`;
    },
  },
];

/** A whole message: start line, headers in `sp`'s spelling, Content-Type/Length added for a body. */
export function spell(sp: Spelling, startLine: string, hdrs: ReadonlyArray<readonly [string, string]>, body = '', contentType = 'application/sdp'): string {
  const all: Array<readonly [string, string]> = [...hdrs];
  if (body) all.push(['Content-Type', contentType]);
  all.push(['Content-Length', String(Buffer.byteLength(body))]);
  return `${startLine}\r\n${all.map(([n, v]) => sp.line(n, v)).join('\r\n')}\r\n\r\n${body}`;
}

/** A minimal G.711 audio offer or answer; `direction` sendonly/recvonly for hold (RFC 3264 8.4). */
export function audioSdp(rtpPort: number, direction: 'sendrecv' | 'sendonly' | 'recvonly' = 'sendrecv', version = 1): string {
  return ['v=0', `o=- 1 ${version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtpPort} RTP/AVP 8`,
    'a=rtpmap:8 PCMA/8000', `a=${direction}`, ''].join('\r\n');
}
