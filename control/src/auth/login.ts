/**
 * Logging in and out. Failed attempts are throttled per username and address (rate-limit.ts) and,
 * like successful ones and logouts, written to the audit log.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { decoyHash, verifyPassword } from './password.ts';
import { clearLoginFailures, loginThrottle, recordLoginFailure } from './rate-limit.ts';
import { isRole } from './roles.ts';
import { issueToken, revokeToken } from './tokens.ts';
import type { AuthUser } from './user.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'config'>;

export interface LoginResult {
  token: string;
  expires_at: string;
  user: AuthUser;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  centre_id: string;
  disabled: boolean;
}

export async function login(deps: Deps, username: string, password: string, ip: string): Promise<LoginResult> {
  const throttle = await loginThrottle(deps.redis, username, ip);
  if (throttle.throttled) {
    await recordAudit(deps.sql, {
      actor: { id: null, username }, ip, action: 'auth.login_throttled', target_type: 'user', target_id: null,
      after: { failures: throttle.failures },
    });
    throw new CtiError('CTI_LOGIN_THROTTLED', { retry_after_s: throttle.retry_after_s });
  }
  const [row] = await deps.sql<UserRow[]>`
    SELECT id::text AS id, username, display_name, password_hash, roles, centre_id, disabled
      FROM users WHERE username = ${username}`;
  const ok = await verifyPassword(password, row?.password_hash ?? await decoyHash());
  if (!row || !ok || row.disabled) {
    const failures = await recordLoginFailure(deps.redis, username, ip);
    const reason = !row ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled';
    await recordAudit(deps.sql, {
      actor: { id: row?.id ?? null, username }, ip, action: 'auth.login_failed', target_type: 'user',
      target_id: row?.id ?? null, after: { reason, failures },
    });
    throw new CtiError('CTI_AUTH_INVALID');
  }
  await clearLoginFailures(deps.redis, username, ip);
  const user: AuthUser = {
    id: row.id, username: row.username, display_name: row.display_name,
    roles: row.roles.filter(isRole), centre_id: row.centre_id,
  };
  const issued = await issueToken(deps.redis, user, deps.config.tokenTtlS);
  await recordAudit(deps.sql, {
    actor: user, ip, action: 'auth.logged_in', target_type: 'user', target_id: user.id,
    after: { expires_at: issued.expires_at },
  });
  return { ...issued, user };
}

export async function logout(deps: Deps, user: AuthUser, token: string, ip: string): Promise<void> {
  await revokeToken(deps.redis, token, user.id);
  await recordAudit(deps.sql, { actor: user, ip, action: 'auth.logged_out', target_type: 'user', target_id: user.id });
}
