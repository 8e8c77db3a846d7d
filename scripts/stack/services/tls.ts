/**
 * The TLS material of the consoles' HTTPS and Kamailio's WSS: server.crt and server.key in .run/tls/
 * (written by scripts/setup.d/30-tls.sh, or the centre's own), ca.crt when the set-up's CA signed them.
 * A stack turns HTTPS and WSS on only when both files are there.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface TlsFiles {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  /** The set-up's CA (absent with a centre's own certificate from a public or in-house CA). */
  readonly ca?: string;
}

export function defaultTlsDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(root, env.CTI_TLS_DIR || join('.run', 'tls'));
}

export function findTls(dir: string): TlsFiles | undefined {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  const ca = join(dir, 'ca.crt');
  return { dir, cert, key, ...(existsSync(ca) ? { ca } : {}) };
}

/** Kamailio tls module configuration (one server profile for every TLS socket; no client certificates). */
export function kamailioTlsConfig(tls: TlsFiles): string {
  return [
    '# rendered by scripts/stack/services/tls.ts',
    '[server:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    `certificate = ${tls.cert}`,
    `private_key = ${tls.key}`,
    '',
    '[client:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    '',
  ].join('\n');
}
