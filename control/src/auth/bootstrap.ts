/**
 * First start: with no user at all, nobody could log in to create one. Create `admin` with the
 * configured password, or a generated one written to <runDir>/admin-password (mode 0600) and logged once.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppDeps } from '../app/deps.ts';
import { recordAudit } from '../audit/record.ts';
import { generatePassword, hashPassword } from './password.ts';

export interface BootstrapResult {
  created: boolean;
  /** Where the generated password was written, when one was generated. */
  password_file?: string;
}

const BOOTSTRAP_CENTRE = 'city';

export async function ensureBootstrapAdmin(deps: Pick<AppDeps, 'sql' | 'config' | 'log'>): Promise<BootstrapResult> {
  const generated = deps.config.bootstrapAdminPassword === undefined || deps.config.bootstrapAdminPassword === '';
  const password = generated ? generatePassword() : deps.config.bootstrapAdminPassword!;
  const hash = await hashPassword(password);
  const created = await deps.sql.begin(async (tx) => {
    // Serialise concurrent starts (active and standby) so only one creates the admin.
    await tx`SELECT pg_advisory_xact_lock(hashtext('cti.bootstrap_admin'))`;
    const [{ n }] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM users`;
    if (n > 0) return null;
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO users (username, display_name, password_hash, roles, centre_id)
      VALUES ('admin', '系统管理员', ${hash}, ${['admin']}, ${BOOTSTRAP_CENTRE})
      RETURNING id::text AS id`;
    await recordAudit(tx, {
      actor: { id: null, username: 'system' }, ip: null, action: 'user.created', target_type: 'user', target_id: row.id,
      after: { username: 'admin', roles: ['admin'], centre_id: BOOTSTRAP_CENTRE, bootstrap: true },
    });
    return row.id;
  });
  if (created === null) return { created: false };
  if (!generated) {
    deps.log.info({ username: 'admin' }, 'bootstrap admin created with the configured password');
    return { created: true };
  }
  await mkdir(deps.config.runDir, { recursive: true });
  const file = join(deps.config.runDir, 'admin-password');
  await writeFile(file, password + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  deps.log.warn({ username: 'admin', password, password_file: file },
    'bootstrap admin created with a generated password; log in and change it');
  return { created: true, password_file: file };
}
