/**
 * The audit trail (MLPS): every change a person makes through the API is one row of audit_log,
 * written with the same SQL handle (so in the same transaction) as the change itself.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { AuthUser } from '../auth/user.ts';

export type Queryable = Sql | TransactionSql;

export interface AuditActor {
  id: string | null;
  username: string;
}

/** Who makes a change through the API, and from where (request.user, request.ip). */
export interface Change {
  actor: AuthUser;
  ip: string | null;
}

export interface AuditEntry {
  /** The person (request.user) or, for a failed login, the name that was tried. */
  actor: AuthUser | AuditActor;
  ip: string | null;
  /** `<target_type>.<past-tense verb>`, e.g. `seat.created`, `auth.login_failed`. */
  action: string;
  target_type: string;
  target_id: string | null;
  before?: object | null;
  after?: object | null;
}

/** Fields that must never reach the audit log, whatever the caller passes. */
const SECRET_FIELDS = new Set(['password', 'password_hash', 'sip_password', 'ha1', 'ha1b', 'token']);

export function redact(value: object | null | undefined): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELDS.has(k)) continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export async function recordAudit(sql: Queryable, e: AuditEntry): Promise<string> {
  const before = redact(e.before);
  const after = redact(e.after);
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO audit_log (actor_id, actor_name, actor_ip, action, target_type, target_id, before, after)
    VALUES (${e.actor.id}, ${e.actor.username}, ${e.ip}, ${e.action}, ${e.target_type}, ${e.target_id},
            ${before === null ? null : sql.json(before as never)}, ${after === null ? null : sql.json(after as never)})
    RETURNING id::text AS id`;
  return row.id;
}
