/**
 * Makes the SM2 manifest signing key if it is missing (openssl genpkey -algorithm SM2), in
 * CTI_RECORDING_KEY_DIR, else <CTI_RUN_DIR or .run/dev>/keys. Prints one line only when it made one.
 *   tsx scripts/recordings/keygen.ts [dir]
 */
import { join, resolve } from 'node:path';
import { ensureSigningKey, fingerprintOf, PUBLIC_KEY_FILE } from '../../control/src/recordings/integrity/signing-key.ts';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../stack/migrate.ts';

const dir = resolve(process.argv[2] ?? process.env.CTI_RECORDING_KEY_DIR ?? join(process.env.CTI_RUN_DIR ?? join(REPO_ROOT, '.run/dev'), 'keys'));
ensureSigningKey(dir).then((made) => {
  if (made) console.log(`generated SM2 recording signing key in ${dir} (fingerprint ${fingerprintOf(readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8')).slice(0, 16)}...)`);
}, (e: unknown) => {
  console.error(`keygen: ${(e as Error).message}`);
  process.exit(1);
});
