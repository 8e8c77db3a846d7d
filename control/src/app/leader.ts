import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * One active control plane per centre: the active one holds a lease in Redis and renews it; a standby
 * waits and takes over when the lease runs out (ARCHITECTURE.md "Scaling out").
 */
/** Stop leading this long before the lease can run out in Redis (timer and clock-rate skew). */
const LOCAL_MARGIN_MS = 300;

const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

export class LeaderLease {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly key = 'cti:leader', private readonly ttlMs = 3000) {}

  /** Resolves once this process holds the lease. */
  async acquire(): Promise<void> {
    let announced = false;
    while (!this.stopped) {
      const sent = Date.now();
      const ok = await this.redis.set(this.key, this.id, 'PX', this.ttlMs, 'NX');
      if (ok === 'OK') {
        this.validUntil = sent + this.ttlMs - LOCAL_MARGIN_MS;
        return;
      }
      // the holder's last renewal, from the time left on its lease: the takeover's "last sign of life" (ha/lead.ts)
      const left = await this.redis.pttl(this.key);
      if (left > 0) this.holderRenewedAt = Date.now() - (this.ttlMs - left);
      if (!announced) {
        this.log.info({ holder: await this.redis.get(this.key) }, 'standby: another control plane holds the lease');
        announced = true;
      }
      await new Promise((r) => setTimeout(r, this.ttlMs / 6));
    }
  }

  /**
   * Until when this process surely holds the lease (ms since epoch): the send time of the last renewal Redis
   * accepted plus the TTL less a margin. Redis set the expiry after it received that renewal, so no other
   * process can take the lease before this moment (docs/ha.md, "Split brain").
   */
  validUntil = 0;

  /** While waiting in acquire(): when the holder last renewed the lease, as far as this process saw (ms since epoch). */
  holderRenewedAt: number | undefined;

  /**
   * Renew every third of the lease; `onLost` when another process holds it, Redis refuses, or Redis has not
   * answered a renewal before `validUntil` (this process may no longer hold it: it must stop leading).
   * `onRenewed` after each renewal Redis accepted.
   */
  keep(onLost: () => void, onRenewed: () => void = () => {}): void {
    let lost = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      if (this.timer) clearInterval(this.timer);
      this.log.error({ why }, 'leader lease lost');
      onLost();
    };
    this.timer = setInterval(async () => {
      const sent = Date.now();
      try {
        const ok = await this.redis.eval(RENEW_LUA, 1, this.key, this.id, String(this.ttlMs));
        if (ok !== 1) return lose('another process holds the lease');
        this.validUntil = sent + this.ttlMs - LOCAL_MARGIN_MS;
        if (!lost) onRenewed();
      } catch (err) {
        if (Date.now() >= this.validUntil) return lose(`no renewal answered in time: ${String(err)}`);
        this.log.warn({ err: String(err) }, 'leader lease renewal failed; retrying');
      }
    }, this.ttlMs / 3);
    // a renewal that hangs (Redis unreachable, no error yet) must not keep this process leading
    const deadline = setInterval(() => {
      if (lost || this.stopped) return clearInterval(deadline);
      if (Date.now() >= this.validUntil) {
        clearInterval(deadline);
        lose('no renewal answered before the lease ran out');
      }
    }, 100);
    deadline.unref();
  }

  /** After release(): acquire() may wait for the lease again. */
  reopen(): void {
    this.stopped = false;
  }

  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`, 1, this.key, this.id);
  }
}
