/**
 * SM4 encryption at rest (GB/T 32907 SM4 in CTR mode, node:crypto's "sm4-ctr"), off unless
 * CTI_RECORDING_SM4_KEY (32 hex digits) is set. CTR lets playback decrypt any byte range without
 * reading what comes before it: the counter for octet o is IV + floor(o / 16).
 *
 *   file = "CTISM4C1" (8) || key id (8: first octets of SM3(key)) || IV (16) || ciphertext
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline as pipe, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CtiError } from '../../errors/catalogue.ts';
import { sm3 } from '../integrity/chain.ts';

export const SM4_MAGIC = Buffer.from('CTISM4C1', 'ascii');
export const SM4_HEADER_BYTES = 32;
const BLOCK = 16;

export interface Sm4Key {
  key: Buffer;
  /** First 8 octets of SM3(key), hex: names the key without revealing it. */
  id: string;
}

/** The key from CTI_RECORDING_SM4_KEY, undefined when encryption is off. */
export function sm4KeyFromEnv(env: NodeJS.ProcessEnv = process.env): Sm4Key | undefined {
  const raw = env.CTI_RECORDING_SM4_KEY;
  if (raw === undefined || raw === '') return undefined;
  return sm4Key(raw);
}

export function sm4Key(hex: string): Sm4Key {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new CtiError('CTI_ENCRYPTION_KEY_INVALID', { reason: 'not 32 hex digits' });
  const key = Buffer.from(hex, 'hex');
  return { key, id: sm3(key).subarray(0, 8).toString('hex') };
}

/** IV + n as a 128-bit big-endian counter (wrapping), the CTR block for octet 16 * n. */
export function counterAt(iv: Buffer, n: bigint): Buffer {
  const out = Buffer.alloc(BLOCK);
  let v = (BigInt('0x' + iv.toString('hex')) + n) % (1n << 128n);
  for (let i = BLOCK - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function encryptBuffer(k: Sm4Key, plain: Buffer, iv = randomBytes(BLOCK)): Buffer {
  const c = createCipheriv('sm4-ctr', k.key, iv);
  return Buffer.concat([SM4_MAGIC, Buffer.from(k.id, 'hex'), iv, c.update(plain), c.final()]);
}

/** Decrypts ciphertext that starts at plaintext offset `offset` (any octet, not only block starts). */
export function decryptAt(k: Sm4Key, iv: Buffer, cipher: Buffer, offset: number): Buffer {
  const block = Math.floor(offset / BLOCK);
  const skip = offset % BLOCK;
  const d = createDecipheriv('sm4-ctr', k.key, counterAt(iv, BigInt(block)));
  const out = d.update(Buffer.concat([Buffer.alloc(skip), cipher]));
  return out.subarray(skip);
}

export interface Sm4Header {
  keyId: string;
  iv: Buffer;
}

export function parseHeader(h: Buffer): Sm4Header | undefined {
  if (h.length < SM4_HEADER_BYTES || !h.subarray(0, 8).equals(SM4_MAGIC)) return undefined;
  return { keyId: h.subarray(8, 16).toString('hex'), iv: Buffer.from(h.subarray(16, 32)) };
}

export async function readHeader(path: string): Promise<Sm4Header | undefined> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(SM4_HEADER_BYTES);
    const { bytesRead } = await fh.read(b, 0, SM4_HEADER_BYTES, 0);
    return parseHeader(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

function checkKey(k: Sm4Key, h: Sm4Header, path: string): void {
  if (h.keyId !== k.id) throw new CtiError('CTI_ENCRYPTION_KEY_INVALID', { path, reason: `the file was encrypted with key ${h.keyId}, the configured key is ${k.id}` });
}

/** Encrypts `src` to `dst` (via dst.part, then rename). */
export async function encryptFile(k: Sm4Key, src: string, dst: string): Promise<void> {
  const iv = randomBytes(BLOCK);
  const c = createCipheriv('sm4-ctr', k.key, iv);
  const out = createWriteStream(`${dst}.part`);
  out.write(Buffer.concat([SM4_MAGIC, Buffer.from(k.id, 'hex'), iv]));
  try {
    await pipeline(createReadStream(src), c, out);
    await rename(`${dst}.part`, dst);
  } catch (e) {
    await rm(`${dst}.part`, { force: true });
    throw e;
  }
}

/** A transform for chain.readChunks: decrypts a chunk read at plaintext offset `offset`. */
export function chunkDecryptor(k: Sm4Key, h: Sm4Header): (chunk: Buffer, offset: number) => Buffer {
  return (chunk, offset) => decryptAt(k, h.iv, chunk, offset);
}

export interface AudioSource {
  /** Plaintext size in octets. */
  size: number;
  encrypted: boolean;
  /** The plaintext octets start..end (inclusive). */
  stream(start: number, end: number): Readable;
}

/**
 * Opens a recording file for (ranged) reading, plaintext or SM4-encrypted (recognised by its magic).
 * An encrypted file needs the key; the stream decrypts only the blocks the range touches.
 */
export async function openAudioSource(path: string, key: Sm4Key | undefined): Promise<AudioSource> {
  const { size } = await stat(path);
  const header = await readHeader(path).catch(() => undefined);
  if (!header) {
    return { size, encrypted: false, stream: (start, end) => createReadStream(path, { start, end: Math.max(start, end) }) };
  }
  if (!key) throw new CtiError('CTI_ENCRYPTION_KEY_INVALID', { path, reason: 'the file is SM4-encrypted and CTI_RECORDING_SM4_KEY is not set' });
  checkKey(key, header, path);
  return {
    size: size - SM4_HEADER_BYTES,
    encrypted: true,
    stream(start, end) {
      const blockStart = start - (start % BLOCK);
      const d = createDecipheriv('sm4-ctr', key.key, counterAt(header.iv, BigInt(blockStart / BLOCK)));
      let skip = start - blockStart;
      const cut = new Transform({
        transform(chunk: Buffer, _enc, done) {
          let out = d.update(chunk);
          if (skip > 0) {
            const n = Math.min(skip, out.length);
            out = out.subarray(n);
            skip -= n;
          }
          done(null, out);
        },
      });
      const file = createReadStream(path, { start: SM4_HEADER_BYTES + blockStart, end: SM4_HEADER_BYTES + Math.max(start, end) });
      return pipe(file, cut, () => undefined);
    },
  };
}
