/**
 * A Redis connection error (a Sentinel promotion, a restart, the master's address moving) must not kill the control
 * plane: ioredis rejects the commands in flight with `Connection is closed.` (or the max-retries error) and reconnects by
 * itself. Every timer, kick and fire-and-forget promise that touches Redis logs and counts such an error and lets the next
 * tick or kick retry; the start sequence retries its step until Redis answers (docs/ha.md "Redis promotion").
 */
import type { Logger } from '../../app/logger.ts';

const CONNECTION_PATTERNS = [
  /connection is closed/i,
  /reached the max retries per request limit/i,
  /stream isn't writeable/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE/,
  /^READONLY\b/, // a write that reached a master just turned replica
  /^LOADING\b/, // a restarted master loading its data set
  /connect ETIMEDOUT|command timed out/i,
];

/** A Redis error that a reconnection cures (retry later), as opposed to a bug or bad data (report). Pure. */
export function isRedisConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return true;
  return CONNECTION_PATTERNS.some((p) => p.test(err.message));
}

/** How many Redis connection errors each place has survived since the start (logged with each one). */
export class RedisTrouble {
  private readonly counts = new Map<string, number>();

  note(where: string): number {
    const n = (this.counts.get(where) ?? 0) + 1;
    this.counts.set(where, n);
    return n;
  }

  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  figures(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** The process's counter (one control plane per process). */
export const redisTrouble = new RedisTrouble();

/**
 * A catch handler for a fire-and-forget promise or a timer's step: logs the error (warn for a connection error, which
 * the next tick/kick retries; error otherwise), counts it, and never rethrows.
 */
export function survive(log: Logger, where: string, trouble: RedisTrouble = redisTrouble): (err: unknown) => void {
  return (err) => {
    const n = trouble.note(where);
    if (isRedisConnectionError(err)) log.warn({ err: String(err), where, count: n }, 'redis connection error: retried on the next tick');
    else log.error({ err: String(err), stack: (err as Error)?.stack, where, count: n }, 'background step failed: retried on the next tick');
  };
}

export interface RetryOptions {
  log: Logger;
  /** Between tries; grows to maxDelayMs. */
  delayMs?: number;
  maxDelayMs?: number;
  trouble?: RedisTrouble;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs a step of the start sequence, again after a pause while it fails on a Redis connection error (ioredis
 * reconnects meanwhile); any other error is rethrown (the start fails as before).
 */
export async function retryOnRedis<T>(what: string, step: () => Promise<T>, o: RetryOptions): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = o.delayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isRedisConnectionError(err)) throw err;
      const n = (o.trouble ?? redisTrouble).note(`start:${what}`);
      o.log.warn({ err: String(err), step: what, attempt, count: n, retry_in_ms: delay }, 'start step failed on a redis connection error: retrying');
      await sleep(delay);
      delay = Math.min(delay * 2, o.maxDelayMs ?? 2000);
    }
  }
}

/**
 * The last resort for a path this file's helpers do not cover yet: an unhandled rejection that is a Redis connection
 * error is logged and counted (the process lives on); any other one ends the process as Node does by default.
 */
export function surviveUnhandledRedisRejections(log: Logger, exit: (code: number) => void = (c) => process.exit(c)): void {
  process.on('unhandledRejection', (err) => {
    if (isRedisConnectionError(err)) {
      const n = redisTrouble.note('unhandled');
      log.error({ err: String(err), stack: (err as Error)?.stack, count: n }, 'unhandled redis connection error survived (a path to fix: it should catch it itself)');
      return;
    }
    process.stderr.write(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}\n`);
    exit(1);
  });
}
