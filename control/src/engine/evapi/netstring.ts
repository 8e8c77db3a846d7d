/**
 * Netstrings (D. J. Bernstein, https://cr.yp.to/proto/netstrings.txt): "<len>:<bytes>,".
 * <len> is ASCII decimal without leading zeros ("0" itself is allowed); the trailing comma is mandatory.
 * Kamailio's evapi module frames both directions this way when modparam netstring_format=1.
 */
import { CtiError } from '../../errors/catalogue.ts';

export const DEFAULT_MAX_NETSTRING = 1024 * 1024;

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

export function encodeNetstring(data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = Buffer.from(`${payload.length}:`, 'ascii');
  const out = Buffer.allocUnsafe(head.length + payload.length + 1);
  head.copy(out, 0);
  payload.copy(out, head.length);
  out[out.length - 1] = COMMA;
  return out;
}

function protocolError(reason: string, offset: number): CtiError {
  return new CtiError('CTI_ENGINE_PROTOCOL', { protocol: 'netstring', reason, offset });
}

/**
 * Streaming decoder: feed it TCP chunks in order, get back every complete payload.
 * After a framing error the stream is out of sync: the decoder has discarded its buffer and
 * a caller must call reset() (or simply keep pushing, if it knows the peer restarted framing).
 */
export class NetstringDecoder {
  readonly maxLength: number;
  private buf: Buffer = Buffer.alloc(0);
  private consumed = 0;

  constructor(opts: { maxLength?: number } = {}) {
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_NETSTRING;
  }

  /** Bytes held while waiting for the rest of a message. */
  get pending(): number {
    return this.buf.length - this.consumed;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.consumed = 0;
  }

  /**
   * Returns the payloads completed by this chunk (also appended to `out`, so that on a throw the
   * payloads that preceded the bad frame are still available to the caller).
   */
  push(chunk: Buffer, out: Buffer[] = []): Buffer[] {
    this.append(chunk);
    try {
      for (;;) {
        const payload = this.next();
        if (payload === undefined) break;
        out.push(payload);
      }
    } catch (e) {
      this.reset();
      throw e;
    }
    this.compact();
    return out;
  }

  private append(chunk: Buffer): void {
    if (this.consumed === this.buf.length) {
      this.buf = chunk;
      this.consumed = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.consumed), chunk]);
      this.consumed = 0;
    }
  }

  private compact(): void {
    if (this.consumed === this.buf.length) {
      this.reset();
    } else if (this.consumed > 0) {
      this.buf = Buffer.from(this.buf.subarray(this.consumed));
      this.consumed = 0;
    }
  }

  private next(): Buffer | undefined {
    const start = this.consumed;
    const buf = this.buf;
    const maxDigits = String(this.maxLength).length;
    let len = 0;
    let i = start;
    for (; i < buf.length; i++) {
      const c = buf[i];
      if (c === COLON) break;
      if (c < ZERO || c > NINE) throw protocolError(`unexpected byte 0x${c.toString(16)} in length`, i);
      if (i > start && buf[start] === ZERO) throw protocolError('leading zero in length', start);
      if (i - start >= maxDigits) throw protocolError(`length exceeds the maximum of ${this.maxLength} bytes`, start);
      len = len * 10 + (c - ZERO);
    }
    if (i === buf.length) return undefined;
    if (i === start) throw protocolError('empty length', start);
    if (len > this.maxLength) throw protocolError(`length ${len} exceeds the maximum of ${this.maxLength} bytes`, start);
    const dataStart = i + 1;
    const end = dataStart + len;
    if (buf.length <= end) return undefined;
    if (buf[end] !== COMMA) throw protocolError('missing trailing comma', end);
    this.consumed = end + 1;
    return Buffer.from(buf.subarray(dataStart, end));
  }
}
