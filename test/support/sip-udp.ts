/**
 * A raw SIP endpoint over UDP for tests that must control every byte a gateway or a seat sends: header-name
 * spellings (RFC 3261 7.3.3 compact forms, 7.3.1 case and linear white space, folding), parameter order and case.
 * SIPp writes one spelling per scenario file; this writes any, from a table (sip-spellings.ts).
 *
 * The parser reads what Kamailio sends back the way RFC 3261 7.3.1 allows it to be written: folded lines are
 * unfolded, header names are matched case-insensitively and in compact form, comma lists (Via, Record-Route)
 * are split outside quotes and angle brackets. A hand-written codec, as for evapi and bencode: SIP.js and jssip
 * parse only the spellings they generate and cannot send arbitrary bytes.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

/** RFC 3261 7.3.3 (and 20.*) compact forms -> full names, lower-case. */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id', f: 'from', t: 'to', v: 'via', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported',
  s: 'subject', e: 'content-encoding',
};

export interface SipMessage {
  /** Request method, or undefined for a response. */
  method?: string;
  uri?: string;
  status?: number;
  headers: Array<{ name: string; value: string }>;
  body: string;
  raw: string;
  source: { address: string; port: number };
}

/** The full lower-case name of a header name as written (compact or any case). */
export function canonicalName(name: string): string {
  const n = name.trim().toLowerCase();
  return COMPACT[n] ?? n;
}

/** Splits a header value at top-level commas (not inside quotes or <>), RFC 3261 7.3.1. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted && ch === '\\') { cur += ch + (value[++i] ?? ''); continue; }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle++;
    else if (!quoted && ch === '>') angle--;
    if (ch === ',' && !quoted && angle === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function parseSip(buf: Buffer, source = { address: '', port: 0 }): SipMessage {
  const raw = buf.toString('utf8');
  const sep = raw.indexOf('\r\n\r\n');
  const head = sep < 0 ? raw : raw.slice(0, sep);
  const body = sep < 0 ? '' : raw.slice(sep + 4);
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const start = lines.shift() ?? '';
  const msg: SipMessage = { headers: [], body, raw, source };
  const status = /^SIP\/2\.0\s+(\d{3})/i.exec(start);
  if (status) msg.status = Number(status[1]);
  else {
    const [method, uri] = start.split(/\s+/);
    msg.method = method;
    msg.uri = uri;
  }
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = canonicalName(line.slice(0, colon));
    const value = line.slice(colon + 1).trim();
    if (name === 'via' || name === 'record-route' || name === 'route' || name === 'contact') {
      for (const v of splitList(value)) msg.headers.push({ name, value: v });
    } else {
      msg.headers.push({ name, value });
    }
  }
  return msg;
}

/** The first value of a header (any spelling), or ''. */
export function header(m: SipMessage, name: string): string {
  const n = canonicalName(name);
  return m.headers.find((h) => h.name === n)?.value ?? '';
}

export function headers(m: SipMessage, name: string): string[] {
  const n = canonicalName(name);
  return m.headers.filter((h) => h.name === n).map((h) => h.value);
}

/** A header parameter by case-insensitive name (`;tag=`, `;branch=`), RFC 3261 7.3.1. */
export function param(value: string, name: string): string | undefined {
  const afterUri = value.includes('>') ? value.slice(value.lastIndexOf('>') + 1) : value;
  for (const p of afterUri.split(';').slice(1)) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === name.toLowerCase()) return (v ?? '').trim();
  }
  return undefined;
}

/** The URI inside a name-addr (`"x" <sip:a@b>;p` -> `sip:a@b`) or the addr-spec before its parameters. */
export function uriOf(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return m ? m[1]!.trim() : value.split(';')[0]!.trim();
}

export function cseqOf(m: SipMessage): { n: number; method: string } {
  const [n, method] = header(m, 'cseq').split(/\s+/);
  return { n: Number(n), method: (method ?? '').toUpperCase() };
}

export function callIdOf(m: SipMessage): string {
  return header(m, 'call-id');
}

export function newToken(prefix = ''): string {
  return prefix + randomBytes(6).toString('hex');
}

export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

/** A SIP UDP socket on 127.0.0.1 that keeps every message it receives, for `waitFor`. */
export class SipUdpEndpoint {
  readonly received: SipMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket, readonly port: number) {
    socket.on('message', (buf, rinfo) => {
      this.received.push(parseSip(buf, { address: rinfo.address, port: rinfo.port }));
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  static open(port = 0, host = '127.0.0.1'): Promise<SipUdpEndpoint> {
    return new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(port, host, () => resolve(new SipUdpEndpoint(s, s.address().port)));
    });
  }

  send(text: string, hostPort: string): Promise<void> {
    const [host, port] = hostPort.split(':');
    return new Promise((resolve, reject) => this.socket.send(Buffer.from(text, 'utf8'), Number(port), host, (e) => (e ? reject(e) : resolve())));
  }

  /** Waits for a received message (past or future) matching `pred`; `what` names it in the timeout error. */
  async waitFor(pred: (m: SipMessage) => boolean, timeoutMs: number, what: string): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.received.map((m) => `${m.method ?? m.status} ${header(m, 'cseq')} ${callIdOf(m)}`).join('\n  ');
        throw new Error(`timed out after ${timeoutMs} ms on port ${this.port} waiting for ${what}; received:\n  ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
