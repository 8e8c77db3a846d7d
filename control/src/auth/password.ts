/**
 * Password hashing for people who log in (not for SIP: seats use digest HA1, see seats/admin/ha1.ts).
 * scrypt (RFC 7914) with a per-user random salt; the stored form carries its own parameters so they
 * can be raised later without invalidating existing hashes:
 *   scrypt$<N>$<r>$<p>$<salt base64url>$<key base64url>
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 64;
const SALT_LEN = 16;

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function memFor(n: number, r: number, p: number): number {
  return 128 * n * r * p + 128 * r * 1024 + 1024 * 1024;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scrypt(password, salt, KEY_LEN, { N, r: R, p: P, maxmem: memFor(N, R, P) });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash { n: number; r: number; p: number; salt: Buffer; key: Buffer }

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0)) return undefined;
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length === 0 || key.length === 0) return undefined;
  return { n, r, p, salt, key };
}

/** Constant-time comparison of the derived key; false (never a throw) for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.key.length, { N: h.n, r: h.r, p: h.p, maxmem: memFor(h.n, h.r, h.p) });
  return timingSafeEqual(key, h.key);
}

/**
 * A valid hash of a random password: verifying against it costs the same as against a real user's hash,
 * so "no such user" and "wrong password" take the same time.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'));
  return decoy;
}

/** A random password for generated accounts (bootstrap admin): 24 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
