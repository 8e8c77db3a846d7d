import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * One active control plane per centre: the active one holds a lease in Redis and renews it; a standby
 * waits and takes over when the lease runs out (ARCHITECTURE.md "Scaling out").
 */
/** Stop leading this long before the lease can run out in Redis (timer and clock-rate skew). */
const LOCAL_MARGIN_MS = 300;

// An absent key is taken back: it ran out while Redis was away (a Sentinel promotion takes 1-2 s of a 3 s lease,
// docs/ha.md "The data tier of a pair") and no other process took it meanwhile, so nobody else leads. Only a leader
// still within its own validUntil renews at all (keep() below), so this never revives a lead that was given up.
const RENEW_LUA = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1
else return 0 end`;

export class LeaderLease {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** A standby does not try before this (ms epoch): the leader's turn to take back its lease after Redis came back. */
  private holdUntil = 0;
  private renewNow: (() => void) | undefined;

  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly key = 'cti:leader', private readonly ttlMs = 3000) {
    // Redis came back (a Sentinel promotion, a restart; docs/ha.md "The data tier of a pair"): the leader renews at
    // once, a standby waits two thirds of a lease, so a lease that ran out while Redis was away goes back to its leader
    // rather than to whichever process reconnected first (that would move the lead and the calls queued in the
    // leader's Kamailio would have to be taken over).
    let connected = redis.status === 'ready';
    redis.on('ready', () => {
      // the first connection is the start, not Redis coming back
      if (!connected) {
        connected = true;
        return;
      }
      if (this.renewNow) this.renewNow();
      else this.holdUntil = Date.now() + (this.ttlMs * 2) / 3;
    });
  }

  /** Resolves once this process holds the lease. */
  async acquire(): Promise<void> {
    let announced = false;
    while (!this.stopped) {
      // never a SET left in ioredis's offline queue (it would run the moment Redis is back, before the holdoff), and
      // not before the leader had its turn after Redis came back
      if (this.redis.status !== 'ready' || Date.now() < this.holdUntil) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
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
      } catch (err) {
        // Redis away (a Sentinel promotion, a restart): a standby keeps waiting, it does not exit
        this.log.warn({ err: String(err) }, 'standby: the lease cannot be read now; retrying');
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
   * `deadline: false` (a single node, nothing to fence against): renewals that fail or hang are retried and the lead
   * is kept; only another process holding the lease ends it. A Redis restart on a single node must not take its only
   * control plane down (the calls it holds would fail open), which the deadline does once the outage outlasts it.
   */
  keep(onLost: () => void, onRenewed: () => void = () => {}, opts: { deadline?: boolean } = {}): void {
    const fenced = opts.deadline ?? true;
    let lost = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      if (this.timer) clearInterval(this.timer);
      this.log.error({ why }, 'leader lease lost');
      onLost();
    };
    const renew = async () => {
      if (lost) return;
      const sent = Date.now();
      try {
        const ok = await this.redis.eval(RENEW_LUA, 1, this.key, this.id, String(this.ttlMs));
        if (ok !== 1) return lose('another process holds the lease');
        this.validUntil = sent + this.ttlMs - LOCAL_MARGIN_MS;
        if (!lost) onRenewed();
      } catch (err) {
        if (fenced && Date.now() >= this.validUntil) return lose(`no renewal answered in time: ${String(err)}`);
        this.log.warn({ err: String(err) }, 'leader lease renewal failed; retrying');
      }
    };
    this.renewNow = () => void renew();
    this.timer = setInterval(renew, this.ttlMs / 3);
    // a renewal that hangs (Redis unreachable, no error yet) must not keep this process leading
    if (!fenced) return;
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
    this.renewNow = undefined;
    if (this.timer) clearInterval(this.timer);
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`, 1, this.key, this.id);
  }
}
