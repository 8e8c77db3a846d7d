/**
 * The SM2 key that signs the daily manifests (GB/T 32918 SM2 with SM3, the default distinguishing id
 * "1234567812345678"). It is generated once with `openssl genpkey -algorithm SM2` into the state folder,
 * never by node:crypto: `generateKeyPairSync('ec', {namedCurve: 'SM2'})` makes an ECDSA key on the SM2
 * curve, which OpenSSL does not accept as an SM2 signature. A PEM written by genpkey loads as a real SM2 key.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CtiError } from '../../errors/catalogue.ts';
import { sm3 } from './chain.ts';

const run = promisify(execFile);

export const PRIVATE_KEY_FILE = 'recording-sm2.pem';
export const PUBLIC_KEY_FILE = 'recording-sm2.pub.pem';
/** 1.2.156.10197.1.301, the SM2 curve, as it appears DER-encoded in the key. */
const SM2_CURVE_OID = Buffer.from('06082a811ccf5501822d', 'hex');

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** SM3 of the public key's DER (SubjectPublicKeyInfo), hex. */
  fingerprint: string;
  dir: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Generates the key pair in `dir` unless it is there; returns true if it generated one. */
export async function ensureSigningKey(dir: string): Promise<boolean> {
  const priv = join(dir, PRIVATE_KEY_FILE);
  const pub = join(dir, PUBLIC_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let generated = false;
  if (!(await exists(priv))) {
    try {
      await run('openssl', ['genpkey', '-algorithm', 'SM2', '-out', priv]);
    } catch (e) {
      throw new CtiError('CTI_SIGNING_KEY_UNAVAILABLE', { dir, reason: (e as Error).message });
    }
    await chmod(priv, 0o600);
    generated = true;
  }
  if (generated || !(await exists(pub))) await run('openssl', ['pkey', '-in', priv, '-pubout', '-out', pub]);
  return generated;
}

export function fingerprintOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return sm3(der).toString('hex');
}

/** Checks that a PEM public key is on the SM2 curve (throws CTI_SIGNING_KEY_UNAVAILABLE if not). */
export function assertSm2(publicKeyPem: string): void {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  if (!der.includes(SM2_CURVE_OID)) throw new CtiError('CTI_SIGNING_KEY_UNAVAILABLE', { reason: 'the key is not an SM2 key' });
}

export async function loadSigningKey(dir: string): Promise<SigningKey> {
  let pem: Buffer;
  let publicKeyPem: string;
  try {
    pem = await readFile(join(dir, PRIVATE_KEY_FILE));
    publicKeyPem = await readFile(join(dir, PUBLIC_KEY_FILE), 'utf8');
  } catch (e) {
    throw new CtiError('CTI_SIGNING_KEY_UNAVAILABLE', { dir, reason: (e as Error).message });
  }
  const privateKey = createPrivateKey(pem);
  // node:crypto knows EC keys as 'ec'; an SM2-typed key (from genpkey) has no Node type name.
  if (privateKey.asymmetricKeyType === 'ec') {
    throw new CtiError('CTI_SIGNING_KEY_UNAVAILABLE', { dir, reason: 'the key is ECDSA, not SM2; regenerate it with openssl genpkey -algorithm SM2' });
  }
  assertSm2(publicKeyPem);
  return { privateKey, publicKeyPem, fingerprint: fingerprintOf(publicKeyPem), dir };
}

/** SM2 signature (DER) of `data` with SM3. */
export function signSm2(key: SigningKey, data: Buffer): Buffer {
  return sign('sm3', data, key.privateKey);
}

export function verifySm2(publicKeyPem: string, data: Buffer, signature: Buffer): boolean {
  try {
    return verify('sm3', data, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}
