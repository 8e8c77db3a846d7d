/**
 * Is a failed PostgreSQL write an outage (keep the fact in the outbox, write it later) or a bug (throw)?
 *
 * Outage: the server cannot be reached, is going away, is starting, or takes no writes yet (a standby, or a
 * promoted standby in its read-only seconds, docs/ha.md "PostgreSQL away"). Everything else (a constraint
 * violation, bad data, a syntax error, a programming error of postgres.js's) is a bug: replaying it later would
 * fail the same way, so it is never kept.
 */

/** Socket errors (Node) and postgres.js's own connection errors. */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN',
  'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT', // ENOENT: a Unix socket path whose server is stopped
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
]);

/** SQLSTATEs (PostgreSQL appendix A) that mean "not now", not "never". */
const OUTAGE_SQLSTATES = new Set([
  '25006', // read_only_sql_transaction: a standby, or a promoted one not yet writable
  '57P01', // admin_shutdown: the server is stopping (fast/immediate shutdown, a failover's demotion)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, in recovery
  '57P05', // idle_session_timeout (the connection was closed under us)
  '53300', // too_many_connections: a restart's reconnect storm
  '40001', // serialization_failure and
  '40P01', // deadlock_detected: retrying the same transaction is the documented remedy
]);

const SQLSTATE = /^[0-9A-Z]{5}$/;

export type WriteFailure = 'outage' | 'bug';

export function classifyWriteError(err: unknown): WriteFailure {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (OUTAGE_CODES.has(code)) return 'outage';
  if (SQLSTATE.test(code)) return OUTAGE_SQLSTATES.has(code) || code.startsWith('08') ? 'outage' : 'bug';
  return 'bug';
}

export const isOutage = (err: unknown): boolean => classifyWriteError(err) === 'outage';
