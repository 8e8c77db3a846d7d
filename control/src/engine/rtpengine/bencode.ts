/**
 * Bencoding as specified in BitTorrent BEP 3 ("The BitTorrent Protocol Specification", section
 * "bencoding"), the dictionary format of rtpengine's NG control protocol.
 *   string  <len>:<bytes>      integer  i<decimal>e      list  l...e      dict  d<string><value>...e
 * Encoding sorts dictionary keys by raw bytes as BEP 3 requires; decoding accepts any key order because
 * rtpengine does not sort its replies (its NG protocol document says so).
 */
import { CtiError } from '../../errors/catalogue.ts';

export type BencodeValue = string | Buffer | number | bigint | BencodeValue[] | { [key: string]: BencodeValue };

export interface DecodeOptions {
  /** 'utf8' (default) decodes byte strings to JS strings; 'buffer' keeps them as Buffers (keys stay strings). */
  strings?: 'utf8' | 'buffer';
  maxDepth?: number;
}

function fail(reason: string, offset?: number): never {
  throw new CtiError('CTI_ENGINE_PROTOCOL', offset === undefined ? { protocol: 'bencode', reason } : { protocol: 'bencode', reason, offset });
}

export function bencode(value: unknown): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts, 0);
  return Buffer.concat(parts);
}

function encodeInto(value: unknown, parts: Buffer[], depth: number): void {
  if (depth > 64) fail('value nested too deeply to encode');
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    parts.push(Buffer.from(`${bytes.length}:`, 'ascii'), bytes);
  } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    parts.push(Buffer.from(`${value.length}:`, 'ascii'), Buffer.from(value));
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail(`cannot encode ${value}: bencode integers must be safe integers`);
    parts.push(Buffer.from(`i${value}e`, 'ascii'));
  } else if (typeof value === 'bigint') {
    parts.push(Buffer.from(`i${value}e`, 'ascii'));
  } else if (Array.isArray(value)) {
    parts.push(Buffer.from('l'));
    for (const item of value) {
      if (item === undefined || item === null) fail('cannot encode null or undefined in a list');
      encodeInto(item, parts, depth + 1);
    }
    parts.push(Buffer.from('e'));
  } else if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [Buffer.from(k, 'utf8'), v] as const)
      .sort(([a], [b]) => Buffer.compare(a, b));
    parts.push(Buffer.from('d'));
    for (const [k, v] of entries) {
      parts.push(Buffer.from(`${k.length}:`, 'ascii'), k);
      encodeInto(v, parts, depth + 1);
    }
    parts.push(Buffer.from('e'));
  } else {
    fail(`cannot encode a value of type ${value === null ? 'null' : typeof value}`);
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Decodes exactly one value; trailing bytes are an error. */
export function bdecode(input: Buffer | string, opts: DecodeOptions = {}): BencodeValue {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const d = new Decoder(buf, opts.strings ?? 'utf8', opts.maxDepth ?? 64);
  const value = d.value(0);
  if (d.pos !== buf.length) fail('trailing bytes after the value', d.pos);
  return value;
}

const I = 0x69, L = 0x6c, D = 0x64, E = 0x65, COLON = 0x3a, MINUS = 0x2d, ZERO = 0x30, NINE = 0x39;

class Decoder {
  pos = 0;
  constructor(private readonly buf: Buffer, private readonly strings: 'utf8' | 'buffer', private readonly maxDepth: number) {}

  value(depth: number): BencodeValue {
    if (depth > this.maxDepth) fail('nested too deeply', this.pos);
    const c = this.buf[this.pos];
    if (c === undefined) fail('unexpected end of input', this.pos);
    if (c === I) return this.integer();
    if (c === L) return this.list(depth);
    if (c === D) return this.dict(depth);
    if (c >= ZERO && c <= NINE) {
      const bytes = this.bytes();
      return this.strings === 'utf8' ? bytes.toString('utf8') : Buffer.from(bytes);
    }
    fail(`unexpected byte 0x${c.toString(16)}`, this.pos);
  }

  private integer(): number | bigint {
    const start = ++this.pos;
    const end = this.buf.indexOf(E, start);
    if (end < 0) fail('unterminated integer', start);
    const text = this.buf.toString('latin1', start, end);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) fail(`invalid integer "${text.slice(0, 32)}"`, start);
    this.pos = end + 1;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }

  private bytes(): Buffer {
    const start = this.pos;
    let len = 0;
    let i = start;
    for (; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c === COLON) break;
      if (c < ZERO || c > NINE) fail('invalid string length', i);
      if (i > start && this.buf[start] === ZERO) fail('leading zero in string length', start);
      len = len * 10 + (c - ZERO);
      if (len > this.buf.length) fail('string longer than the input', start);
    }
    if (i === this.buf.length) fail('unterminated string length', start);
    const from = i + 1;
    const to = from + len;
    if (to > this.buf.length) fail('string longer than the input', start);
    this.pos = to;
    return this.buf.subarray(from, to);
  }

  private list(depth: number): BencodeValue[] {
    this.pos++;
    const out: BencodeValue[] = [];
    while (this.buf[this.pos] !== E) {
      if (this.pos >= this.buf.length) fail('unterminated list', this.pos);
      out.push(this.value(depth + 1));
    }
    this.pos++;
    return out;
  }

  private dict(depth: number): { [key: string]: BencodeValue } {
    this.pos++;
    const out: { [key: string]: BencodeValue } = {};
    while (this.buf[this.pos] !== E) {
      if (this.pos >= this.buf.length) fail('unterminated dictionary', this.pos);
      const c = this.buf[this.pos];
      if (c < ZERO || c > NINE) fail('dictionary key is not a string', this.pos);
      const key = this.bytes().toString('utf8');
      if (this.pos >= this.buf.length) fail(`dictionary key "${key.slice(0, 32)}" has no value`, this.pos);
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    this.pos++;
    return out;
  }
}

/** Reads the Buffer or string a decoded value holds as text. */
export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}
