/**
 * Minimal NG control protocol client for the recording contract tests: bencode (BitTorrent BEP 3
 * encoding, as rtpengine's NG protocol uses it) over UDP, "<cookie> <dict>" per datagram.
 * The control plane's own client lives in control/src/engine/rtpengine; this one keeps the
 * recordings tests independent of it.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export type BValue = string | number | Buffer | BValue[] | { [k: string]: BValue };

export function bencode(v: BValue): Buffer {
  if (typeof v === 'number') return Buffer.from(`i${Math.trunc(v)}e`);
  if (typeof v === 'string') v = Buffer.from(v);
  if (Buffer.isBuffer(v)) return Buffer.concat([Buffer.from(`${v.length}:`), v]);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from('l'), ...v.map(bencode), Buffer.from('e')]);
  const keys = Object.keys(v).sort();
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(v[k])]), Buffer.from('e')]);
}

/** Decodes one bencoded value; byte strings come back as UTF-8 strings. */
export function bdecode(buf: Buffer): unknown {
  let i = 0;
  const next = (): unknown => {
    const c = buf[i];
    if (c === 0x69) { // 'i'
      const end = buf.indexOf(0x65, i);
      const n = Number(buf.subarray(i + 1, end).toString());
      i = end + 1;
      return n;
    }
    if (c === 0x6c) { // 'l'
      i++;
      const out: unknown[] = [];
      while (buf[i] !== 0x65) out.push(next());
      i++;
      return out;
    }
    if (c === 0x64) { // 'd'
      i++;
      const out: Record<string, unknown> = {};
      while (buf[i] !== 0x65) {
        const k = next() as string;
        out[k] = next();
      }
      i++;
      return out;
    }
    const colon = buf.indexOf(0x3a, i);
    const len = Number(buf.subarray(i, colon).toString());
    const s = buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
    i = colon + 1 + len;
    return s;
  };
  return next();
}

export async function ngRequest(port: number, command: string, params: Record<string, BValue>, timeoutMs = 3000): Promise<Record<string, unknown>> {
  const cookie = randomBytes(6).toString('hex');
  const sock = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`NG ${command}: no reply within ${timeoutMs} ms`)), timeoutMs);
      sock.on('message', (msg) => {
        const sp = msg.indexOf(0x20);
        if (msg.subarray(0, sp).toString() !== cookie) return;
        clearTimeout(timer);
        const reply = bdecode(msg.subarray(sp + 1)) as Record<string, unknown>;
        if (reply.result === 'error') reject(new Error(`NG ${command}: ${String(reply['error-reason'])}`));
        else resolve(reply);
      });
      sock.send(Buffer.concat([Buffer.from(`${cookie} `), bencode({ ...params, command })]), port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}
