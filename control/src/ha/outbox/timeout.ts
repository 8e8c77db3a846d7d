/**
 * A PostgreSQL call that the outbox's users never wait on for longer than `ms` (a dead host whose connections hang,
 * a client waiting to reconnect). The call itself is not cancelled: its late outcome is settled here, unobserved.
 */
import { CtiError } from '../../errors/catalogue.ts';

/** How long a write may take before it counts as an outage (CTI_FACTS_WRITE_TIMEOUT_MS, 2 s). */
export const writeTimeoutMs = (): number => Number(process.env.CTI_FACTS_WRITE_TIMEOUT_MS) || 2000;

export function within<T>(p: Promise<T>, ms: number, details: Record<string, unknown>): Promise<T> {
  p.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CtiError('CTI_FACT_WRITE_TIMEOUT', { ...details, timeout_ms: ms })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
