/**
 * People who log in (dispatchers, supervisors, QA reviewers, administrators): administration by an admin.
 * Every change writes its audit row in the same transaction; disabling a person or changing their roles
 * or password ends their sessions. The last enabled admin cannot be disabled or lose the admin role.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { hashPassword } from '../auth/password.ts';
import type { Role } from '../auth/roles.ts';
import { revokeUserTokens } from '../auth/tokens.ts';
import { CtiError } from '../errors/catalogue.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'config'>;

export interface User {
  id: string;
  username: string;
  display_name: string;
  roles: Role[];
  centre_id: string;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface NewUser {
  username: string;
  display_name: string;
  password: string;
  roles: Role[];
  centre_id?: string;
}

export interface UserPatch {
  display_name?: string;
  roles?: Role[];
  disabled?: boolean;
  centre_id?: string;
}

const COLUMNS = 'id::text AS id, username, display_name, roles, centre_id, disabled, created_at, updated_at';

async function lockUser(tx: Queryable, id: string): Promise<User> {
  const [row] = await tx<User[]>`SELECT ${tx.unsafe(COLUMNS)} FROM users WHERE id = ${id}::uuid FOR UPDATE`;
  if (!row) throw new CtiError('CTI_USER_NOT_FOUND', { id });
  return row;
}

export async function createUser(deps: Deps, change: Change, u: NewUser): Promise<User> {
  const hash = await hashPassword(u.password);
  return deps.sql.begin(async (tx) => {
    const [row] = await tx<User[]>`
      INSERT INTO users (username, display_name, password_hash, roles, centre_id)
      VALUES (${u.username}, ${u.display_name}, ${hash}, ${u.roles}, ${u.centre_id ?? deps.config.centreId})
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'user.created', target_type: 'user', target_id: row.id, after: row });
    return row;
  });
}

export async function listUsers(deps: Deps, f: { centre_id?: string; include_disabled: boolean }): Promise<User[]> {
  return deps.sql<User[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM users
     WHERE (${f.centre_id ?? null}::text IS NULL OR centre_id = ${f.centre_id ?? null})
       AND (${f.include_disabled} OR NOT disabled)
     ORDER BY username`;
}

export async function getUser(deps: Deps, id: string): Promise<User> {
  const [row] = await deps.sql<User[]>`SELECT ${deps.sql.unsafe(COLUMNS)} FROM users WHERE id = ${id}::uuid`;
  if (!row) throw new CtiError('CTI_USER_NOT_FOUND', { id });
  return row;
}

async function assertNotLastAdmin(tx: Queryable, before: User, patch: UserPatch): Promise<void> {
  const losesAdmin = (patch.disabled === true || (patch.roles !== undefined && !patch.roles.includes('admin')))
    && before.roles.includes('admin') && !before.disabled;
  if (!losesAdmin) return;
  await tx`SELECT pg_advisory_xact_lock(hashtext('cti.users.admins'))`;
  const [{ n }] = await tx<{ n: number }[]>`
    SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) AND NOT disabled AND id <> ${before.id}::uuid`;
  if (n === 0) throw new CtiError('CTI_LAST_ADMIN', { id: before.id });
}

export async function updateUser(deps: Deps, change: Change, id: string, patch: UserPatch): Promise<User> {
  const after = await deps.sql.begin(async (tx) => {
    const before = await lockUser(tx, id);
    await assertNotLastAdmin(tx, before, patch);
    const [row] = await tx<User[]>`
      UPDATE users SET
        display_name = coalesce(${patch.display_name ?? null}, display_name),
        roles = coalesce(${patch.roles ?? null}::text[], roles),
        disabled = coalesce(${patch.disabled ?? null}::boolean, disabled),
        centre_id = coalesce(${patch.centre_id ?? null}, centre_id),
        updated_at = now()
      WHERE id = ${id}::uuid
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'user.updated', target_type: 'user', target_id: id, before, after: row });
    return row;
  });
  if (patch.disabled === true || patch.roles !== undefined || patch.centre_id !== undefined) {
    await revokeUserTokens(deps.redis, id);
  }
  return after;
}

export async function setPassword(deps: Deps, change: Change, id: string, password: string): Promise<User> {
  const hash = await hashPassword(password);
  const row = await deps.sql.begin(async (tx) => {
    await lockUser(tx, id);
    const [updated] = await tx<User[]>`
      UPDATE users SET password_hash = ${hash}, updated_at = now() WHERE id = ${id}::uuid RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, {
      ...change, action: 'user.password_changed', target_type: 'user', target_id: id,
      after: { by_self: change.actor.id === id },
    });
    return updated;
  });
  await revokeUserTokens(deps.redis, id);
  return row;
}

/** The stored password hash, for a person changing their own password (checks the current one). */
export async function passwordHashOf(deps: Deps, id: string): Promise<string> {
  const [row] = await deps.sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE id = ${id}::uuid`;
  if (!row) throw new CtiError('CTI_USER_NOT_FOUND', { id });
  return row.password_hash;
}

/** Display names of the given users (those that exist), by id. */
export async function displayNames(sql: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; display_name: string }[]>`SELECT id, display_name FROM users WHERE id = ANY(${ids}::uuid[])`;
  return new Map(rows.map((u) => [u.id, u.display_name]));
}
